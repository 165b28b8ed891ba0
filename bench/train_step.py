"""Time one polychromic training step against plain SFT and against its own parts, through the trainer's real path.

    python bench/train_step.py                                   # embedded SmolLM2-135M, CPU, fp32, LoRA
    python bench/train_step.py --model qwen3-8b-random --dtype bf16 --lora --device cuda --tokenizer .tok \
        --max-new-tokens 48 --metric distinct --merge-lora --static-cache --chunk 16

`sft_step` and `poly_step` are steps of a real `Trainer.train()` (so gradient checkpointing, when asked for, is
switched on exactly as training switches it on; the optimizer step is included and is the same for both), timed by
a callback from `on_step_begin` to `on_step_end`, median over --repeats steps after one warm-up step. Every step sees
the same B prompts unless --vary: then every step draws other real tweets of the bundled sample (so prompt lengths
differ step to step) and part_generate cycles through batch sizes B, B-1, B/2 on fresh prompts -- what the static
cache's per-shape compile meets in training. The compile events, recompiles and recompile-limit hits of the whole
process are counted (bench/torch_monitor.py) and written under "compile"; peak memory is recorded as allocated
(peak_gib) and reserved (peak_reserved_gib, what an out-of-memory is decided on). --embedder DIR scores with that
sentence-transformers directory (the semantic metric with the embedder on the measured path). The parts run on the same trainer afterwards:
  part_generate      one batched generate of B·N replies (the trainer's own `sample`, fast path as configured)
  part_logp_fwd_bwd  forward+backward of the term over the B·N samples (`diversity_backward`, chunked as configured)
  part_score         embeddings/text metric + leave-one-out advantages of the B sets
  decode_ms_per_token part_generate / decoding steps, next to the bandwidth floor: weight bytes / memory bandwidth
  gen_batched / gen_per_prompt / gen_per_sample (--loops): one call, one call per prompt, one per reply
`qwen3-8b-random` is a randomly initialised model with Qwen3-8B's configuration (no download), initialised directly on
the device in the target dtype; right for timing, useless for text. Writes everything to --json.
"""
import argparse, json, os, resource, statistics, sys, tempfile, time, traceback, warnings, logging
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")
logging.getLogger("transformers").setLevel(logging.ERROR)

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))          # bench/torch_monitor.py

QWEN3_8B = dict(  # Qwen/Qwen3-8B config.json, written out by hand so nothing is downloaded
    vocab_size=151936, hidden_size=4096, intermediate_size=12288, num_hidden_layers=36, num_attention_heads=32,
    num_key_value_heads=8, head_dim=128, hidden_act="silu", max_position_embeddings=40960, rms_norm_eps=1e-6,
    rope_theta=1000000.0, rope_scaling=None, attention_bias=False, attention_dropout=0.0, tie_word_embeddings=False,
    use_cache=True, use_sliding_window=False, sliding_window=None, max_window_layers=36, initializer_range=0.02)
TINY = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            head_dim=32, max_window_layers=2)
BANDWIDTH = {"H100": 3.35e12, "H200": 4.8e12, "A100": 2.0e12}   # bytes/s of HBM, by GPU name


def load_tokenizer(args):
    from transformers import AutoTokenizer
    from polychromic.models import prepare_tokenizer, embedded_model_file, _convert_gguf
    src = args.tokenizer or _convert_gguf(embedded_model_file())
    return prepare_tokenizer(AutoTokenizer.from_pretrained(src))


def load(args):
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    if args.model in ("qwen3-8b-random", "tiny"):
        from transformers import AutoModelForCausalLM, Qwen3Config
        tok = load_tokenizer(args)
        shape = {**QWEN3_8B, **(TINY if args.model == "tiny" or args.shrink else {})}
        if args.model == "tiny": shape["vocab_size"] = len(tok)
        cfg = Qwen3Config(**shape, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                          pad_token_id=tok.pad_token_id)
        torch.manual_seed(0)
        with torch.device(args.device):   # initialise directly on the device, in the target dtype
            model = AutoModelForCausalLM.from_config(cfg, dtype=dtype)
        model.generation_config.pad_token_id = tok.pad_token_id
        model.generation_config.eos_token_id = tok.eos_token_id
        return model, tok
    from polychromic.models import load_model_and_tokenizer
    return load_model_and_tokenizer(None if args.model == "embedded" else args.model, dtype=dtype, device=args.device)


def sync(device):
    if device.startswith("cuda"): torch.cuda.synchronize()


CPU_SECONDS = {}   # median CPU time (process_time, all threads) of the last `timed` call


def timed(fn, device, repeats):
    fn(); sync(device)  # warm-up
    ts, cs = [], []
    for _ in range(repeats):
        sync(device); t, c = time.perf_counter(), time.process_time(); fn(); sync(device)
        ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
    CPU_SECONDS["last"] = statistics.median(cs)
    return statistics.median(ts)


def peak_reserved_gib(device):
    return torch.cuda.max_memory_reserved() / 2**30 if device.startswith("cuda") else None


def peak_gib(device):
    if device.startswith("cuda"): return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # process max RSS (KiB -> GiB), never resets


def reset_peak(device):
    if device.startswith("cuda"): torch.cuda.reset_peak_memory_stats()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="embedded", help="embedded | tiny | qwen3-8b-random | HF id/path")
    p.add_argument("--tokenizer", default=None, help="tokenizer directory (default: converted from the embedded GGUF)")
    p.add_argument("--dtype", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--lora", action="store_true", help="LoRA r=16 on q/k/v/o/gate/up/down (as the GPU configs)")
    p.add_argument("--demo", action="store_true",
                   help="the demo's step (profile 'experiment'): LoRA r=8 on q/k/v/o, B=2, N=4, 24 new tokens, max_length 256, "
                        "TRL's default gradient checkpointing on; times are also taken as CPU time (process_time)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own, the core count)")
    p.add_argument("--compare-checkpointing", action="store_true",
                   help="also time poly_step/sft_step with gradient checkpointing switched the other way, in the same run")
    p.add_argument("--batch", type=int, default=4, help="B, prompts per batch")
    p.add_argument("--n", type=int, default=4, help="N, replies per prompt")
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--gradient-checkpointing", action="store_true", help="as train() switches it on")
    p.add_argument("--chunk", type=int, default=None, help="diversity_micro_batch_size (rows per term fwd/bwd)")
    p.add_argument("--merge-lora", action="store_true", help="fast path: sample with LoRA merged")
    p.add_argument("--static-cache", action="store_true", help="fast path: static KV cache (compiled decode on CUDA)")
    p.add_argument("--loops", action="store_true", help="also time per-prompt and per-reply generation loops")
    p.add_argument("--bandwidth", type=float, default=None, help="memory bandwidth in bytes/s (default: by GPU name)")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--metric", default="semantic", choices=["semantic", "bleu", "distinct"])
    p.add_argument("--force-term", action="store_true",
                   help="if every advantage of a step is 0 (a random model's replies all score the same), time the term "
                        "with advantages ±1 instead: the trainer skips zero-advantage rows, which would hide its cost")
    p.add_argument("--vary", action="store_true", help="other real prompts every step and batch sizes B, B-1, B/2 in part_generate")
    p.add_argument("--embedder", default=None, help="sentence-transformers directory for --metric semantic (default: the embedded MiniLM)")
    p.add_argument("--shrink", action="store_true", help="qwen3-8b-random with toy sizes (to test the script on CPU)")
    args = p.parse_args(argv)
    if args.demo:
        args.lora, args.batch, args.n, args.max_new_tokens, args.max_length = True, 2, 4, 24, 256
        args.gradient_checkpointing = True   # PolychromicConfig inherits TRL's SFTConfig default (True)
    if args.threads: torch.set_num_threads(args.threads)

    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from polychromic.data import load_pairs, split_pairs, to_conversation, sample_data_path
    from polychromic.trainer import PolychromicConfig, PolychromicTrainer, prompts_and_references
    from polychromic.generate import generation_config, left_pad

    import torch_monitor   # bench/torch_monitor.py: counts compiles/recompiles from the bench side
    if args.device.startswith("cuda") or args.static_cache: torch_monitor.install_compile_counter()
    t0 = time.time()
    model, tok = load(args)
    print(f"model {args.model}: {model.num_parameters()/1e6:.0f}M params, {model.dtype}, {args.device}, "
          f"loaded in {time.time()-t0:.0f}s; torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    embedder = None
    if args.metric == "semantic":
        try:
            from polychromic.models import load_embedder
            embedder = load_embedder(args.embedder, device=args.device)
        except Exception as e:   # keep timing the rest: the text metric needs no embedder
            print(f"embedder unavailable ({type(e).__name__}: {e}); scoring with diversity_metric='distinct'", flush=True)
            args.metric = "distinct"
    B, N = args.batch, args.n
    notes = {}
    train = to_conversation(split_pairs(load_pairs(sample_data_path()), seed=0))["train"].shuffle(seed=0)
    n_rows = B * (args.repeats + 1) * (3 if args.vary else 0) or B   # --vary: 3 runs of train() x (repeats+1) steps
    if n_rows > len(train): raise SystemExit(f"--vary needs {n_rows} training tweets, the sample has {len(train)}")
    pool = train.select(range(n_rows)).to_list()
    ds = Dataset.from_list(pool[:B * (args.repeats + 1)] if args.vary else pool)   # else B rows: every step the same prompts
    if args.vary: notes["prompt_chars"] = [len(r["tweet"]) for r in pool[:B * (args.repeats + 1)]]
    on_cpu = not args.device.startswith("cuda")

    dev = torch.cuda.get_device_name() if not on_cpu else f"CPU ({os.cpu_count()} cores)"
    def setting():
        return (f"{args.model}, {args.dtype}, {('LoRA r=8 q/k/v/o' if args.demo else 'LoRA r=16') if args.lora else 'full'}, threads {torch.get_num_threads()}, {dev}; B={args.batch}, N={args.n}, "
                f"max_new_tokens={args.max_new_tokens}, metric={args.metric}, checkpointing={args.gradient_checkpointing}, "
                f"chunk={args.chunk}, merge_lora={args.merge_lora}, static_cache={args.static_cache}, median of {args.repeats}")

    steps, cpu_steps = {}, {}
    class StepTimer(TrainerCallback):
        def on_step_begin(self, a, state, control, **kw): sync(args.device); self.t, self.c = time.perf_counter(), time.process_time()
        def on_step_end(self, a, state, control, **kw):
            sync(args.device); steps.setdefault(self.name, []).append(time.perf_counter() - self.t)
            cpu_steps.setdefault(self.name, []).append(time.process_time() - self.c)
    timer = StepTimer()

    cfg = PolychromicConfig(
        output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=on_cpu, per_device_train_batch_size=B,
        max_length=args.max_length, lam=1.0, num_generations=N, diversity_metric=args.metric,
        max_completion_length=args.max_new_tokens, num_train_epochs=args.repeats + 1, logging_steps=10**6,
        gradient_checkpointing=args.gradient_checkpointing, diversity_micro_batch_size=args.chunk,
        sampling_merge_lora=args.merge_lora, sampling_static_cache=args.static_cache,
        bf16=args.dtype == "bf16" and not on_cpu, fp16=args.dtype == "fp16" and not on_cpu, disable_tqdm=True,
        save_strategy="no", seed=0, learning_rate=1e-6)
    peft = (LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM", target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
            if args.demo else
            LoraConfig(r=16, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
                      ) if args.lora else None)
    class BenchTrainer(PolychromicTrainer):
        forced = 0
        def score(self, g, references):
            st = super().score(g, references)
            if args.force_term and not bool((st["advantages"] != 0).any()):
                st["advantages"] = torch.tensor([(-1.0) ** i for i in range(len(st["advantages"]))], dtype=torch.float64)
                self.forced += 1
            return st
    tr = BenchTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok, embedder=embedder,
                            peft_config=peft, callbacks=[timer])
    pm = tr.model
    res, mem, rmem = {}, {}, {}
    def dump(derived=None, weight_bytes=None):   # after every measurement: a run killed by its timeout keeps what it had
        if not args.json: return
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"setting": setting(), "args": vars(args), "device": dev, "seconds": res,
                                               "peak_gib": mem, "peak_reserved_gib": rmem, "derived": derived or {},
                                               "weight_bytes": weight_bytes, "compile": torch_monitor.snapshot(),
                                               "notes": notes}, indent=1, default=str))

    def record(name, fn):
        "Run `fn` (returns seconds), keep its time and peak memory under `name`; a failure is noted, not fatal."
        reset_peak(args.device)
        try:
            res[name] = fn()
            mem[name] = peak_gib(args.device); rmem[name] = peak_reserved_gib(args.device)
            print(f"  {name:18s} {res[name]:8.3f} s   peak {mem[name]:.1f} GiB", flush=True)
        except Exception as e:
            traceback.print_exc(); notes[name] = f"failed: {type(e).__name__}: {e}"[:300]
            print(f"  {name:18s} FAILED ({notes[name]})", flush=True)
            if args.device.startswith("cuda"): torch.cuda.empty_cache()
        dump()

    def train_step_seconds(name, lam, checkpointing=None):
        timer.name, tr.args.lam = name, lam
        if checkpointing is not None:   # Trainer.train() switches it on from the args; off needs the model told too
            tr.args.gradient_checkpointing = checkpointing
            if not checkpointing: tr.accelerator.unwrap_model(tr.model).gradient_checkpointing_disable()
        if args.vary:   # fresh prompts for this train() run
            k = {"sft_step": 1, "poly_step": 2}.get(name, 0) * B * (args.repeats + 1)
            tr.train_dataset = Dataset.from_list(pool[k:k + B * (args.repeats + 1)] or pool[:B * (args.repeats + 1)])
        tr.train()
        notes[f"{name}_cpu_s"] = round(statistics.median(cpu_steps[name][1:] or cpu_steps[name]), 3)
        return statistics.median(steps[name][1:] or steps[name])
    gc0 = args.gradient_checkpointing
    record("sft_step", lambda: train_step_seconds("sft_step", 0.0, gc0))
    record("poly_step", lambda: train_step_seconds("poly_step", 1.0, gc0))
    if args.compare_checkpointing:
        other = "nockpt" if gc0 else "ckpt"
        record(f"poly_step_{other}", lambda: train_step_seconds(f"poly_step_{other}", 1.0, not gc0))
        record(f"sft_step_{other}", lambda: train_step_seconds(f"sft_step_{other}", 0.0, not gc0))
        tr.args.gradient_checkpointing = gc0
        if gc0: tr.accelerator.unwrap_model(tr.model).gradient_checkpointing_enable()
    if "sampling_check" in tr.__dict__: notes["sampling_check"] = tr.sampling_check

    def measure(name, fn):
        record(name, lambda: timed(fn, args.device, args.repeats))
        if "last" in CPU_SECONDS: notes[f"{name}_cpu_s"] = round(CPU_SECONDS.pop("last"), 3)

    batch = tr._prepare_inputs(next(iter(tr.get_train_dataloader())))
    pr = [r for r in prompts_and_references(batch["input_ids"], batch["labels"], batch["attention_mask"]) if r]
    prompts = [q for q, _ in pr]
    refs = [t.strip() for t in tok.batch_decode([r for _, r in pr], skip_special_tokens=True)]
    pm.train()
    state = {}
    if args.vary:   # batch sizes B, B-1, B/2 on other prompts of other lengths, each timed once after the warm-up at B
        sizes = [B, max(B - 1, 1), max(B // 2, 1)]
        extra = tr.processing_class
        def gen_varied():
            for j, b in enumerate(sizes):
                rows_j = pool[(j * B) % len(pool):(j * B) % len(pool) + b]
                enc = [extra.apply_chat_template(r["prompt"], tokenize=True, add_generation_prompt=True, return_dict=False)
                       for r in rows_j]
                enc = [torch.tensor(e if isinstance(e, list) else e["input_ids"]) for e in enc]
                state.update(gv=tr.sample(pm, [e.to(args.device) for e in enc], seed=j))
        measure("part_generate_varied", gen_varied)
        notes["varied_batch_sizes"] = sizes
    measure("part_generate", lambda: state.update(g=tr.sample(pm, prompts, seed=0)))
    if "g" in state:
        g = state["g"]
        notes["reply_tokens_mean"] = round(float(g.lengths.float().mean()), 1)
        notes["decode_steps"] = int(g.completion_ids.shape[1])
        measure("part_score", lambda: state.update(st=tr.score(g, refs)))
        if "st" in state:
            def fb():
                pm.zero_grad(set_to_none=True)
                tr.diversity_backward(pm, g, state["st"]["advantages"])
            measure("part_logp_fwd_bwd", fb)

    if args.loops:   # all replies forced to the same length so each variant does the same work
        base = tr.accelerator.unwrap_model(pm)
        gc = generation_config(base, tok, 1.0, 1.0, args.max_new_tokens)
        gc.min_new_tokens = args.max_new_tokens
        def gen_call(plist, k):
            ids, mask = left_pad([q for q in plist for _ in range(k)], tok.pad_token_id, args.device)
            with torch.no_grad(): base.generate(input_ids=ids, attention_mask=mask, generation_config=gc)
        base.eval()
        measure("gen_batched", lambda: gen_call(prompts, N))
        measure("gen_per_prompt", lambda: [gen_call([q], N) for q in prompts])
        measure("gen_per_sample", lambda: [gen_call([q], 1) for q in prompts for _ in range(N)])
        base.train()

    weight_bytes = sum(p.numel() * p.element_size() for p in tr.accelerator.unwrap_model(pm).parameters())
    bw = args.bandwidth or next((v for k, v in BANDWIDTH.items() if k in dev), None)
    derived = {}
    if res.get("part_generate") and notes.get("decode_steps"):
        derived["decode_ms_per_step"] = 1000 * res["part_generate"] / notes["decode_steps"]
    if bw: derived["bandwidth_floor_ms_per_step"] = 1000 * weight_bytes / bw
    if derived.get("decode_ms_per_step") and derived.get("bandwidth_floor_ms_per_step"):
        derived["decode / floor"] = derived["decode_ms_per_step"] / derived["bandwidth_floor_ms_per_step"]
    parts = [res.get(k) for k in ("part_generate", "part_logp_fwd_bwd", "part_score")]
    if res.get("poly_step") and res.get("sft_step"):
        derived["poly / sft"] = res["poly_step"] / res["sft_step"]
        if all(parts): derived["poly / (sft + parts)"] = res["poly_step"] / (res["sft_step"] + sum(parts))
    if res.get("gen_batched") and res.get("gen_per_prompt"):
        derived["per-prompt loop / batched generate"] = res["gen_per_prompt"] / res["gen_batched"]
    if res.get("gen_batched") and res.get("gen_per_sample"):
        derived["per-sample loop / batched generate"] = res["gen_per_sample"] / res["gen_batched"]

    print(f"\n## {setting()}\n")
    print("| measurement | seconds | CPU seconds | peak memory (GiB) |\n|---|---:|---:|---:|")
    for k in ("sft_step", "poly_step", "poly_step_nockpt", "sft_step_nockpt", "poly_step_ckpt", "sft_step_ckpt", "part_generate", "part_logp_fwd_bwd", "part_score", "gen_batched",
              "gen_per_prompt", "gen_per_sample"):
        if k in res: print(f"| {k} | {res[k]:.3f} | {notes.get(k + '_cpu_s', '')} | {mem.get(k, float('nan')):.1f} |")
        elif k in notes: print(f"| {k} | {notes[k]} | |")
    print("\n| derived | value |\n|---|---:|")
    for k, v in derived.items(): print(f"| {k} | {v:.2f} |")
    print(f"\nweights: {weight_bytes/2**30:.2f} GiB; notes: {json.dumps(notes, default=str)}")
    print(f"compile: {json.dumps({k: v for k, v in torch_monitor.snapshot().items() if k != 'step_seconds'}, default=str)}")
    if args.force_term: notes["scores_with_forced_advantages"] = tr.forced
    dump(derived, weight_bytes)
    return 0 if res.get("poly_step") else 1


if __name__ == "__main__":
    sys.exit(main())
