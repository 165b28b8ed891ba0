"""The installed console script (what a newcomer types), run as a subprocess, from a folder that is not the checkout."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent / "polychromic"
ROOT = Path(__file__).resolve().parents[1]

CACHE = Path(__file__).resolve().parent / ".cache"   # one help cache for this test module (git-ignored folder below)

def _env(**extra) -> dict:
    "The environment of a CLI subprocess: offline, no API key, this module's help cache."
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "XDG_CACHE_HOME": str(CACHE), **extra}
    env.pop("ANTHROPIC_API_KEY", None)
    return env

def _run(*args, cwd=None, timeout=600):
    "The installed console script in a subprocess (each start imports torch, TRL and transformers: seconds of CPU)."
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=_env(), timeout=timeout, cwd=cwd)

@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`cli(*args)` runs `polychromic.cli.main` in this process from `tmp_path` (one import for all cases; the
    console script itself is exercised by the subprocess tests): `(exit code, stdout, stderr)`; `--help` exits 0."""
    from polychromic.cli import main
    monkeypatch.chdir(tmp_path); monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(CACHE))
    def call(*args):
        capsys.readouterr()
        try: code = main(list(args))
        except SystemExit as e: code = e.code or 0
        out, err = capsys.readouterr()
        return code, out, err
    return call

@pytest.fixture
def no_weights(monkeypatch):
    "Any `from_pretrained` fails the test: the settings must be refused before a model loads."
    import transformers
    def _loaded(*a, **k): raise AssertionError("a model was loaded before the settings were validated")
    monkeypatch.setattr(transformers.PreTrainedModel, "from_pretrained", classmethod(_loaded))

def test_doctor_ok(tmp_path):
    r = _run("doctor", "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "embedded model" in r.stdout and "384-d embeddings" in r.stdout
    assert "ANTHROPIC_API_KEY" in r.stdout and "not set" in r.stdout
    assert f"experiment notebooks  {ROOT/'nbs'}" in r.stdout.replace("   ", "  ") or str(ROOT/"nbs") in r.stdout

def test_doctor_fails_when_runs_not_writable(tmp_path, cli):
    f = tmp_path / "a_file"; f.write_text("x")
    code, out, _ = cli("doctor", "--no-models", "--runs-dir", str(f / "runs"))
    assert code == 1 and "fix: runs/ writable" in out, out

def test_doctor_creates_nothing(tmp_path, cli):
    code, out, err = cli("doctor", "--no-models")
    assert "runs/ writable" in out and "(created by the first run)" in out, out + err
    assert list(tmp_path.iterdir()) == []

_LIGHT = ("import sys; from polychromic.cli import main\n"
          "try: main(sys.argv[1:])\nexcept SystemExit: pass\n"
          "print('HEAVY', sorted(m for m in ('torch', 'transformers', 'trl', 'datasets') if m in sys.modules))")

@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["evaluate", "--help"]])
def test_help_imports_no_heavy_library(tmp_path, args):
    "`--help` answers without torch/transformers/trl/datasets (once a command's help is cached), so in well under 2 s."
    env = {**os.environ, "XDG_CACHE_HOME": str(CACHE)}
    first = subprocess.run([sys.executable, "-c", _LIGHT, *args], capture_output=True, text=True, env=env, timeout=600)
    r = subprocess.run([sys.executable, "-c", _LIGHT, *args], capture_output=True, text=True, env=env, timeout=600)
    same = r.stdout.rsplit("HEAVY", 1)[0] == first.stdout.rsplit("HEAVY", 1)[0]
    assert "usage: polychromic" in r.stdout and same, r.stdout[-500:] + r.stderr[-2000:]
    assert "HEAVY []" in r.stdout, r.stdout[-300:]

def test_train_help_opens_with_the_projects_settings(tmp_path):
    r = _run("train", "--help", cwd=tmp_path)
    heads = [l for l in r.stdout.splitlines() if l and not l.startswith(" ") and l.endswith(":")]
    assert heads[1:6] == ["λ and objective:", "sampling (the N replies per prompt):", "data:", "model and LoRA:", "runs:"], heads
    assert r.stdout.index("\n  --lam ") < r.stdout.index("\n  --learning_rate ") < r.stdout.index("\n  --adam_beta1 ")
    assert len(r.stdout.splitlines()[0]) < 100          # the usage line, not 800 options

def test_help_imports_nothing_heavy_the_first_time(tmp_path):
    "The help of train/evaluate is shipped text: a fresh user (empty cache) gets it without torch, TRL or transformers."
    code = ("import sys; from polychromic.cli import main; main(['train', '--help']); main(['evaluate', '--help']); "
            "print(sorted(m for m in ('torch', 'trl', 'transformers') if m in sys.modules))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.rstrip().endswith("[]"), r.stdout[-300:] + r.stderr[-2000:]
    assert r.stdout.startswith("usage: polychromic train") and not list(tmp_path.iterdir())   # nothing rendered, nothing cached

def test_help_shows_every_option_with_help_and_default(cli):
    code, out, err = cli("train", "--help")
    assert code == 0, err
    for opt, default in (("--lam", "0.0"), ("--num_generations", "4"), ("--max_steps", "20"), ("--split_seed", "42"),
                         ("--max_completion_length", "48"), ("--config", "None")):
        i = out.index(f"\n  {opt} ")
        assert f"(default: {default})" in " ".join(out[i:i + 700].split()), opt
    for cmd in ("evaluate", "experiment", "sweep", "doctor"):
        code, out, err = cli(cmd, "--help")
        assert code == 0 and "--config" in out or cmd == "doctor", out + err
        assert "default:" in out

@pytest.mark.parametrize("args,msg", [
    (["train", "--lamda", "0.3"], "unknown key 'lamda'; did you mean 'lam'?"),
    (["train", "--max_step", "2"], "did you mean 'max_steps'?"),
    (["train", "--lam", "inf"], "lam: must be a finite number"),
    (["train", "--lam", "nan"], "lam: must be a finite number"),
    (["train", "--lam", "-1"], "lam: must be >= 0"),
    (["train", "--resume", "true"], "has no checkpoint to resume from"),
    (["experiment", "--train", "max_step=2"], "unknown key 'max_step'; did you mean 'max_steps'?"),
    (["sweep", "--lam", "-1", "nan", "--seed", "1"], "lam: must be >= 0"),
    (["sweep", "--lam", "nan", "--seed", "1"], "lam: must be a finite number"),
    (["evaluate", "--runs", "a", "--max_new_tokens", "8"], "did you mean 'max_completion_length'?"),
])
def test_bad_settings_fail_before_loading_anything(tmp_path, args, msg, cli, no_weights):
    "Exit 2 with the one-line message, nothing written, and no model weights loaded."
    extra = [] if args[0] == "evaluate" else ["--runs-dir" if args[0] in ("experiment", "sweep") else "--runs_dir", str(tmp_path/"runs")]
    code, _, err = cli(*args, *extra)
    assert code == 2 and msg in err and "Traceback" not in err, err
    assert not (tmp_path/"runs").exists() or not any((tmp_path/"runs").iterdir())

def test_bad_setting_at_the_console_script(tmp_path):
    "The same through the installed script, as a newcomer types it: exactly one line on stderr, exit 2, nothing written."
    r = _run("train", "--lamda", "0.3", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip() == "polychromic: error: command line: unknown key 'lamda'; did you mean 'lam'?", r.stderr
    assert not (tmp_path/"runs").exists()

def test_yaml_errors_name_file_and_line(tmp_path, cli):
    for text, msg in (("lam: 0.5\nlamda: 0.3\n", "x.yaml, line 2: unknown key 'lamda'; did you mean 'lam'?"),
                      ("lam: 0.5\nmax_steps: 2\nlam: 0.3\n", "x.yaml, line 3: duplicate key 'lam' (first at line 1)"),
                      ("lam: 0.5\nmax_steps: [2\nseed: 1\n", "x.yaml, line 3: invalid YAML")):
        (tmp_path/"x.yaml").write_text(text)
        code, _, err = cli("train", "--config", "x.yaml")
        assert code == 2 and msg in err and "Traceback" not in err, err

@pytest.mark.parametrize("args,msg", [
    (["--data", "/etc/passwd"], "/etc/passwd"),                                   # DataError: a traceback and a run folder left
    (["--learning_rate=-1e-4"], "learning_rate: must be > 0, got -0.0001"),   # was: a traceback after the model loaded
    (["--max_train_samples", "0"], "max_train_samples: must be >= 1"),           # was: trained on all rows
    (["--data", "missing.jsonl"], "missing.jsonl"),
    (["--runs_dir", "a_file/runs"], "a_file"),                                     # an OSError when the folder is claimed
])
def test_expected_errors_are_one_line_and_leave_nothing(tmp_path, args, msg, cli, no_weights):
    (tmp_path/"a_file").write_text("x")
    code, out, err = cli("train", "--runs_dir", "runs", *args)
    assert code == 2, out[-1000:] + err[-3000:]
    lines = [l for l in err.splitlines() if l.startswith("polychromic: error:")]
    assert len(lines) == 1 and msg in lines[0] and "Traceback" not in err, err[-3000:]
    assert not (tmp_path/"runs").exists()                                         # nothing blocks the same command

@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from polychromic.testing import tiny_model
    d = tmp_path_factory.mktemp("tiny")
    m, t = tiny_model(seed=0); m.save_pretrained(d); t.save_pretrained(d)
    return d

QUICK = ["--max_steps", "2", "--max_train_samples", "8", "--max_eval_samples", "2", "--num_generations", "2",
         "--max_completion_length", "4", "--logging_steps", "1", "--n_sample_prompts", "1", "--n_sample_replies", "1",
         "--per_device_train_batch_size", "2", "--lam", "1.0", "--track_diversity_every", "1"]

CHECKPOINTS = ["--save_strategy", "steps", "--save_steps", "1"]   # not part of the run's identity: same run name

@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_dir):
    "One CLI training (λ = 1, a checkpoint per step) from a folder that is not the checkout: (folder, args, result)."
    cwd = tmp_path_factory.mktemp("trained")
    args = ["train", "--model", str(tiny_dir), "--runs_dir", "out", *QUICK, *CHECKPOINTS]
    return cwd, args, _run(*args, cwd=cwd)

def test_train_from_any_directory_and_never_twice(trained, tiny_dir, cli, no_weights, monkeypatch):
    cwd, args, r = trained
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    (d,) = (cwd/"out").iterdir()
    rec = json.loads((d/"run.json").read_text())
    assert rec["steps"] == 2 and rec["lam"] == 1.0 and d.name == rec["run_name"] and rec["world_size"] == 1
    assert (d/"adapter"/"adapter_config.json").exists()
    monkeypatch.chdir(cwd)
    code, _, err = cli(*args)                          # refused before anything loads (in-process)
    assert code == 2 and "holds a completed run" in err, err
    other = _run(*args, "--lam", "0", cwd=cwd)   # another configuration (the SFT baseline): another directory
    assert other.returncode == 0, other.stderr[-3000:]
    assert len(list((cwd/"out").iterdir())) == 2
    runs = sorted(str(p) for p in (cwd/"out").iterdir())   # baseline_… first: the evaluation refuses a λ > 0 baseline
    ev = _run("evaluate", "--runs", *runs, "--n_prompts", "2", "--k", "2", "--bertscore", "false",
              "--max_completion_length", "4", "--out_dir", "ev", cwd=cwd)
    assert ev.returncode == 0, ev.stdout[-2000:] + ev.stderr[-3000:]
    m = json.loads((cwd/"ev"/"metrics.json").read_text())
    assert m["split_seed"] == 42 and m["n_prompts"] == 2 and m["judge"]["status"] == "off"
    assert "judge win rate > 55%" in ev.stdout

def test_resume_falls_back_to_the_newest_intact_checkpoint(trained, tmp_path, cli, no_weights):
    cwd, args, r = trained
    assert r.returncode == 0, r.stderr[-3000:]
    (src,) = [p for p in (cwd/"out").iterdir() if p.name.startswith("diversity_")]   # the λ = 1 run, copied: the
    d = tmp_path/"out"/src.name; shutil.copytree(src, d)                         # other test adds to that folder
    (d/"run.json").unlink()                                               # as if killed after the last checkpoint
    w = d/"checkpoint-2"/"adapter_model.safetensors"; w.write_bytes(w.read_bytes()[:100])
    code, _, err = cli(*args)                          # refused before anything loads (in-process)
    assert code == 2 and "unfinished run" in err and "Traceback" not in err, err[-2000:]
    r = _run(*args, "--resume", "true", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "skipped damaged" in r.stderr and "checkpoint-2" in r.stderr, r.stderr[-2000:]
    rec = json.loads((d/"run.json").read_text())
    assert rec["resumed_from"].endswith("checkpoint-1") and rec["steps"] == 2
