"""The tutorial notebooks: stored clean, and each one runs top to bottom in quick mode.

Each notebook runs in a process of its own (``notebook_runner.py``) whose kernel is this
interpreter, so the test never depends on what ``python3`` kernel a machine happens to have
installed, and no kernel-client thread lives in the pytest process. ``PACVIZ_QUICK=1``
reaches the kernel through the environment.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
RUNNER = Path(__file__).resolve().parent / "notebook_runner.py"


def test_there_are_notebooks():
    assert PATHS, f"no notebooks found in {NOTEBOOKS}"


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
    assert "widgets" not in nb.metadata, f"{path.name} stores widget state"


def run_notebook(path: Path, out: Path, python: str = sys.executable, env=None, timeout=1200):
    """Execute ``path`` with notebook_runner.py in a separate process; returns (executed nb, log)."""
    env = dict(os.environ if env is None else env, PACVIZ_QUICK="1")
    proc = subprocess.run([python, str(RUNNER), str(path), str(out), "--kernel-python", python],
                          env=env, capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    assert out.exists(), f"{path.name} did not run:\n{log[-4000:]}"
    return nbformat.read(out, as_version=4), proc.returncode, log


def error_outputs(nb) -> list[tuple[int, str]]:
    """(cell index, error name) for every error output or printed traceback."""
    return [(i, out.get("ename", out.get("name")))
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.outputs
            if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"
                                              and "Traceback" in out.text)]


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_notebook_runs_in_quick_mode(path, tmp_path):
    nb, status, log = run_notebook(path, tmp_path / path.name)
    errors = error_outputs(nb)
    assert status == 0 and not errors, f"{path.name}: error output in cells {errors}\n{log[-4000:]}"
    print(next(line for line in log.splitlines() if line.startswith(f"{path.name}: ")))  # the run time
