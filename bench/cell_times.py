"""CPU and wall time of each code cell of a notebook, run in one execnb shell as `nbdev-test` runs it.

Usage: python bench/cell_times.py nbs/07_trainer.ipynb   (prints cells over 0.5 s wall, then the total)
CPU time is user + sys of this process (all its threads) and its waited-for children: on a shared machine it is the
number that does not depend on what else runs."""
import os, resource, sys, time
from execnb.shell import CaptureShell
from nbformat import read

def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

def main(path:str):
    nb, sh = read(path, as_version=4), CaptureShell()
    os.chdir(os.path.dirname(os.path.abspath(path)))
    t_all = time.perf_counter()
    for c in nb.cells:
        if c.cell_type != "code" or c.source.lstrip().startswith("#| default_exp"): continue
        if any(f in c.source for f in ("#| eval: false", "#| slow", "#| notest")): continue   # skipped by nbdev-test
        t, u = time.perf_counter(), cpu()
        sh.run(c.source)
        if sh.exc: sys.exit(f"cell {c.get('id')} failed: {sh.exc!r}")
        if (dt := time.perf_counter() - t) > 0.5:
            print(f"{c.get('id')}  cpu {cpu() - u:6.1f} s  wall {dt:6.1f} s  {c.source.splitlines()[0][:60]}", flush=True)
    print(f"total  cpu {cpu():.1f} s  wall {time.perf_counter() - t_all:.1f} s")

if __name__ == "__main__": main(sys.argv[1])
