"""Time every tutorial notebook, one after another, each from a clean kernel.

    python bench/bench_notebooks.py                 # quick mode (PACVIZ_QUICK=1), all nine
    python bench/bench_notebooks.py --full 01 02    # full mode, notebooks 01 and 02 only

Each notebook runs alone through ``tests/notebook_runner.py`` (the CI's runner), so the times
are those of a fresh kernel: imports, compiles and all. The notebooks share one persistent
compilation cache that starts empty (a user's first day; ``PACVIZ_COMPILATION_CACHE``
overrides it), so a program one notebook compiled loads in the next. Prints a Markdown table
against the budgets (quick: 60 s each and 6 min for all nine; full mode of 01-06: 60 s each) and
the load average before and after, since a busy machine inflates every number.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "notebook_runner.py"
BUDGET_S = 60.0
QUICK_TOTAL_S = 360.0


def run(path: Path, quick: bool, folder: Path) -> tuple[float, bool]:
    """``(seconds, ok)`` of one notebook: the runner's own clock (kernel start excluded)."""
    env = dict(os.environ, PACVIZ_QUICK="1") if quick else {k: v for k, v in os.environ.items() if k != "PACVIZ_QUICK"}
    env.setdefault("PACVIZ_COMPILATION_CACHE", str(folder / "jax-cache"))  # a first day: starts empty
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(RUNNER), str(path), str(folder / path.name)], env=env,
                          capture_output=True, text=True)
    found = re.search(rf"{re.escape(path.name)}: ([0-9.]+) s", proc.stdout + proc.stderr)
    return (float(found.group(1)) if found else time.perf_counter() - start), proc.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="notebook numbers (default: all)")
    parser.add_argument("--full", action="store_true", help="full mode (no PACVIZ_QUICK)")
    args = parser.parse_args(argv)
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.numbers:
        paths = [p for p in paths if p.name[:2] in args.numbers]
    mode = "full" if args.full else "quick (PACVIZ_QUICK=1)"
    print(f"{mode} mode; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| notebook | seconds | ≤ 60 s | ran |\n|---|---:|---|---|")
    total = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for path in paths:
            seconds, ok = run(path, not args.full, Path(folder))
            total += seconds
            print(f"| {path.stem} | {seconds:.1f} | {'yes' if seconds <= BUDGET_S else 'no'} | "
                  f"{'ok' if ok else 'FAILED'} |", flush=True)
    line = f"\ntotal {total:.0f} s"
    if not args.full and len(paths) == 9:
        line += f" ({'within' if total <= QUICK_TOTAL_S else 'over'} the {QUICK_TOTAL_S / 60:.0f} min budget)"
    print(line + f"; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
