"""End to end through papermill: `polychromic experiment` (the main job's code path) on a tiny random model.

Trains a baseline and a polychromic model with nbs/train.ipynb, evaluates them with nbs/evaluate.ipynb, and asserts on
the metrics read back from the executed notebooks (the run records), not on anything in this process.
"""
import json, os, subprocess, sys
from pathlib import Path
import pytest
from polychromic.config import profile

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "polychromic"

@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    from polychromic.testing import tiny_model
    tmp = tmp_path_factory.mktemp("pipeline")
    model, tok = tiny_model(seed=0)
    model.save_pretrained(tmp/"tiny"); tok.save_pretrained(tmp/"tiny")
    runs = tmp/"runs"
    train = [f"model={tmp/'tiny'}", "max_steps=4", "max_train_samples=16", "max_eval_samples=4", "num_generations=2",
             "max_completion_length=8", "logging_steps=1", "n_sample_prompts=1", "n_sample_replies=2", "track_diversity_every=1"]
    ev = ["n_prompts=4", "k=3", "max_completion_length=8", "bertscore=false", "batch_size=8"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("ANTHROPIC_API_KEY", None)
    r = subprocess.run([str(BIN), "experiment", "--runs-dir", str(runs), "--seed", "7", "--lam", "2.0",
                        "--train", *train, "--eval", *ev], cwd=tmp, env=env, capture_output=True, text=True, timeout=1500)
    return runs, r

def test_experiment_completes(experiment):
    runs, r = experiment
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    names = sorted(p.name.split("-")[0] for p in runs.glob("*.ipynb"))
    assert names == ["evaluate_seed7", "train_baseline_seed7", "train_diversity_lam2_seed7"], names
    assert "Verdict:" in r.stdout and "Wall time per stage" in r.stdout

def test_training_records(experiment):
    from polychromic.records import training_record, SCHEMA_VERSION
    runs, _ = experiment
    (base,), (poly,) = [[training_record(p) for p in runs.glob(f"train_{n}_seed7-*.ipynb")] for n in ("baseline", "diversity_lam2")]
    for rec, lam in ((base, 0.0), (poly, 2.0)):
        assert rec.lam == lam and rec.steps == 4 and rec.seed == 7 and rec.version == SCHEMA_VERSION
        assert (runs.parent/rec.adapter_path/"adapter_config.json").exists()   # paths in records are relative to where it ran
        assert 0 < rec.eval_ce < 20
    # the diversity term was computed (and logged) only in the polychromic run
    assert poly.diversity_term is not None and base.diversity_term is None
    assert base.final_diversity is not None   # tracked at λ = 0 too, for comparable curves

def test_evaluation_record(experiment):
    from polychromic.runs import collect
    from polychromic.records import evaluation_record
    runs, _ = experiment
    (rec,) = [evaluation_record(p) for p in runs.glob("evaluate_seed7*.ipynb")]
    assert rec.status == "completed", rec.error
    ev = {"metrics": rec.metrics, "results": {"verdict": rec.verdict, "figures": rec.figures,
          "temperature_frontier": {k: f.to_dict() for k, f in rec.frontier.items()}, "calibrated_pass_at_k": rec.calibrated.to_dict()}}
    m = ev["metrics"]
    assert [x.split("-")[0] for x in m["models"]] == ["baseline_seed7", "diversity_lam2_seed7"] and m["n_prompts"] == 4 and m["k"] == 3
    assert m["split_seed"] == 42 and m["data"] is None   # read from the training records
    prim = m["primary"]
    assert set(prim) == {"semantic_diversity", "self_bleu", "distinct_2", "rougeL"}
    for row in prim.values():
        assert row["n"] == 4 and 0 <= row["p"] <= 1 and row["p"] <= row["p_corrected"] <= 1
    v = {row["criterion"]: row["status"] for row in ev["results"]["verdict"]}
    assert v["several seeds agree"] == "not evaluated" and v["judge win rate > 55%"] == "not evaluated"
    assert set(v.values()) <= {"pass", "fail", "not evaluated"}
    figs = ev["results"]["figures"]
    assert figs and all((runs.parent/f).stat().st_size > 1000 for f in figs)
    gens = [json.loads(l) for l in (runs.parent/m["out_dir"]/"generations.jsonl").read_text().splitlines()]
    grid = profile("experiment", "evaluate")["frontier_temperatures"]   # the main job's baseline grid
    extra = {s["temperature"] for s in rec.sampling["matched_temperatures"]} - set(grid)
    assert sorted(extra) == rec.sampling["sampled_at_matched"]       # the baseline sampled for real at each T* off the grid
    assert len(gens) == 4 * 3 * (len(grid) + 1 + len(extra))   # the baseline over the grid (+ T*), the model at its own 1.0
    assert {g["temperature"] for g in gens} == set(grid) | extra
    assert len({g["seed"] for g in gens}) == len(grid) + 1 + len(extra)             # one sampling seed per (model, temperature)
    rig = rec.rigor_frame()
    assert set(rig.test) >= {"matched on rougeL", "every temperature"} and rig.loc[rig.test != "every temperature", "sampled_p"].notna().all()
    assert json.loads((runs.parent/m["out_dir"]/"status.json").read_text())["status"] == "completed"
    (tf,) = ev["results"]["temperature_frontier"].values()   # read back from the record
    assert tf["temperatures"] == grid and "semantic_diversity_paraphrase" in tf["comparisons"]
    assert tf["method"] in ("interpolated", "nearest") and "more diverse at matched quality" in v
    cal = ev["results"]["calibrated_pass_at_k"]
    n_cal = profile("experiment", "evaluate")["calibration_prompts"] or 25                   # the main job's validation tweets
    assert cal["calibration"]["n_prompts"] == n_cal and any(c["matched"] for c in cal["curves"])
    df = collect(runs)
    assert set(df["status"]) == {"completed"} and len(df) == 3

def _outputs(nb):
    return [(c, o) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]

def test_records_render_anywhere(experiment):
    "Every figure of the evaluation record is a static image; no record names the machine or shows environment noise."
    import nbformat
    runs, r = experiment
    (path,) = runs.glob("evaluate_seed7-*.ipynb")
    nb = nbformat.read(path, as_version=4)
    figs = [o for c, o in _outputs(nb) if "figure(p)" in c.source]
    assert len(figs) == 5, [o.get("output_type") for o in figs]   # comparison, forest, paired, pass@k, frontier
    for o in figs: assert {"image/png", "image/svg+xml"} & set(o["data"]), o["data"].keys()
    assert not any("vega" in str(o.get("data", {}).get("text/html", "")) for _, o in _outputs(nb))   # no script-only charts
    for p in runs.glob("*.ipynb"):
        text = json.dumps([o for _, o in _outputs(nbformat.read(p, as_version=4))])
        assert str(runs.parent) not in text and str(Path.home()) + "/" not in text, p
        assert "TqdmWarning" not in text and "application/json" not in text, p      # published results: one text line each
    # the CLI showed training progress, and no kernel warning
    assert "step 4/4" in r.stderr and "ETA" in r.stderr and "diversity" in r.stderr, r.stderr[-2000:]
    assert "without encryption" not in r.stderr + r.stdout and "Passed unknown parameter" not in r.stderr
