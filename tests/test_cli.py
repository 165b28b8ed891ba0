"""The installed console script (what a newcomer types), run as a subprocess."""
import os, subprocess, sys
from pathlib import Path

BIN = Path(sys.executable).parent / "polychromic"

def _run(*args):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("ANTHROPIC_API_KEY", None)
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=600)

def test_doctor_ok(tmp_path):
    r = _run("doctor", "--runs-dir", str(tmp_path / "runs"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "embedded model" in r.stdout and "384-d embeddings" in r.stdout
    assert "ANTHROPIC_API_KEY" in r.stdout and "not set" in r.stdout

def test_doctor_fails_when_runs_not_writable(tmp_path):
    f = tmp_path / "a_file"; f.write_text("x")
    r = _run("doctor", "--no-models", "--runs-dir", str(f / "runs"))
    assert r.returncode == 1
    assert "fix: runs/ writable" in r.stdout
