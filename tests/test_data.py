"""The package as a user installs it: a wheel built without packaging warnings that ships the bundled sample, and
`sample_data_path()` finding the sample inside the installed wheel (not in this checkout)."""
import os, re, shutil, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ("polychromic/sample_data/sample_pairs.jsonl", "polychromic/sample_data/README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    "Build the wheel from a copy of the sources (the checkout gets no build/ or egg-info); return (wheel, build log)."
    src = tmp_path_factory.mktemp("src")
    for f in ("pyproject.toml", "README.md", "LICENSE"): shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/"polychromic", src/"polychromic", ignore=shutil.ignore_patterns("__pycache__"))
    out = src/"dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-v",
                        "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return next(out.glob("polychromic-*.whl")), r.stdout + r.stderr


def test_wheel_builds_without_packaging_warning(wheel):
    _, log = wheel
    assert "absent from" not in log, re.findall(r".*absent from.*", log)
    # setuptools' packaging complaints are *Warning classes (BuildBackendWarning, SetuptoolsDeprecationWarning, ...)
    assert not re.findall(r"\w+Warning\b", log), re.findall(r".*\w+Warning\b.*", log)[:5]


def test_wheel_ships_the_sample_and_its_provenance(wheel):
    names = zipfile.ZipFile(wheel[0]).namelist()
    assert all(f in names for f in SAMPLE), [n for n in names if "sample" in n]
    assert not [n for n in names if n.startswith("polychromic/data/")]   # the old folder, beside data.py, is gone


def test_sample_data_path_from_installed_wheel(wheel, tmp_path):
    site = tmp_path/"site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(site),
                    str(wheel[0])], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}   # only the installed copy: not this checkout
    code = ("from polychromic.data import sample_data_path, load_pairs; p = sample_data_path(); "
            "print(p); print(load_pairs(p).num_rows)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    path, rows = r.stdout.split()[-2:]
    assert Path(path).is_relative_to(site) and Path(path).is_file(), path
    assert int(rows) == 945   # every line of the sample (polychromic/sample_data/README.md: 945 pairs)
