"""The committed records and the README read the same on any machine: no local absolute paths, no environment noise."""
import json, re
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
# an absolute path into a machine's directories (POSIX homes, temp and system dirs, this checkout) or a Windows drive
LOCAL = re.compile(r"(?<![\w.~])(/(?:home|root|tmp|work|Users|opt|usr|var|mnt|srv|private|data)/[\w.-]+|[A-Za-z]:\\\\[\w.-]+)")
RECORDS = sorted(ROOT.glob("runs/**/*.ipynb"))   # the research records in runs/research/ too

def _outputs_text(path) -> str:
    nb = nbformat.read(path, as_version=4)
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return json.dumps([{k: v for k, v in o.get("data", {}).items() if not k.startswith("image/png")} if "data" in o else o
                       for o in outs], ensure_ascii=False) + json.dumps(nb.metadata.get("papermill", {}))

def test_local_path_pattern():
    assert LOCAL.search('"/work/main/.venv/lib/tqdm/auto.py:21"') and LOCAL.search("C:\\\\Users\\\\me")
    assert not LOCAL.search("runs/evaluate_seed42/passk.png") and not LOCAL.search("~/.cache/polychromic")

@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_committed_record_is_portable(path):
    text = _outputs_text(path)
    assert not LOCAL.findall(text), LOCAL.findall(text)[:5]
    assert str(ROOT) not in text and "TqdmWarning" not in text and "without encryption" not in text
    assert "skip_exec" not in "".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")

def test_committed_evaluation_figures_are_static():
    for path in ROOT.glob("runs/**/evaluate_*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "data" in o]
        assert sum("image/png" in o["data"] or "image/svg+xml" in o["data"] for o in outs) >= 4, path
        assert not any("vega" in str(o["data"].get("text/html", "")) for o in outs), path

def test_readme_is_portable():
    text = (ROOT/"README.md").read_text()
    assert not LOCAL.findall(text), LOCAL.findall(text)[:5]
    assert "TqdmWarning" not in text and str(ROOT) not in text
