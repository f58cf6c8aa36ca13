"""The tutorial notebooks: stored clean, and each one runs top to bottom in quick mode.

The kernel is this interpreter (``sys.executable``) through a kernelspec written to a temporary
folder, so the test never depends on what ``python3`` kernel a machine happens to have
installed. ``PACVIZ_QUICK=1`` (set by conftest.py) reaches the kernel through the environment.
"""

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "pacviz-test"


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


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """A kernelspec that runs ipykernel with this very interpreter."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL
    spec.mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    return KernelSpecManager(kernel_dirs=[str(root)])


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_notebook_runs_in_quick_mode(path, kernel_specs, monkeypatch):
    monkeypatch.setenv("PACVIZ_QUICK", "1")
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
    client = NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    errors = [(i, out.get("ename", out.get("name")))
              for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.outputs
              if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"
                                                and "Traceback" in out.text)]
    assert not errors, f"{path.name}: error output in cells {errors}"
    print(f"{path.name}: {elapsed:.1f} s")
