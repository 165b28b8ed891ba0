"""The pod run's summary: per training notebook, wall time per optimizer step (bench/torch_monitor.py's step timer),
the sampling share and seconds, the importance-ratio statistics the trainer logs (every `importance/*` key, also any
`is/*`), peak reserved/allocated CUDA memory, compile events and recompiles; the evaluation's headline numbers.

    python bench/pod/summarize.py RAW OUT [EMBEDDER_KIND_FILE] [MODEL_DIR]      -> OUT/summary.json, OUT/summary.md
"""
import json, statistics, sys
from pathlib import Path


def _stats(xs):
    xs = [float(x) for x in xs if x is not None]
    if not xs: return None
    return dict(n=len(xs), mean=statistics.fmean(xs), median=statistics.median(xs), min=min(xs), max=max(xs))


def run_summary(raw:Path, name:str) -> dict:
    mon = json.loads((raw/f"monitor_{name}.json").read_text()) if (raw/f"monitor_{name}.json").exists() else {}
    runs = sorted(raw.glob("run_*.json")); hist = {}
    rec = None
    for r in runs:   # the record whose lam matches this notebook (poly: lam > 0)
        j = json.loads(r.read_text())
        if (j.get("lam", 0) > 0) == (name == "train_poly"):
            rec, hist = j, json.loads((raw/f"log_history_{r.stem[4:]}.json").read_text())
    logs = [h for h in hist if "loss" in h and "train_runtime" not in h]
    keys = sorted({k for h in logs for k in h if k.startswith(("importance/", "is/", "diversity/"))})
    steps = mon.get("step_seconds", [])
    return dict(
        steps=rec and rec.get("steps"), sec_per_step_record=rec and rec.get("sec_per_step"),
        wall_s_train=rec and rec.get("wall_time_s"), load_s=rec and rec.get("load_s"),
        step_seconds=steps, step_seconds_stats=_stats(steps), step_seconds_after_first=_stats(steps[1:]),
        logged={k: _stats(h.get(k) for h in logs) for k in keys},
        per_step_log=[{k: h.get(k) for k in ("step", "loss", "ce", "diversity/gen_seconds", "diversity/gen_share",
                                            *[k for k in keys if k.startswith(("importance/", "is/"))])} for h in logs],
        max_reserved_gib=mon.get("max_reserved_gib"), max_allocated_gib=mon.get("max_allocated_gib"),
        compile_events=mon.get("compile_events"), recompiles=mon.get("recompiles"),
        recompile_limit_hits=mon.get("recompile_limit_hits"), recompile_reasons=mon.get("recompile_reasons", [])[:5],
        dynamo_counters=mon.get("dynamo_counters"), monitor_errors=mon.get("monitor_errors"),
        eval_ce=rec and rec.get("eval_ce"), final_diversity=rec and rec.get("final_diversity"))


def nvsmi_peak(raw:Path):
    f = raw/"nvsmi.csv"
    if not f.exists(): return None
    vals = [float(l.split(",")[1].split()[0]) for l in f.read_text().splitlines() if l.count(",") >= 2 and "MiB" in l]
    return max(vals) / 1024 if vals else None


def main(raw, out, kind_file=None, model_dir=None):
    raw, out = Path(raw), Path(out)
    s = dict(gpu=(raw/"gpu.txt").read_text().strip() if (raw/"gpu.txt").exists() else "none (CPU dry run)",
             versions=(raw/"versions.txt").read_text().strip() if (raw/"versions.txt").exists() else None,
             embedder=Path(kind_file).read_text().strip() if kind_file and Path(kind_file).exists() else None,
             model=json.loads((Path(model_dir)/"config.json").read_text()) if model_dir and (Path(model_dir)/"config.json").exists() else None,
             runs_txt=(raw/"runs.txt").read_text().splitlines() if (raw/"runs.txt").exists() else [],
             nvidia_smi_peak_used_gib=nvsmi_peak(raw))
    if s["model"]: s["model"] = {k: s["model"].get(k) for k in ("model_type", "hidden_size", "num_hidden_layers", "vocab_size", "dtype", "torch_dtype")}
    for name in ("train_poly", "train_baseline"): s[name] = run_summary(raw, name)
    if (raw/"evaluate_metrics.json").exists():
        m = json.loads((raw/"evaluate_metrics.json").read_text())
        s["evaluate"] = {k: m.get(k) for k in ("stage_s", "models", "n_prompts", "k", "verdict") if k in m}
    s["evaluate_monitor"] = json.loads((raw/"monitor_evaluate.json").read_text()) if (raw/"monitor_evaluate.json").exists() else None
    (out/"summary.json").write_text(json.dumps(s, indent=1, default=str))
    p = s["train_poly"]; f = lambda v, d=2: "—" if v is None else (f"{v:.{d}f}" if isinstance(v, float) else str(v))
    st, sa = p["step_seconds_stats"] or {}, p["step_seconds_after_first"] or {}
    lines = [f"# pod run: {s['gpu']}", "", f"- versions: {s['versions']}", f"- embedder: {s['embedder']}",
             f"- model: {s['model']}", "",
             "| train_poly | value |", "|---|---:|",
             f"| optimizer steps | {f(p['steps'])} |",
             f"| wall s/step, median (all / after the first) | {f(st.get('median'))} / {f(sa.get('median'))} |",
             f"| wall s/step, max | {f(st.get('max'))} |",
             f"| sampling share (diversity/gen_share), mean | {f((p['logged'].get('diversity/gen_share') or {}).get('mean'), 3)} |",
             f"| sampling s/step (diversity/gen_seconds), mean | {f((p['logged'].get('diversity/gen_seconds') or {}).get('mean'))} |",
             f"| peak reserved / allocated GiB (torch) | {f(p['max_reserved_gib'], 1)} / {f(p['max_allocated_gib'], 1)} |",
             f"| peak used GiB (nvidia-smi, whole card) | {f(s['nvidia_smi_peak_used_gib'], 1)} |",
             f"| compile events / recompiles / recompile-limit hits | {p['compile_events']} / {p['recompiles']} / {p['recompile_limit_hits']} |"]
    for k, v in p["logged"].items():
        if k.startswith(("importance/", "is/")) and v: lines.append(f"| {k} mean [min, max] | {v['mean']:.4g} [{v['min']:.4g}, {v['max']:.4g}] |")
    if "evaluate" in s: lines += ["", f"evaluate stages (s): {s['evaluate'].get('stage_s')}"]
    lines += ["", "```", *s["runs_txt"], "```"]
    (out/"summary.md").write_text("\n".join(lines) + "\n")
    print((out/"summary.md").read_text())


if __name__ == "__main__": main(*sys.argv[1:])
