"""``pv.load_pretrained()`` wall time: this tree against another checkout, side by side, fresh processes.

    python bench/bench_load_pretrained.py --before /tmp/pacviz_before --repeats 3
    python bench/bench_load_pretrained.py --before /tmp/pacviz_before --run runs/tiny   # load_run(runs/tiny)

Each measurement is a new Python process (nothing cached in memory) that times ``import pacviz``
and then ``pv.load_pretrained()``; the two trees alternate so both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys, time, warnings
t0 = time.perf_counter()
import pacviz as pv
t1 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model, meta = pv.train.load_run(sys.argv[1]) if len(sys.argv) > 1 else pv.load_pretrained()
t2 = time.perf_counter()
print(json.dumps(dict(import_s=t1 - t0, load_s=t2 - t1, params=pv.count_params(model))))
"""


def measure(tree: Path, run: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", _CHILD, *([run] if run else [])], env=env, capture_output=True,
                         text=True, cwd=tree, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="another pacviz checkout (e.g. git worktree add DIR HEAD)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run", help="time pv.train.load_run(RUN) (a training workdir) instead")
    args = parser.parse_args()
    run = str(Path(args.run).resolve()) if args.run else None
    what = f"load_run({Path(args.run).name})" if run else "pv.load_pretrained()"
    trees = {"before": Path(args.before).resolve(), "after": Path(__file__).resolve().parent.parent}
    runs = {name: [] for name in trees}
    for _ in range(args.repeats):
        for name, tree in trees.items():
            runs[name].append(measure(tree, run))
    print(f"| tree | import pacviz (s, median) | {what} (s, median) | parameters |")
    print("|---|---|---|---|")
    medians = {}
    for name, values in runs.items():
        med = {k: sorted(v[k] for v in values)[len(values) // 2] for k in ("import_s", "load_s")}
        medians[name] = med
        print(f"| {name} | {med['import_s']:.2f} | {med['load_s']:.2f} | {values[0]['params']:,} |")
    print(f"load ratio before/after: {medians['before']['load_s'] / medians['after']['load_s']:.1f}x "
          f"({args.repeats} fresh processes each, alternating)")


if __name__ == "__main__":
    main()
