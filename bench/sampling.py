"""Time the evaluation's sampling: k prefilled copies of each prompt (the old path) against one prefill per prompt.

    python bench/sampling.py                              # the demo's evaluation size: 25 test tweets, k = 10, 40 tokens
    python bench/sampling.py --n-prompts 6 --lora         # fewer tweets (same calls: batch_size // k prompts each), a LoRA adapter

Both paths are `polychromic.generate.sample_replies` on the embedded SmolLM2-135M with the evaluation's settings
(`EvalArgs.batch_size` sequences per `generate` call, so 3 tweets × 10 replies per call); `--paths` picks them:
  copies   `share_prefill=False`: every reply's row prefills its own copy of the prompt (the code path before issue 22)
  shared   `share_prefill=True`: each prompt prefilled once, its KV cache repeated for its k rows (the default now)
  shared:B the same with `batch_size=B` (more tweets per call)
  old:REV  `sample_replies` of `polychromic/generate.py` as committed at git revision REV (e.g. `old:2a9376d`, the
           November code that the 159-s evaluation ran), loaded beside today's package in the same process
The paths run interleaved, `--repeats` rounds, in one process on the same prompts and seed, so the machine's load
(shared with other work) hits them alike; the table gives the median wall and CPU time (process time, all threads)
per path and their ratio to the first path, and how many replies each path drew identically to the first.
`--lora` wraps the model in a fresh LoRA (r = 8 on q/k/v/o, as training): B = 0, so the same replies, with the
unmerged adapter's cost, as the evaluation samples a trained run on a CPU.
"""
import argparse, json, os, statistics, sys, time, warnings, logging
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")
logging.getLogger("transformers").setLevel(logging.ERROR)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing

import torch
from polychromic.config import EvalArgs
from polychromic.generate import sample_replies
from polychromic.models import load_model_and_tokenizer
from polychromic.pipeline import run_data, test_prompts


def parse(argv=None):
    ea = EvalArgs()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n-prompts", type=int, default=None, help="test tweets (default: all, as the demo)")
    p.add_argument("--k", type=int, default=ea.k)
    p.add_argument("--max-new-tokens", type=int, default=40, help="the demo's max_completion_length")
    p.add_argument("--batch-size", type=int, default=ea.batch_size)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--paths", nargs="+", default=["copies", "shared"], help="copies, shared, shared:B, old:REV")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own, the core count)")
    p.add_argument("--lora", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the table here")
    return p.parse_args(argv)


def old_sampler(rev:str):
    "`sample_replies` of polychromic/generate.py at git revision `rev`, imported as a module of today's package."
    import importlib.util, subprocess, tempfile
    root = Path(__file__).resolve().parent.parent
    src = subprocess.run(["git", "-C", str(root), "show", f"{rev}:polychromic/generate.py"], capture_output=True, text=True, check=True).stdout
    f = Path(tempfile.mkdtemp()) / "generate_old.py"; f.write_text(src)
    spec = importlib.util.spec_from_file_location(f"polychromic._generate_{rev}", f, submodule_search_locations=None)
    m = importlib.util.module_from_spec(spec); m.__package__ = "polychromic"
    sys.modules[spec.name] = m   # dataclasses look their module up while the class is built
    spec.loader.exec_module(m)
    return m.sample_replies


def path_kwargs(name:str, batch_size:int) -> dict:
    if name == "copies": return dict(share_prefill=False, batch_size=batch_size)
    if name == "shared": return dict(share_prefill=True, batch_size=batch_size)
    if name.startswith("shared:"): return dict(share_prefill=True, batch_size=int(name.split(":")[1]))
    if name.startswith("old:"): return dict(batch_size=batch_size)
    raise SystemExit(f"unknown path {name!r} (copies, shared, shared:B)")


def main(argv=None):
    a = parse(argv)
    if a.threads: torch.set_num_threads(a.threads)
    model, tok = load_model_and_tokenizer()
    if a.lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    d = run_data()
    prompts = test_prompts({"test": d["splits"]["test"].to_pandas()}, a.n_prompts)["prompts"]
    print(f"{len(prompts)} prompts × k = {a.k}, ≤ {a.max_new_tokens} new tokens, T = {a.temperature}, "
          f"{torch.get_num_threads()} torch threads, lora={a.lora}", flush=True)
    runs = {n: [] for n in a.paths}
    samplers = {n: old_sampler(n.split(":", 1)[1]) if n.startswith("old:") else sample_replies for n in a.paths}
    for r in range(a.repeats):
        for n in a.paths:
            w, c = time.perf_counter(), time.process_time()
            out = samplers[n](model, tok, prompts, k=a.k, temperature=a.temperature, max_new_tokens=a.max_new_tokens,
                                 seed=a.seed, **path_kwargs(n, a.batch_size))
            runs[n].append(dict(wall=time.perf_counter() - w, cpu=time.process_time() - c, out=out))
            print(f"  round {r+1} {n}: {runs[n][-1]['wall']:.1f} s wall, {runs[n][-1]['cpu']:.1f} s CPU", flush=True)
    ref = a.paths[0]
    flat = lambda o: [x for g in o for x in g]
    rows = []
    for n in a.paths:
        wall, cpu = statistics.median(x["wall"] for x in runs[n]), statistics.median(x["cpu"] for x in runs[n])
        same = sum(x == y for x, y in zip(flat(runs[n][0]["out"]), flat(runs[ref][0]["out"])))
        rows.append(dict(path=n, wall_s=round(wall, 1), cpu_s=round(cpu, 1),
                         wall_ratio=round(statistics.median(x["wall"] for x in runs[ref]) / wall, 2),
                         cpu_ratio=round(statistics.median(x["cpu"] for x in runs[ref]) / cpu, 2),
                         identical_replies=f"{same}/{len(flat(runs[n][0]['out']))}"))
    print(f"\n| path | wall s | CPU s | speed-up (wall) | speed-up (CPU) | replies identical to {ref} |")
    print("|:--|--:|--:|--:|--:|--:|")
    for x in rows: print(f"| {x['path']} | {x['wall_s']} | {x['cpu_s']} | {x['wall_ratio']} | {x['cpu_ratio']} | {x['identical_replies']} |")
    if a.json: Path(a.json).write_text(json.dumps(dict(settings=vars(a), rows=rows), indent=1))
    return rows


if __name__ == "__main__": main()
