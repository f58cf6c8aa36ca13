"""Execute one notebook from a clean kernel, in a process of its own.

    python tests/notebook_runner.py IN.ipynb OUT.ipynb [--kernel-python EXE] [--timeout S]

The kernel runs ipykernel with ``EXE`` (default: this interpreter) through a kernelspec in a
temporary folder, so the result never depends on the kernels a machine has installed. The
executed notebook is written to OUT even when a cell fails; the exit status is 0 when every
cell ran, 1 when one raised. Running it apart keeps jupyter_client's ZMQ threads out of the
pytest process (they crashed it when garbage-collected beside JAX).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

KERNEL = "pacviz-test"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--kernel-python", default=sys.executable)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    with tempfile.TemporaryDirectory() as root:
        spec = Path(root) / KERNEL
        spec.mkdir()
        kernel_argv = [args.kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": kernel_argv, "display_name": KERNEL,
                                                      "language": "python"}))
        km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[root]))
        client = NotebookClient(nb, km=km, timeout=args.timeout,
                                resources={"metadata": {"path": str(args.notebook.resolve().parent)}})
        start = time.perf_counter()
        status = 0
        try:
            client.execute()
        except CellExecutionError as err:
            print(err, file=sys.stderr)
            status = 1
        print(f"{args.notebook.name}: {time.perf_counter() - start:.1f} s")
    nbformat.write(nb, args.output)
    return status


if __name__ == "__main__":
    sys.exit(main())
