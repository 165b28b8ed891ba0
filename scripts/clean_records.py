"""Clean the committed run records in runs/ once, without re-running anything.

The records in runs/ were executed by the notebooks before the run schema (issue 13). Run from the repository root:

    python scripts/clean_records.py --root /work/main runs/*.ipynb

`--root` names the checkout the records were made in (its paths are made relative); the roots of this machine are
always included. For every record it applies `polychromic.runs.clean_record` (carriage-return-collapsed streams,
tqdm's IProgress warning and library warnings dropped, local paths relative, nbdev's skip_exec bullet removed) and
moves published results to the vendor MIME type with a one-line text summary (as `publish` writes them now). In an
evaluation record it also re-renders, from data already in the record or beside it:
- the four altair figures (HTML that loaded vega from a CDN) as the PNG files saved in the evaluation's out_dir;
- the comparison table from the published `comparison` (via `report.comparison_table`: no elided columns);
- the verdict table from the published `verdict`, with full detail and the one-line overall result under it.
Nothing is recomputed; the numbers are those the record already held.
"""
import argparse, base64, re, struct, sys
from pathlib import Path
import nbformat, pandas as pd
from polychromic.runs import clean_record, local_roots, RESULT_MIME, _summary
from polychromic.report import comparison_table, verdict_line

FIGURES = ["comparison", "forest", "paired_semantic", "passk"]   # the order the old evaluate.ipynb displayed them

def _published(nb) -> dict:
    out = {}
    for c in nb.cells:
        for o in c.get("outputs", []):
            name = o.get("metadata", {}).get("polychromic", {}).get("name")
            if name: out[name] = o["data"].get(RESULT_MIME, o["data"].get("application/json"))
    return out

def _table_output(df: pd.DataFrame, kind="execute_result", **kw):
    with pd.option_context("display.max_columns", None, "display.max_colwidth", None, "display.width", None):
        data = {"text/html": df.to_html(), "text/plain": df.to_string()}
    return nbformat.v4.new_output(kind, data=data, **kw)

def _png_output(path: Path):
    raw = path.read_bytes()
    w = struct.unpack(">I", raw[16:20])[0]                      # PNG IHDR width; shown at half size (scale-2 render)
    return nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(raw).decode(), "text/plain": f"<{path.name}>"},
                                  metadata={"image/png": {"width": w // 2}})

def rerender_evaluation(nb, repo: Path):
    pub = _published(nb)
    out_dir = repo / nb.metadata.get("papermill", {}).get("parameters", {}).get("out_dir", "")
    for c in nb.cells:
        if c.cell_type != "code": continue
        if "report.save_chart(ch" in c.source and all((out_dir / f"{f}.png").exists() for f in FIGURES):
            c.outputs = [_png_output(out_dir / f"{f}.png") for f in FIGURES]
        elif c.source.startswith("HIGHER = {") and "comparison" in pub:
            c.outputs = [_table_output(comparison_table(pd.DataFrame(pub["comparison"])), execution_count=c.execution_count)]
        elif "verdict = report.verdict(" in c.source and "verdict" in pub:
            v = pd.DataFrame(pub["verdict"])[["level", "criterion", "threshold", "observed", "status", "detail"]]
            c.outputs = [_table_output(v, "display_data"), nbformat.v4.new_output("stream", name="stdout", text=verdict_line(v) + "\n")]

SKIP_NOTE = re.compile(r" ?`nbdev-test` skips this notebook \(`skip_exec` above\); it is executed end to end through papermill\.")

def drop_skip_note(nb):
    "The old records' prose pointed at the skip_exec bullet that clean_record removes."
    for c in nb.cells:
        if c.cell_type == "markdown": c.source = SKIP_NOTE.sub("", c.source)

def hide_published(nb):
    for c in nb.cells:
        for o in c.get("outputs", []):
            name = o.get("metadata", {}).get("polychromic", {}).get("name")
            if name and "application/json" in o.get("data", {}):
                d = o["data"].pop("application/json")
                o["data"][RESULT_MIME], o["data"]["text/plain"] = d, _summary(name, d)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", nargs="+", type=Path)
    ap.add_argument("--root", action="append", default=[], help="a checkout the records were made in (made relative)")
    a = ap.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    for p in a.records:
        nb = nbformat.read(p, as_version=4)
        hide_published(nb); drop_skip_note(nb)
        if p.name.startswith("evaluate"): rerender_evaluation(nb, repo)
        nbformat.write(clean_record(nb, local_roots() + a.root), p)
        print(f"cleaned {p}")

if __name__ == "__main__": sys.exit(main())
