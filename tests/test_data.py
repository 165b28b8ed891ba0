"""The package as a user installs it: a wheel built without packaging warnings that ships the bundled sample, and
`sample_data_path()` finding the sample inside the installed wheel (not in this checkout)."""
import os, re, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ("polychromic/sample_data/sample_pairs.jsonl", "polychromic/sample_data/README.md")


def test_wheel_builds_without_packaging_warning(built_wheel):
    _, log = built_wheel
    assert "absent from" not in log, re.findall(r".*absent from.*", log)
    # setuptools' packaging complaints are *Warning classes (BuildBackendWarning, SetuptoolsDeprecationWarning, ...)
    assert not re.findall(r"\w+Warning\b", log), re.findall(r".*\w+Warning\b.*", log)[:5]


def test_wheel_ships_the_sample_and_its_provenance(built_wheel):
    names = zipfile.ZipFile(built_wheel[0]).namelist()
    assert all(f in names for f in SAMPLE), [n for n in names if "sample" in n]
    assert not [n for n in names if n.startswith("polychromic/data/")]   # the old folder, beside data.py, is gone


def test_sample_data_path_from_installed_wheel(built_wheel, tmp_path):
    site = tmp_path/"site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(site),
                    str(built_wheel[0])], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}   # only the installed copy: not this checkout
    code = ("from polychromic.data import sample_data_path, load_pairs; p = sample_data_path(); "
            "print(p); print(load_pairs(p).num_rows)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    path, rows = r.stdout.split()[-2:]
    assert Path(path).is_relative_to(site) and Path(path).is_file(), path
    assert int(rows) == 945   # every line of the sample (polychromic/sample_data/README.md: 945 pairs)
