"""What each part of the research in runs/research/ cost, read from the records themselves.

    python bench/research_times.py [runs/research]

Per record: a training's own clock (`TrainRecord.wall_time_s`: the training loop, model load apart) and steps; an
evaluation's `stage_seconds` (sampling, metrics, total). Then the hours per part, and the sum of every job the sweep
ran (`wall_times.jsonl`: each job's wall time, killed and superseded runs included), which is what the research cost
in all. With `workers: 2` on this 2-core machine and one torch thread per job a job's wall time is about its CPU time;
where other work shared the machine (see bench/pipeline.md) it is more.
"""
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from polychromic.records import load_record, TrainRecord


def main(folder="runs/research"):
    folder, parts, rows = Path(folder), {}, []
    for nb in sorted(folder.glob("*.ipynb")):
        try: r = load_record(nb)
        except Exception as e: rows.append(f"| {nb.stem} | unreadable: {e} | | |"); continue
        if isinstance(r, TrainRecord):
            s = (r.wall_time_s or 0) + (r.load_s or 0)
            part = "trainings, 160 steps (long block)" if (r.steps or 0) > 40 else \
                   "trainings, ablation (seed 42)" if r.seed == 42 else "trainings, seeds 1–4"
            rows.append(f"| {nb.stem} | {s/60:.1f} | {r.steps} steps, {r.sec_per_step} s/step | {r.git_commit[:7] if r.git_commit else ''} |")
        else:
            st = (r.metrics or {}).get("stage_seconds") or {}
            s, part = st.get("total") or 0, "evaluations"
            rows.append(f"| {nb.stem} | {s/60:.1f} | sampling {st.get('sampling', 0)/60:.1f} min, metrics {st.get('metrics', 0)/60:.1f} min | {r.status} |")
        parts[part] = parts.get(part, 0) + s
    print("| record | minutes | detail | commit / status |\n|:--|--:|:--|:--|"); print("\n".join(rows))
    print("\n| part | hours (records' own clocks) |\n|:--|--:|")
    for p, s in sorted(parts.items()): print(f"| {p} | {s/3600:.2f} |")
    wt = folder/"wall_times.jsonl"
    if wt.exists():
        lines = [json.loads(l) for l in wt.read_text().splitlines() if l.strip()]
        print(f"| every job the sweep ran, killed and superseded runs included ({len(lines)} jobs, wall) | {sum(l['wall_s'] for l in lines)/3600:.2f} |")


if __name__ == "__main__": main(sys.argv[1] if len(sys.argv) > 1 else "runs/research")
