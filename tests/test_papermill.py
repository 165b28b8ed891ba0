"""The design card's command as a user types it: plain `papermill nbs/train.ipynb runs/x.ipynb -p lam 0.3`, in a shell
that set nothing up (no HF_HUB_OFFLINE, no PYTHONWARNINGS), at the tiny test settings.

The records it writes are clean (no machine path, no warning, no loading bar), say at their top where the run's folder
and adapter are, and escape a dataset full of HTML/JS payloads in their nbconvert HTML; a copied run folder evaluates
its own adapter from any working directory.
"""
import json, os, re, shutil, subprocess, sys
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL = Path(sys.executable).parent/"papermill"
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<svg onload=alert(3)>",
            "<iframe src=javascript:alert(4)>"]
TINY = ["-p", "max_steps", "2", "-p", "max_train_samples", "8", "-p", "max_eval_samples", "4", "-p", "num_generations", "2",
        "-p", "max_completion_length", "8", "-p", "logging_steps", "1", "-p", "n_sample_prompts", "2",
        "-p", "n_sample_replies", "2", "-p", "track_diversity_every", "1"]
LOCAL = re.compile(r"(?<![\w.~])/(?:home|root|tmp|work|Users|opt|usr|var|mnt|srv|private|data)/[\w.-]+")
BAR = re.compile(r"\d+%\|")

def clean_env() -> dict:
    "The environment of a fresh shell: none of the variables our Makefile or the test runner set."
    drop = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "PYTHONWARNINGS", "TOKENIZERS_PARALLELISM",
            "POLYCHROMIC_PROGRESS", "TQDM_DISABLE")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "PYTHONPATH": str(ROOT)}

def papermill(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(PAPERMILL), *map(str, args)], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=900)

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "A working folder with a tiny model, a dataset of payloads, two trained runs and an evaluation, all by plain papermill."
    from polychromic.testing import tiny_model
    from polychromic.data import sample_data_path
    tmp = tmp_path_factory.mktemp("papermill")
    model, tok = tiny_model(seed=0)
    model.save_pretrained(tmp/"tiny"); tok.save_pretrained(tmp/"tiny")
    rows = [json.loads(l) for l in Path(sample_data_path()).read_text().splitlines() if l.strip()]
    with open(tmp/"hostile.jsonl", "w") as f:
        tweets = {t: i for i, t in enumerate(dict.fromkeys(r["tweet_id"] for r in rows))}
        for r in rows:
            p = PAYLOADS[tweets[r["tweet_id"]] % len(PAYLOADS)]   # one text per tweet id
            f.write(json.dumps({**r, "tweet": f"{p} {r['tweet']}", "reply": f"{r['reply']} {p}"}) + "\n")
    (tmp/"runs").mkdir()
    common = ["-p", "model", "tiny", "-p", "data", "hostile.jsonl", *TINY]
    out = {"tmp": tmp}
    out["base"] = papermill(ROOT/"nbs/train.ipynb", "runs/train_base.ipynb", "-p", "run_name", "base", *common, cwd=tmp)
    out["poly"] = papermill(ROOT/"nbs/train.ipynb", "runs/poly_seed42.ipynb", "-p", "lam", "0.3", *common, cwd=tmp)
    out["eval"] = papermill(ROOT/"nbs/evaluate.ipynb", "runs/evaluate.ipynb", "-y",
                            "runs: [runs/train_base.ipynb, runs/poly_seed42.ipynb]", "-p", "n_prompts", "4", "-p", "k", "3",
                            "-p", "max_completion_length", "8", "-p", "bertscore", "False", "-p", "second_ruler", "False",
                            "-y", "frontier_temperatures: []", "-p", "calibration_target", "0", "-p", "out_dir", "runs/evaluate",
                            cwd=tmp)
    return out

def _text(nb) -> str:
    "Every output of a record as text (images left out)."
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return json.dumps([{k: v for k, v in o.get("data", {}).items() if not k.startswith("image/")} if "data" in o else o
                       for o in outs], ensure_ascii=False)

def test_parameters_cells_declare_every_setting():
    from polychromic.config import schema_fields, TRAIN_SCHEMA, EVAL_SCHEMA
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node
    for nb, schema in (("train", TRAIN_SCHEMA), ("evaluate", EVAL_SCHEMA)):
        declared = {p.name for p in _infer_parameters(load_notebook_node(str(ROOT/f"nbs/{nb}.ipynb")))}
        assert declared == {"config", *schema_fields(schema), "rerender"}, (nb, set(schema_fields(schema)) ^ declared)

@pytest.mark.parametrize("which", ["base", "poly", "eval"])
def test_plain_papermill_completes_without_warnings(lab, which):
    r = lab[which]
    assert r.returncode == 0, r.stderr[-4000:]
    assert "Passed unknown parameter" not in r.stderr, r.stderr[-2000:]

@pytest.mark.parametrize("name", ["train_base", "poly_seed42", "evaluate"])
def test_record_is_clean(lab, name):
    nb = nbformat.read(lab["tmp"]/f"runs/{name}.ipynb", as_version=4)
    text = _text(nb)
    assert not LOCAL.findall(text), LOCAL.findall(text)[:5]
    for noise in ("Warning", "Loading weights", "Map:", "Tokenizing", "<progress", "Styler at 0x", "{'loss'", "[config:"):
        assert noise not in text, (noise, text[text.find(noise) - 200:text.find(noise) + 200])
    assert not BAR.findall(text), text[:2000]

def test_record_states_folder_and_adapter(lab):
    nb = nbformat.read(lab["tmp"]/"runs/poly_seed42.ipynb", as_version=4)
    top = "".join(o.get("text", "") for c in nb.cells[:8] if c.cell_type == "code" for o in c.get("outputs", []))
    m = re.search(r"folder:\s+(\S+)/\nadapter: (\S+)/", top)
    assert m, top
    assert "<caption>config</caption>" in _text(nb) and "  lam  " in _text(nb)   # the settings as a table, not "[config: …]"
    assert m.group(1).startswith("runs/diversity_lam0p3_seed42-") and (lab["tmp"]/m.group(2)/"adapter_config.json").exists()
    assert "objective 'diversity'" in top
    base = nbformat.read(lab["tmp"]/"runs/train_base.ipynb", as_version=4)   # run_name: the folder follows the record's name
    assert "folder:  runs/base/" in "".join(o.get("text", "") for c in base.cells[:8] if c.cell_type == "code" for o in c.get("outputs", []))

def test_rerendered_training_record_reads_back_the_same(lab):
    "A trained record redrawn by `runs.rerender` (no model, no training) publishes the same results and record; the top says what was run."
    from polychromic.records import read_run, load_record
    from polychromic.runs import rerender
    rec, cwd = Path("runs/train_base.ipynb"), os.getcwd()
    os.chdir(lab["tmp"])
    try:
        before = read_run(rec), load_record(rec).to_dict()
        rerender(rec)
        after = read_run(rec), load_record(rec).to_dict()
    finally: os.chdir(cwd)
    assert after[0]["status"] == "completed", after[0]["error"]
    from polychromic.records import flatten
    for a, b in ((after[0]["results"], before[0]["results"]), (after[1], before[1])):
        a, b = flatten(json.loads(json.dumps(a))), flatten(json.loads(json.dumps(b)))
        assert a == b, {k: (b.get(k), a.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}   # key: (before, after)
    assert after[0]["parameters"] == {**before[0]["parameters"], "rerender": "runs/base"}
    text = _text(nbformat.read(lab["tmp"]/rec, as_version=4))
    (script,) = re.findall(r"script:  (polychromic train [^\n\\]*)", text)   # the same run as a command, from the injected settings
    assert "--run_name base" in script and "--data hostile.jsonl" in script and "--max_steps 2" in script, script
    assert "Sample replies at step" not in text

def test_typo_is_the_only_unknown_parameter(lab):
    "A misspelt key: papermill names it alone, our one line comes before papermill's traceback, nothing after the settings ran."
    r = papermill(ROOT/"nbs/train.ipynb", "runs/typo.ipynb", "-p", "lamda", "0.3", "-p", "lam", "0.3", cwd=lab["tmp"])
    assert r.returncode != 0
    assert re.findall(r"Passed unknown parameter: (\w+)", r.stderr) == ["lamda"]
    first = r.stderr.index("polychromic: error: notebook parameters: unknown key 'lamda'; did you mean 'lam'?")
    assert first < r.stderr.index("Traceback"), r.stderr
    code = [c for c in json.loads((lab["tmp"]/"runs/typo.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    failed = next(i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert all(c.get("execution_count") is None for c in code[failed + 1:])   # no model load, no training

def test_html_has_no_live_markup(lab):
    from nbconvert import HTMLExporter
    for name in ("train_base", "poly_seed42", "evaluate"):
        html, _ = HTMLExporter().from_filename(str(lab["tmp"]/f"runs/{name}.ipynb"))
        for p in PAYLOADS: assert p not in html, (name, p)
        assert "&lt;" in html and any(p.split()[0][1:] in html for p in PAYLOADS), name   # the payloads are there, escaped
        assert not re.search(r"<(img|svg|iframe)[^>]*(onerror|onload|javascript:)", html, re.I), name

def test_copied_run_evaluates_its_own_adapter(lab, tmp_path, monkeypatch):
    from polychromic.records import load_record, RecordError
    from polychromic.pipeline import evaluate_runs
    src = lab["tmp"]/"runs/base"
    copy = tmp_path/"elsewhere/base"; shutil.copytree(src, copy)
    monkeypatch.chdir(tmp_path)                                  # another working directory
    rec = load_record(copy.relative_to(tmp_path))
    assert Path(rec.adapter_path).resolve() == (copy/"adapter").resolve() and json.loads((copy/"run.json").read_text())["adapter_path"] == "adapter"
    w = copy/"adapter/adapter_model.safetensors"; w.write_bytes(w.read_bytes()[:100])
    with pytest.raises(RecordError, match=re.escape(str(Path("elsewhere/base/adapter")))):
        evaluate_runs(dict(runs=[str(copy.relative_to(tmp_path)), str(lab["tmp"]/"runs/poly_seed42.ipynb")], n_prompts=2, k=2,
                           bertscore=False, frontier_temperatures=[], calibration_target=0, out_dir=str(tmp_path/"ev")))
