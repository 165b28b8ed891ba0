"""Train the research runs of issue 15 (λ × objective ablation, then the best two at 5 seeds), two at a time.

    python scripts/research.py ablation          # seed 42: baseline + λ ∈ {0.25, 0.5, 1.25, 2.5} × {diversity, polychromic}
    python scripts/research.py baselines         # baselines of seeds 1, 2, 3, 4
    python scripts/research.py seeds diversity:1.25 polychromic:0.5   # those configurations at seeds 1, 2, 3, 4

Each job is one papermill record `runs/research/train_<name>.ipynb` (the main job's settings, `runs.EXPERIMENT`,
one torch thread per run). A record that already exists is left alone (rerunning the command resumes), a failed
job is reported and the others go on. Wall times are appended to `runs/research/wall_times.jsonl`.
"""
import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from polychromic.config import train_settings_from
from polychromic.runs import EXPERIMENT, experiment_notebook, read_run, run

RUNS = Path("runs/research")
LAMS, OBJECTIVES, SEEDS = (0.25, 0.5, 1.25, 2.5), ("diversity", "polychromic"), (1, 2, 3, 4)
WORKERS = int(os.environ.get("WORKERS", 2))


def settings(lam, objective, seed) -> dict:
    return {**EXPERIMENT["train_params"], "torch_threads": 1, "lam": lam, "objective": objective, "seed": seed,
            "runs_dir": str(RUNS)}


def train(s: dict) -> dict:
    name = train_settings_from(s, source="research job").name
    out = RUNS/f"train_{name}.ipynb"
    if out.exists():
        rec = read_run(out)
        print(f"skip {out} [{rec['status']}]", flush=True)
        return rec
    print(f"start {name}", flush=True)
    t = time.time()
    rec = read_run(run(experiment_notebook("train.ipynb"), out, raise_errors=False, progress=False, **s))
    wall = time.time() - t
    with open(RUNS/"wall_times.jsonl", "a") as f:
        f.write(json.dumps({"record": out.name, "status": rec["status"], "wall_s": round(wall, 1),
                            "workers": WORKERS, "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}) + "\n")
    print(f"done  {name} [{rec['status']}] {wall:.0f}s {rec['error'] or ''}", flush=True)
    return rec


def jobs(what: str, args: list[str]) -> list[dict]:
    if what == "ablation":
        return [settings(0.0, "diversity", 42)] + [settings(l, o, 42) for l in LAMS for o in OBJECTIVES]
    if what == "baselines": return [settings(0.0, "diversity", s) for s in SEEDS]
    if what == "seeds":
        cfgs = [(o, float(l)) for o, l in (a.split(":") for a in args)]
        return [settings(l, o, s) for s in SEEDS for o, l in cfgs]
    raise SystemExit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) < 2: raise SystemExit(__doc__)
    todo = [j for a in sys.argv[1].split(",") for j in jobs(a, sys.argv[2:])]
    for s in todo: train_settings_from(s, source="research job")   # every job valid before the first one starts
    RUNS.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(WORKERS) as ex: recs = list(ex.map(train, todo))
    bad = [r["path"] for r in recs if r["status"] != "completed"]
    print(f"{len(recs) - len(bad)} of {len(recs)} completed", *bad, sep="\n  ")
