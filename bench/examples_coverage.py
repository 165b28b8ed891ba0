"""Which public names of each library notebook are followed by an example, and how much of a notebook is examples.

Usage: python bench/examples_coverage.py [nbs/15_pipeline.ipynb ...]   (no argument: every notebook with a default_exp)
       python bench/examples_coverage.py --gaps                          (only the names without an example)

A public name is one in the `__all__` of the notebook's module. Its definition is the exported cell that binds it at top
level (def, class, assignment). A non-exported code cell *calls* it when the name is called there (`f(...)`, also inside
a lambda or comprehension); a class or a constant counts when the name is used at all. Where that call is:
  next   in the non-exported cells right after the definition, before the next exported cell
  below  further down the notebook
  slow   only in cells that `nbdev-test` skips (`#| slow`, `#| notest`, `#| eval: false`)
  -      nowhere in the notebook
Examples/tests: non-exported code cells that do more than import (the `nbdev_export()` cell excluded), over all code
cells, as a percentage. No kernel is started: the notebooks and modules are parsed, not run."""
import ast, sys
from pathlib import Path
from fastcore.nbio import read_nb

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = ("slow", "notest")

def module_all(mod:str) -> list[str]:
    "The `__all__` of the generated module `polychromic/<mod>.py`."
    tree = ast.parse((ROOT/"polychromic"/f"{mod.replace('.', '/')}.py").read_text())
    for n in tree.body:
        if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in n.targets):
            return ast.literal_eval(n.value)
    return []

def _tree(src:str):
    lines = [l for l in src.splitlines() if not l.lstrip().startswith(("#|", "%", "!"))]
    try: return ast.parse("\n".join(lines))
    except SyntaxError: return None

def _bound(tree) -> set[str]:
    "Names a cell binds at top level."
    out = set()
    for n in tree.body if tree else []:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                out |= {x.id for x in ast.walk(t) if isinstance(x, ast.Name)}
    return out

def _uses(tree) -> tuple[set[str], set[str]]:
    "(names called, names referenced) anywhere in a cell."
    called, used = set(), set()
    for n in ast.walk(tree) if tree else []:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name): called.add(n.func.id)
        if isinstance(n, ast.Name): used.add(n.id)
    return called, used

def _is_example(c, tree) -> bool:
    if tree is None or not tree.body: return False
    if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): return False
    return "nbdev_export" not in c.source

def coverage(path) -> dict:
    "`{module, names: [(name, kind, where)], code, examples}` of the library notebook `path`."
    nb = read_nb(path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    mod = next((c.directives["default_exp"] for c in cells if "default_exp" in c.directives), None)
    if mod is None: return {}
    public, info = module_all(mod), []
    for c in cells:
        d, tree = c.directives, _tree(c.source)
        exported = "export" in d or "exports" in d
        skipped = any(k in d for k in SKIPPED) or str(d.get("eval", "")).strip().lower() == "false"
        info.append(dict(exported=exported, skipped=skipped, tree=tree, bound=_bound(tree) if exported else set(),
                         uses=_uses(tree), example=not exported and "default_exp" not in d and _is_example(c, tree)))
    names = []
    for name in public:
        at = next((i for i, x in enumerate(info) if name in x["bound"]), None)
        if at is None: names.append((name, "?", "not defined in an exported cell")); continue
        node = next(n for n in info[at]["tree"].body if getattr(n, "name", None) == name or name in _bound(ast.Module([n], [])))
        kind = "function" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else "class" if isinstance(node, ast.ClassDef) else "constant"
        hit = lambda x: name in (x["uses"][0] if kind == "function" else x["uses"][1])
        nxt = next((j for j in range(at + 1, len(info)) if info[j]["exported"]), len(info))
        later = [x for x in info[at + 1:] if not x["exported"] and hit(x)]
        run = [x for x in later if not x["skipped"]]
        where = ("next" if any(x is y for x in run for y in info[at + 1:nxt]) else "below" if run
                 else "slow" if later else "-")
        names.append((name, kind, where))
    return dict(module=mod, names=names, code=len(cells), examples=sum(x["example"] for x in info))

def main(args:list[str]):
    gaps = "--gaps" in args
    paths = [a for a in args if not a.startswith("--")] or sorted(str(p) for p in (ROOT/"nbs").glob("[0-9]*.ipynb"))
    rows = []
    for p in paths:
        cv = coverage(p)
        if not cv: continue
        n = cv["names"]
        fn = [x for x in n if x[1] in ("function", "class")]
        rows.append((Path(p).name, len(n), sum(x[2] == "next" for x in n), sum(x[2] == "below" for x in n),
                     sum(x[2] in ("-", "slow") for x in fn), cv["examples"], cv["code"]))
        missing = [x for x in n if x[2] != "next" and (not gaps or x[2] in ("-", "slow") and x[1] != "constant")]
        for name, kind, where in missing: print(f"  {Path(p).name:22} {name:28} {kind:9} {where}")
    print(f"\n{'notebook':22} {'public':>6} {'next':>5} {'below':>5} {'no call*':>8} {'examples':>8} {'code':>5} {'ratio':>6}")
    for nb, pub, nx, bl, no, ex, code in rows:
        print(f"{nb:22} {pub:6} {nx:5} {bl:5} {no:8} {ex:8} {code:5} {ex / code:6.0%}")
    t = [sum(r[i] for r in rows) for i in range(1, 7)]
    print(f"{'all':22} {t[0]:6} {t[1]:5} {t[2]:5} {t[3]:8} {t[4]:8} {t[5]:5} {t[4] / t[5]:6.0%}")
    print("* functions and classes with no call in a cell nbdev-test runs (constants are not counted here)")

if __name__ == "__main__": main(sys.argv[1:])
