"""Two evaluations side by side: what `polychromic.sweep.job_threads` changes (OMP_NUM_THREADS = cores // workers).

    python bench/parallel_jobs.py                       # 2 jobs at once, 6 test tweets × k = 10, 40 tokens each
    python bench/parallel_jobs.py --jobs 2 --n-prompts 25

Each job is `bench/sampling.py --paths shared` (the evaluation's sampler on the embedded SmolLM2-135M) in its own
process, `--jobs` of them started together, as a sweep with `workers: 2` runs two evaluations. Two settings, one after
the other in this run: `default` leaves torch its own thread count (every process takes all cores: what an evaluation
did before `job_threads`), `shared` sets OMP_NUM_THREADS = cores // jobs in each process's environment (what
`run_plan` now does). The table gives the wall time until all jobs of a setting finished and each setting's ratio to
`default`. Same prompts and seed in every job: the replies are the same, only the threads differ.
"""
import argparse, os, subprocess, sys, time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def run_jobs(n_jobs:int, threads:int|None, args:list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if threads: env["OMP_NUM_THREADS"] = str(threads)
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(BENCH/"sampling.py"), "--paths", "shared", *args], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(n_jobs)]
    outs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - t
    for o, p in zip(outs, procs):
        if p.returncode: raise SystemExit(f"a job failed:\n{o}")
        print("   ", [l for l in o.splitlines() if "round" in l or "torch threads" in l])
    return wall


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--n-prompts", type=int, default=6)
    p.add_argument("--max-new-tokens", type=int, default=40)
    a = p.parse_args(argv)
    args = ["--n-prompts", str(a.n_prompts), "--max-new-tokens", str(a.max_new_tokens)]
    cores = os.cpu_count() or 1
    rows = []
    for name, threads in (("default", None), ("shared", max(1, cores // a.jobs))):
        print(f"{name}: {a.jobs} jobs, OMP_NUM_THREADS={threads or 'unset'} ({cores} cores)", flush=True)
        rows.append((name, threads, run_jobs(a.jobs, threads, args)))
    print(f"\n| setting | OMP_NUM_THREADS | wall s ({a.jobs} jobs, {a.n_prompts} tweets × 10 replies each) | time / default |")
    print("|:--|--:|--:|--:|")
    for name, threads, wall in rows: print(f"| {name} | {threads or 'unset (torch: all cores)'} | {wall:.1f} | {wall / rows[0][2]:.2f} |")


if __name__ == "__main__": main()
