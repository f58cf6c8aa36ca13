"""binder/: the environment mybinder.org (repo2docker) builds for the tutorial.

repo2docker reads binder/runtime.txt (``python-X.Y``), runs
``pip install -r binder/requirements.txt`` from the repository root, then binder/postBuild,
which installs pacviz itself. The cheap tests check the files against pyproject.toml and the
notebooks; the slow one does the same install in a fresh virtual environment and runs the
first notebook with it.
"""

import ast
import functools
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from test_notebooks import error_outputs, run_notebook

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)$")
FIRST_NOTEBOOK = ROOT / "notebooks" / "01_psi_and_convolution.ipynb"


def requirement_lines() -> list[str]:
    """The non-comment, non-blank lines of binder/requirements.txt."""
    text = (BINDER / "requirements.txt").read_text()
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]


def pins() -> dict[str, Version]:
    """{canonical name: pinned version} of binder/requirements.txt."""
    matches = [PIN.match(line) for line in requirement_lines()]
    return {canonicalize_name(m[1]): Version(m[2]) for m in matches if m}


def project_dependencies() -> list[Requirement]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [Requirement(dep) for dep in pyproject["project"]["dependencies"]]


def runtime_python() -> tuple[int, int]:
    """(major, minor) named by binder/runtime.txt."""
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"runtime.txt should read python-X.Y, not {text!r}"
    return int(match[1]), int(match[2])


def test_every_requirement_is_an_exact_pin():
    lines = requirement_lines()
    bad = [line for line in lines if not PIN.match(line)]
    # A local path (`-e .`, `-r ...`) would also make repo2docker install after copying the repo,
    # out of its cached layer; postBuild installs pacviz instead.
    assert not bad, f"binder/requirements.txt lines that are not name==version: {bad}"
    names = [canonicalize_name(PIN.match(line)[1]) for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"


def test_runtime_is_python_311_or_312_and_allowed_by_pyproject():
    version = runtime_python()
    assert version in {(3, 11), (3, 12)}, f"runtime.txt names Python {version}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f"{version[0]}.{version[1]}" in SpecifierSet(requires)


def test_pins_cover_and_satisfy_pyproject_dependencies():
    pinned = pins()
    for dep in project_dependencies():
        name = canonicalize_name(dep.name)
        assert name in pinned, f"{dep.name} (pyproject.toml) is not pinned in binder/requirements.txt"
        assert dep.specifier.contains(pinned[name], prereleases=True), \
            f"{dep.name}=={pinned[name]} is outside pyproject.toml's range {dep.specifier}"


def test_jax_is_cpu_and_matches_jaxlib():
    pinned = pins()
    assert pinned["jax"] == pinned["jaxlib"], "jax and jaxlib are released in lockstep"
    gpu = [name for name in pinned if "cuda" in name or name.startswith("nvidia-")]
    assert not gpu, f"GPU packages in a CPU environment: {gpu}"


def test_widget_packages_and_lab_agree():
    pinned = pins()
    # ipywidgets 8 pairs with jupyterlab_widgets 3 and widgetsnbextension 4 (7 with 1 and 3).
    families = {8: (3, 4), 7: (1, 3)}
    widgets = pinned["ipywidgets"].major
    assert widgets in families, f"ipywidgets {pinned['ipywidgets']} has no known extension pair"
    extensions = (pinned["jupyterlab-widgets"], pinned["widgetsnbextension"])
    assert tuple(v.major for v in extensions) == families[widgets], \
        f"ipywidgets {pinned['ipywidgets']} needs jupyterlab_widgets {families[widgets][0]}.x and " \
        f"widgetsnbextension {families[widgets][1]}.x, not {extensions[0]} and {extensions[1]}"
    # Notebook 7.N is built on JupyterLab 4.N (repo2docker's base environment has Notebook 7).
    lab, notebook = pinned["jupyterlab"], pinned["notebook"]
    assert (lab.major, notebook.major) == (4, 7) and lab.minor == notebook.minor, \
        f"notebook {notebook} does not go with jupyterlab {lab}"


def notebook_imports(path: Path) -> set[str]:
    """Top-level modules imported by the code cells of a notebook (magics dropped)."""
    names = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@functools.cache
def module_providers() -> dict[str, list[str]]:
    """{top-level module: distributions providing it} in this environment (a slow scan: once)."""
    return importlib.metadata.packages_distributions()


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_imports_are_pinned(path):
    pinned = pins()
    providers = module_providers()
    for module in sorted(notebook_imports(path) - set(sys.stdlib_module_names) - {"pacviz"}):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists, f"{path.name} imports {module}, which no installed distribution provides"
        assert dists & pinned.keys(), \
            f"{path.name} imports {module} ({dists}), not in binder/requirements.txt"


def interpreter(version: tuple[int, int]) -> str:
    """A Python of the version runtime.txt names: this one, else pythonX.Y on PATH, else this one."""
    if sys.version_info[:2] == version:
        return sys.executable
    return shutil.which(f"python{version[0]}.{version[1]}") or sys.executable


def index_reachable(python: str, dest: Path) -> bool:
    """Whether pip can fetch one pinned wheel from the package index (no cache)."""
    name, version = next(iter(pins().items()))
    probe = subprocess.run([python, "-m", "pip", "download", "--no-input", "--no-deps", "--no-cache-dir",
                            "--dest", str(dest), f"{name}=={version}"], capture_output=True, timeout=300)
    return probe.returncode == 0


@pytest.mark.slow
def test_binder_environment_runs_the_first_notebook(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([interpreter(runtime_python()), "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    # The environment Binder gives postBuild and the kernel: this venv first on PATH, and
    # nothing of the interpreter running pytest.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", KERNEL_PYTHON_PREFIX=str(venv),
               PIP_DISABLE_PIP_VERSION_CHECK="1")

    # repo2docker's own command, from the repository root; --no-compile skips writing .pyc files
    # (Python compiles on import anyway), which is a large part of the install's time.
    start = time.perf_counter()
    install = subprocess.run([python, "-m", "pip", "install", "--no-input", "--no-compile",
                              "-r", "binder/requirements.txt"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if install.returncode != 0:
        if not index_reachable(python, tmp_path / "probe"):
            pytest.skip("the package index cannot be reached: binder/requirements.txt not installed")
        pytest.fail("pip install -r binder/requirements.txt failed:\n"
                    f"{install.stdout[-3000:]}{install.stderr[-3000:]}")

    installed = time.perf_counter()
    post = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert post.returncode == 0, f"binder/postBuild failed:\n{post.stdout[-3000:]}{post.stderr[-3000:]}"
    check = subprocess.run([python, "-m", "pip", "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, f"inconsistent Binder environment:\n{check.stdout}"
    where = subprocess.run([python, "-c", "import pacviz; print(pacviz.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)  # not from the cwd: installed
    assert Path(where.stdout.strip()).is_relative_to(ROOT / "pacviz"), where.stdout

    ready = time.perf_counter()
    nb, status, log = run_notebook(FIRST_NOTEBOOK, tmp_path / FIRST_NOTEBOOK.name, python=python, env=env)
    errors = error_outputs(nb)
    assert status == 0 and not errors, f"error output in cells {errors}\n{log[-4000:]}"
    print(f"binder env: pip install {installed - start:.0f} s, postBuild + pip check"
          f" {ready - installed:.0f} s, {FIRST_NOTEBOOK.name} {time.perf_counter() - ready:.0f} s")
