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

def _js_number(s:str):
    "A JSON number as JavaScript reads and writes it back: integral values below 1e21 print without a fraction."
    x = float(s)
    return int(x) if x.is_integer() and abs(x) < 1e21 else x

@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_record_written_as_jupyterlab_saves_it(path, tmp_path):
    "A record written by `write_record` is unchanged when JupyterLab saves it: the browser's JSON through jupyter_server."
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from jupyter_client.kernelspec import KernelSpecManager
    from polychromic.runs import write_record
    ours = write_record(nbformat.read(path, as_version=4), tmp_path/"ours.ipynb").read_bytes()
    # what JupyterLab sends on autosave: the file parsed by the browser (JavaScript has one number type: 1.0 is 1),
    # with the kernelspec of the kernel it starts
    content = json.loads(ours, parse_float=_js_number)
    ks = KernelSpecManager().get_kernel_spec("python3")
    content["metadata"]["kernelspec"] = {"display_name": ks.display_name, "language": ks.language, "name": "python3"}
    cm = FileContentsManager(root_dir=str(tmp_path))
    cm.save({"type": "notebook", "format": "json", "content": content}, "saved.ipynb")
    assert (tmp_path/"saved.ipynb").read_bytes() == ours
    assert path.read_bytes() == ours, f"{path} is not in the form JupyterLab saves: rewrite it with runs.write_record"

def test_browser_json_is_javascripts():
    "JavaScript's JSON turns 1.0 into 1 and keeps 0.5: the check above depends on it."
    from polychromic.runs import _browser_json
    assert json.dumps(_browser_json({"a": [1.0, 0.5, 2, "1.0"]})) == '{"a": [1, 0.5, 2, "1.0"]}'

REDRAWN = [p for p in RECORDS if (p.with_suffix("")/"evaluation.json").exists()]   # redrawn by runs.rerender

@pytest.mark.parametrize("path", REDRAWN, ids=lambda p: p.name)
def test_redrawn_record_publishes_its_evaluation(path):
    "A record redrawn by `runs.rerender` publishes exactly the results and parameters of the evaluation.json it was drawn from."
    from polychromic.records import read_run
    r, d = read_run(path), json.loads((path.with_suffix("")/"evaluation.json").read_text())
    assert r["status"] == "completed", r["error"]
    assert r["parameters"]["rerender"] == path.relative_to(ROOT).with_suffix("").as_posix()
    assert json.dumps(r["results"], sort_keys=True) == json.dumps(d["results"], sort_keys=True)
    assert {k: v for k, v in r["parameters"].items() if k != "rerender"} == d["parameters"]

def test_rerender_keeps_every_number(tmp_path):
    """The smallest committed record (2 models, 25 tweets, 10 replies) redrawn in-process from what it published: its
    replies untouched, every published verdict criterion with the same status and observed value, pass@k as published."""
    import shutil, numpy as np
    from polychromic.records import read_run
    from polychromic.runs import published_evaluation, rerendered_evaluation
    rec = ROOT/"runs/evaluate_seed42.ipynb"
    folder = tmp_path/"evaluate_seed42"; folder.mkdir()
    shutil.copy(rec.with_suffix("")/"generations.jsonl", folder)
    published = read_run(rec)["results"]
    ev = rerendered_evaluation(published_evaluation(rec, folder).parent)
    assert (folder/"generations.jsonl").read_bytes() == (rec.with_suffix("")/"generations.jsonl").read_bytes()
    assert json.dumps(ev["published"], sort_keys=True) == json.dumps(published, sort_keys=True)
    v = ev["verdict"][ev["verdict"].model == ev["labels"][1]].set_index(["level", "criterion"])
    for row in published["verdict"]:                        # the published verdict is that of the first model
        got = v.loc[(row["level"], row["criterion"])]
        assert got.status == row["status"], row
        assert np.isclose(float(got.observed), np.nan if row["observed"] is None else row["observed"], equal_nan=True), row
    for lab, want in published["metrics"]["pass_at_k"].items():
        got = ev["passk"][lab].set_index("k").pass_at_k
        assert all(np.isclose(got[int(k)], x) for k, x in want.items()), lab
    assert {p.name for p in folder.iterdir()} >= {"comparison.png", "forest.png", "passk.png"}

TRAINING = [p for p in RECORDS if p.name.startswith("train_")]
def _redrawn(p) -> bool: return (p.parent/p.stem.removeprefix("train_")/"training.json").exists()   # written by runs.rerender

@pytest.mark.parametrize("path", [p for p in TRAINING if _redrawn(p)], ids=lambda p: p.name)
def test_redrawn_training_record_publishes_what_it_published(path):
    """A training record redrawn by `runs.rerender` publishes exactly the results and parameters of the training.json in
    its run folder (written from the record before it was redrawn)."""
    from polychromic.records import read_run, load_record
    r, rec = read_run(path), load_record(path)
    folder = Path(rec.output_dir)
    d = json.loads((folder/"training.json").read_text())
    assert r["status"] == "completed", r["error"]
    assert r["parameters"]["rerender"] == folder.relative_to(ROOT).as_posix()
    assert json.dumps(r["results"], sort_keys=True) == json.dumps(d["results"], sort_keys=True)
    assert {k: v for k, v in r["parameters"].items() if k != "rerender"} == d["parameters"]

@pytest.mark.parametrize("path", TRAINING, ids=lambda p: p.name)
def test_training_record_layout(path):
    "Every training record, redrawn or written by today's notebook: completed, nothing of the old layout left."
    from polychromic.records import read_run
    assert read_run(path)["status"] == "completed"
    nb = nbformat.read(path, as_version=4)
    text = _outputs_text(path)
    assert "Sample replies at step" not in text and "Training Loss" not in text and "script:  polychromic train" in text
    assert "One training run" in nb.cells[0].source and "papermill nbs/train.ipynb" not in nb.cells[1].source   # no generic command at the top
