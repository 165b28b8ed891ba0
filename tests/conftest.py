"""Fixtures shared across test modules (session-scoped: built once per `pytest` run)."""
import shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory):
    "Build the wheel once from a copy of the sources (the checkout gets no build/ or egg-info); return (wheel, build log)."
    src = tmp_path_factory.mktemp("src")
    for f in ("pyproject.toml", "README.md", "LICENSE"): shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/"polychromic", src/"polychromic", ignore=shutil.ignore_patterns("__pycache__"))
    out = src/"dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-v",
                        "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return next(out.glob("polychromic-*.whl")), r.stdout + r.stderr
