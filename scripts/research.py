"""Train the research runs of issue 15 (λ × objective ablation, then the best two at 5 seeds), two at a time.

    python scripts/research.py ablation          # seed 42: baseline + λ ∈ {0.25, 0.5, 1.25, 2.5} × {diversity, polychromic}
    python scripts/research.py baselines         # baselines of seeds 1, 2, 3, 4
    python scripts/research.py seeds diversity:1.25 polychromic:0.5   # those configurations at seeds 1, 2, 3, 4
    python scripts/research.py evaluate-ablation                          # seed 42: every configuration vs the baseline
    python scripts/research.py select                                   # the best two configurations of the ablation
    python scripts/research.py evaluate-seeds diversity:1.25 polychromic:0.5  # seeds 1-4: baseline + both (42: the ablation's)

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
LAMS, OBJECTIVES = (0.25, 0.5, 1.25, 2.5), ("diversity", "polychromic")
SEEDS = tuple(int(s) for s in os.environ.get("SEEDS", "1 2 3 4").split())   # beside seed 42
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


def evaluate(name: str, runs: list[dict], seed: int, **params) -> dict:
    "One evaluation record `runs/research/<name>.ipynb` of the training runs (the baseline first)."
    out = RUNS/f"{name}.ipynb"
    if out.exists(): print(f"skip {out}", flush=True); return read_run(out)
    paths = [str(RUNS/f"train_{train_settings_from(s, source='research job').name}.ipynb") for s in runs]
    def done(p):
        try: return read_run(p)["status"] == "completed"
        except Exception: return False   # a record being written
    missing = [p for p in paths if not Path(p).exists() or not done(p)]
    if missing: print(f"not yet {name}: training records missing or not completed: {missing}", flush=True); return None
    print(f"start {name}", flush=True)
    t = time.time()
    rec = read_run(run(experiment_notebook("evaluate.ipynb"), out, raise_errors=False, progress=False, runs=paths,
                       out_dir=str(RUNS/name), **{**EXPERIMENT["eval_params"], "seed": seed, **params}))
    with open(RUNS/"wall_times.jsonl", "a") as f:
        f.write(json.dumps({"record": out.name, "status": rec["status"], "wall_s": round(time.time() - t, 1),
                            "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}) + "\n")
    print(f"done  {name} [{rec['status']}] {time.time() - t:.0f}s {rec['error'] or ''}", flush=True)
    return rec


def configs(args: list[str]) -> list[tuple[str, float]]:
    return [(o, float(l)) for o, l in (a.split(":") for a in args)]


def jobs(what: str, args: list[str]) -> list[dict]:
    if what == "ablation":
        return [settings(0.0, "diversity", 42)] + [settings(l, o, 42) for l in LAMS for o in OBJECTIVES]
    if what == "baselines": return [settings(0.0, "diversity", s) for s in SEEDS]
    if what == "seeds":
        return [settings(l, o, s) for s in SEEDS for o, l in configs(args)]
    raise SystemExit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) < 2: raise SystemExit(__doc__)
    if sys.argv[1] == "evaluate-ablation":   # the treatments at their own temperature only: the baseline's grid is the frontier
        evaluate("evaluate_ablation_seed42", [settings(0.0, "diversity", 42)] + [settings(l, o, 42) for l in LAMS for o in OBJECTIVES],
                 42, treatment_temperatures=[])
        raise SystemExit
    if sys.argv[1] == "select":   # rank by the diversity gain over the baseline at matched quality (MiniLM), seed 42
        from polychromic.runs import ablation_table
        t = ablation_table(read_run(RUNS/"evaluate_ablation_seed42.ipynb")).sort_values("Δ sem. div. matched", ascending=False)
        print(t.to_string(), file=sys.stderr)
        print(" ".join(f"{o}:{l:g}" for o, l in zip(t["objective"][:2], t["λ"][:2])))
        raise SystemExit
    if sys.argv[1] == "evaluate-seeds":   # seed 42 is the ablation's evaluation (same runs, same sampling seed)
        todo = list(SEEDS)
        while todo:
            for s in list(todo):
                if evaluate(f"evaluate_seed{s}", [settings(0.0, "diversity", s)] + [settings(l, o, s) for o, l in configs(sys.argv[2:])],
                            s, treatment_temperatures=[]) is not None: todo.remove(s)
            if todo: time.sleep(30)
        raise SystemExit
    todo = [j for a in sys.argv[1].split(",") for j in jobs(a, sys.argv[2:])]
    for s in todo: train_settings_from(s, source="research job")   # every job valid before the first one starts
    RUNS.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(WORKERS) as ex: recs = list(ex.map(train, todo))
    bad = [r["path"] for r in recs if r["status"] != "completed"]
    print(f"{len(recs) - len(bad)} of {len(recs)} completed", *bad, sep="\n  ")
