"""Time `polychromic --help`, `polychromic train --help` and `polychromic evaluate --help` (the issue's bound: <= 2 s).

Each command runs as a fresh process with an empty help cache (cold: the first call after an install; the help of
train/evaluate is shipped in the package, rendered at `make export`, so nothing imports TRL or torch) and then again
(warm). `python -c pass` runs in the same loop as the reference: the ratio column is a command's warm wall time over
the interpreter's own start-up, which a busy machine slows down alike. CPU seconds are what a command costs; wall
seconds also count waiting for a busy machine's cores.

    python bench/cli_help.py [--repeat 5]
"""
import argparse, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

BIN = Path(sys.executable).parent / "polychromic"
COMMANDS = [[sys.executable, "-c", "pass"]] + [[str(BIN), *a] for a in (["--help"], ["train", "--help"], ["evaluate", "--help"])]

def timed(cmd, env) -> tuple[float, float]:
    "(wall s, CPU s) of one run of `cmd`."
    c0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall, c1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    assert r.returncode == 0 and ("usage: polychromic" in r.stdout or cmd[1:] == ["-c", "pass"]), r.stderr[-2000:]
    return wall, (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="warm runs per command (the median is shown)")
    n = ap.parse_args().repeat
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        for cmd in COMMANDS:
            cold = timed(cmd, env)
            warm = sorted(timed(cmd, env) for _ in range(n))[n // 2]
            rows.append((cmd, cold, warm))
    ref = rows[0][2][0]
    print(f"{'command':<30}{'cold wall':>10}{'cold CPU':>10}{'warm wall':>11}{'warm CPU':>10}{'× python':>10}  (s; warm = median of {n})")
    for cmd, cold, warm in rows:
        name = "python -c pass" if cmd[1:] == ["-c", "pass"] else "polychromic " + " ".join(cmd[1:])
        print(f"{name:<30}{cold[0]:>10.2f}{cold[1]:>10.2f}{warm[0]:>11.2f}{warm[1]:>10.2f}{warm[0] / ref:>10.1f}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

if __name__ == "__main__": main()
