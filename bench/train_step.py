"""Time one polychromic training step against plain SFT and against its own parts; batched vs per-prompt generation.

    python bench/train_step.py                                   # embedded SmolLM2-135M, CPU, fp32, LoRA
    python bench/train_step.py --model qwen3-8b-random --dtype bf16 --lora --device cuda

Prints one table (median of --repeats timed runs after one warm-up):
  sft_step          forward+backward of the SFT loss on a batch of B rows (PolychromicTrainer at λ=0 == SFTTrainer)
  poly_step         forward+backward of CE + λ·term (includes sampling B·N replies, scoring, log π fwd+bwd)
  part_generate     one batched generate of B·N replies (the trainer's own `sample`)
  part_logp_fwd_bwd one forward+backward of −mean(A·log π) over the B·N samples
  part_score        embedding + leave-one-out advantages of the B sets
  ratio             poly_step / (sft_step + parts)   [goal <= 1.2]
  gen_batched / gen_per_prompt / gen_per_sample: B prompts × N replies in one call, one call per prompt, one per reply
The optimizer step is the same for both objectives and is not timed. `qwen3-8b-random` is a randomly initialised
model with Qwen3-8B's configuration (no download) and the embedded tokenizer: right for timing, useless for text.
"""
import argparse, json, os, statistics, sys, tempfile, time, traceback, warnings, logging
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")
logging.getLogger("transformers").setLevel(logging.ERROR)

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing

QWEN3_8B = dict(  # Qwen/Qwen3-8B config.json, written out by hand so nothing is downloaded
    architectures=["Qwen3ForCausalLM"], model_type="qwen3", vocab_size=151936, hidden_size=4096,
    intermediate_size=12288, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
    hidden_act="silu", max_position_embeddings=40960, rms_norm_eps=1e-6, rope_theta=1000000.0,
    rope_scaling=None, attention_bias=False, attention_dropout=0.0, tie_word_embeddings=False, use_cache=True,
    use_sliding_window=False, sliding_window=None, max_window_layers=36, initializer_range=0.02,
    bos_token_id=151643, eos_token_id=151645)


def load(args):
    from polychromic.models import load_model_and_tokenizer, tiny_model, prepare_tokenizer, embedded_model_file, _convert_gguf
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    if args.model == "qwen3-8b-random":
        from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen3Config
        tok = prepare_tokenizer(AutoTokenizer.from_pretrained(_convert_gguf(embedded_model_file())))
        shape = {k: v for k, v in QWEN3_8B.items() if k not in ("architectures", "model_type")}
        if args.shrink:  # smoke-test the code path on a small machine: same architecture, toy sizes
            shape.update(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, head_dim=32, max_window_layers=2)
        cfg = Qwen3Config(**shape)
        cfg.bos_token_id, cfg.eos_token_id, cfg.pad_token_id = tok.bos_token_id, tok.eos_token_id, tok.pad_token_id
        torch.manual_seed(0)
        with torch.device(args.device):   # initialise directly on the device, in the target dtype
            model = AutoModelForCausalLM.from_config(cfg, dtype=dtype)
        model.generation_config.pad_token_id = tok.pad_token_id
        model.generation_config.eos_token_id = tok.eos_token_id
        return model, tok
    if args.model == "tiny":
        model, tok = tiny_model(seed=0)
        return model.to(args.device, dtype), tok
    model, tok = load_model_and_tokenizer(None if args.model == "embedded" else args.model, dtype=dtype, device=args.device)
    return model, tok


def timed(fn, device, repeats):
    def sync():
        if device.startswith("cuda"): torch.cuda.synchronize()
    fn(); sync()  # warm-up
    ts = []
    for _ in range(repeats):
        sync(); t = time.perf_counter(); fn(); sync(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="embedded", help="embedded | tiny | qwen3-8b-random | HF id/path")
    p.add_argument("--dtype", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--lora", action="store_true", help="LoRA r=16 on q/k/v/o/gate/up/down (as the GPU configs)")
    p.add_argument("--batch", type=int, default=4, help="B, prompts per batch")
    p.add_argument("--n", type=int, default=4, help="N, replies per prompt")
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--metric", default="semantic", choices=["semantic", "bleu", "distinct"])
    p.add_argument("--shrink", action="store_true", help="qwen3-8b-random with toy sizes (to test the script on CPU)")
    args = p.parse_args(argv)

    from peft import LoraConfig
    from polychromic.data import load_pairs, split_pairs, to_conversation, sample_data_path
    from polychromic.trainer import PolychromicConfig, PolychromicTrainer, prompts_and_references
    from polychromic.generate import generate_ids, generation_config, left_pad
    from polychromic.models import load_embedder

    t0 = time.time()
    model, tok = load(args)
    print(f"model {args.model}: {model.num_parameters()/1e6:.0f}M params, {model.dtype}, {args.device}, "
          f"loaded in {time.time()-t0:.0f}s; torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    try: embedder = load_embedder(device=args.device)
    except Exception as e:   # keep timing the rest: the text metric needs no embedder
        print(f"embedder unavailable ({type(e).__name__}: {e}); scoring with diversity_metric='distinct'", flush=True)
        embedder, args.metric = None, "distinct"
    ds = to_conversation(split_pairs(load_pairs(sample_data_path()), seed=0))["train"]
    B, N = args.batch, args.n
    ds = ds.select(range(8 * B))
    on_cpu = not args.device.startswith("cuda")

    def make_trainer(lam):
        cfg = PolychromicConfig(
            output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=on_cpu, per_device_train_batch_size=B,
            max_length=args.max_length, lam=lam, n_generations=N, diversity_metric=args.metric, max_new_tokens=args.max_new_tokens,
            gradient_checkpointing=args.gradient_checkpointing, bf16=args.dtype == "bf16" and not on_cpu,
            fp16=args.dtype == "fp16" and not on_cpu, disable_tqdm=True, save_strategy="no", seed=0)
        peft = LoraConfig(r=16, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                          target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
                          ) if args.lora else None
        return PolychromicTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok, embedder=embedder,
                                  peft_config=peft)

    res, notes = {}, {}
    def measure(name, fn):
        try:
            res[name] = timed(fn, args.device, args.repeats)
            print(f"  {name:18s} {res[name]:8.3f} s", flush=True)
        except Exception as e:
            traceback.print_exc(); notes[name] = f"failed: {type(e).__name__}: {e}"[:300]
            print(f"  {name:18s} FAILED ({notes[name]})", flush=True)

    # one trainer (λ>0); the SFT step is the same trainer at λ=0 on the same model and batch
    tr = make_trainer(lam=1.0)
    pm = tr.model
    pm.train()
    tr.current_gradient_accumulation_steps = 1   # set by the training loop, which we bypass
    batch = tr._prepare_inputs(next(iter(tr.get_train_dataloader())))
    rows = [r for r in prompts_and_references(batch["input_ids"], batch["labels"], batch["attention_mask"]) if r]
    prompts = [pr for pr, _ in rows]
    refs = [t.strip() for t in tok.batch_decode([r for _, r in rows], skip_special_tokens=True)]

    def step(lam):
        tr.args.lam = lam
        tr._micro = (-1, 0)   # same sampling seed at every repetition, and the same as `part_generate`
        pm.zero_grad(set_to_none=True)
        tr.training_step(pm, dict(batch))
    measure("sft_step", lambda: step(0.0))
    measure("poly_step", lambda: step(1.0))

    state = {}
    tr._micro = (-1, 0)
    seed = tr._sampling_seed()   # the seed the poly step samples with: the same replies, the same lengths
    def gen():
        state["g"] = tr.sample(pm, prompts, seed=seed)
    measure("part_generate", gen)
    if "g" in state:
        g = state["g"]
        notes["reply_tokens_mean"] = round(float(g.lengths.float().mean()), 1)
        measure("part_score", lambda: state.update(st=tr.score(g, refs)))
        def fb():
            pm.zero_grad(set_to_none=True)
            with tr.compute_loss_context_manager():
                term = tr.diversity_term(pm, g, state["st"]["advantages"])
            tr.accelerator.backward(term)
        if "st" in state: measure("part_logp_fwd_bwd", fb)

    # batched vs per-prompt generation, all replies forced to the same length so each variant does the same work
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

    parts = [res.get(k) for k in ("part_generate", "part_logp_fwd_bwd", "part_score")]
    rows_out = [(k, res.get(k)) for k in ("sft_step", "poly_step", "part_generate", "part_logp_fwd_bwd", "part_score",
                                          "gen_batched", "gen_per_prompt", "gen_per_sample")]
    ratios = {}
    if res.get("poly_step") and res.get("sft_step") and all(parts):
        ratios["poly / (sft + generate + logp_fwd_bwd + score)"] = res["poly_step"] / (res["sft_step"] + sum(parts))
        ratios["poly / (sft + generate + logp_fwd_bwd)"] = res["poly_step"] / (res["sft_step"] + sum(parts[:2]))
    if res.get("poly_step") and res.get("sft_step"): ratios["poly / sft"] = res["poly_step"] / res["sft_step"]
    if res.get("gen_batched") and res.get("gen_per_prompt"):
        ratios["per-prompt loop / batched generate"] = res["gen_per_prompt"] / res["gen_batched"]
    if res.get("gen_batched") and res.get("gen_per_sample"):
        ratios["per-sample loop / batched generate"] = res["gen_per_sample"] / res["gen_batched"]

    dev = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU ({os.cpu_count()} cores)"
    print(f"\n## {args.model}, {args.dtype}, {'LoRA r=16' if args.lora else 'full'}, {dev}; B={B}, N={N}, "
          f"max_new_tokens={args.max_new_tokens}, median of {args.repeats}\n")
    print("| measurement | seconds |\n|---|---:|")
    for k, v in rows_out: print(f"| {k} | {v:.3f} |" if v is not None else f"| {k} | {notes.get(k, 'n/a')} |")
    print("\n| ratio | value | goal |\n|---|---:|---|")
    goals = {"poly / (sft + generate + logp_fwd_bwd + score)": "<= 1.2", "per-prompt loop / batched generate": ">= 2"}
    for k, v in ratios.items(): print(f"| {k} | {v:.2f} | {goals.get(k, '')} |")
    if notes: print("\nnotes:", json.dumps(notes))
    if args.device.startswith("cuda"): print(f"peak GPU memory: {torch.cuda.max_memory_allocated()/2**30:.1f} GiB")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"args": vars(args), "device": dev, "seconds": res, "ratios": ratios,
                                               "notes": notes}, indent=1))
    return 0 if res.get("poly_step") else 1


if __name__ == "__main__":
    sys.exit(main())
