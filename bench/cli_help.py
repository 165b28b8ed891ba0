"""Time `polychromic --help`, `polychromic train --help` and `polychromic evaluate --help` (the issue's bound: <= 2 s).

Each command runs as a fresh process with an empty help cache (cold: the first call after an install or upgrade renders
TRL's options, importing torch) and then again (warm: read from the cache). Prints wall and CPU seconds side by side;
CPU seconds are what the command costs, wall seconds also count waiting for a busy machine's cores.

    python bench/cli_help.py [--repeat 3]
"""
import argparse, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

BIN = Path(sys.executable).parent / "polychromic"
COMMANDS = [["--help"], ["train", "--help"], ["evaluate", "--help"]]

def timed(args, env) -> tuple[float, float]:
    "(wall s, CPU s) of one run of the console script."
    c0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    r = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)
    wall, c1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    assert r.returncode == 0 and "usage: polychromic" in r.stdout, r.stderr[-2000:]
    return wall, (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per command (the median is shown)")
    n = ap.parse_args().repeat
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        print(f"{'command':<28}{'cold wall':>10}{'cold CPU':>10}{'warm wall':>11}{'warm CPU':>10}  (s; warm = median of {n})")
        for args in COMMANDS:
            cold = timed(args, env)
            warm = sorted(timed(args, env) for _ in range(n))[n // 2]
            print(f"{'polychromic ' + ' '.join(args):<28}{cold[0]:>10.2f}{cold[1]:>10.2f}{warm[0]:>11.2f}{warm[1]:>10.2f}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

if __name__ == "__main__": main()
