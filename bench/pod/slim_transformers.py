"""Repack the transformers wheel in a folder with only the model folders the pod run imports (the full wheel, 13.5 MB,
does not fit the 64 MiB carry beside the checkout). Which folders: those of `transformers.models.*` in sys.modules after
this venv imports the package's modules and builds the run's models (Qwen3, MiniLM/BERT) and tokenizer.

    python bench/pod/slim_transformers.py bench/pod/carry/whl
"""
import importlib, sys, zipfile
from pathlib import Path

KEEP_ALWAYS = {"__init__.py", "auto", "qwen3", "qwen2", "bert", "llama", "gpt2", "mistral"}


def used_model_folders() -> set[str]:
    for m in ("polychromic.pipeline", "polychromic.report", "polychromic.frontier", "sentence_transformers", "bert_score"):
        importlib.import_module(m)
    import transformers
    from transformers import BertConfig, BertModel, Qwen3Config, AutoModelForCausalLM
    AutoModelForCausalLM.from_config(Qwen3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                                 num_attention_heads=2, num_key_value_heads=1, head_dim=16, vocab_size=128))
    BertModel(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64))
    return {m.split(".")[2] for m in sys.modules if m.startswith("transformers.models.") and m.count(".") >= 2} | KEEP_ALWAYS


def slim(folder):
    whl = next(Path(folder).glob("transformers-*.whl"))
    keep = used_model_folders()
    def kept(name):
        parts = name.split("/")
        return not (len(parts) > 3 and parts[:2] == ["transformers", "models"] and parts[2] not in keep)
    tmp = whl.with_suffix(".tmp")
    with zipfile.ZipFile(whl) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            if not kept(i.filename): continue
            data = zin.read(i.filename)
            if i.filename.endswith(".dist-info/RECORD"):
                data = "\n".join(l for l in data.decode().splitlines() if kept(l.split(",")[0])).encode() + b"\n"
            zout.writestr(i, data)
    before = whl.stat().st_size; tmp.replace(whl)
    print(f"{whl.name}: {before/1e6:.1f} -> {whl.stat().st_size/1e6:.1f} MB, model folders kept: {sorted(keep)}")


if __name__ == "__main__": slim(sys.argv[1])
