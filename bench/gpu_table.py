"""Markdown table of the JSON files `bench/train_step.py --json` wrote into a folder (used by bench/gpu_run.sh)."""
import json, sys
from pathlib import Path

COLS = [("sft_step", "seconds", "sft_step s"), ("poly_step", "seconds", "poly_step s"),
        ("part_generate", "seconds", "part_generate s"), ("part_logp_fwd_bwd", "seconds", "part_logp_fwd_bwd s"),
        ("decode_ms_per_step", "derived", "decode ms/step"), ("bandwidth_floor_ms_per_step", "derived", "floor ms/step"),
        ("decode / floor", "derived", "decode/floor"), ("poly / sft", "derived", "poly/sft")]


def fmt(v): return "" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def table(folder) -> str:
    rows = []
    for f in sorted(Path(folder).glob("*.json")):
        r = json.loads(f.read_text())
        a = r["args"]
        cfg = (f"{a['batch']}×{a['n']}" + (", merged LoRA" if a["merge_lora"] else "") +
               (", static cache" if a["static_cache"] else "") + (f", chunk {a['chunk']}" if a["chunk"] else "") +
               (", checkpointing" if a["gradient_checkpointing"] else ""))
        peak = max(r["peak_gib"].values()) if r["peak_gib"] else None
        fails = {k: v for k, v in r["notes"].items() if isinstance(v, str) and v.startswith("failed")}
        rows.append([f.stem, cfg] + [fmt(r[sec].get(k)) for k, sec, _ in COLS] + [fmt(peak), "; ".join(fails) or ""])
    head = ["run", "B×N, path"] + [c for _, _, c in COLS] + ["peak GiB", "failures"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    dev = next((json.loads(f.read_text()).get("setting") for f in sorted(Path(folder).glob("*.json"))), "")
    return f"{dev}\n\n" + "\n".join(lines)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else "bench/out/gpu"))
