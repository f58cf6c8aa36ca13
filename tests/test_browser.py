"""JupyterLab in a real browser: the tutorial notebooks run and their explorers render and respond.

One JupyterLab server per test process, on 127.0.0.1 with a random port and token, its settings,
workspaces, runtime, config and data folders temporary, its root a temporary copy of notebooks/,
and ``PACVIZ_QUICK=1`` in its environment so every kernel inherits it. The kernel is this
interpreter: a kernelspec ``python3`` in a temporary folder first on ``JUPYTER_PATH``.

Debian's Chromium (``/usr/bin/chromium``, headless, driven by Playwright; Playwright's own
browser download is never used) opens each notebook, runs all cells through JupyterLab's own
``notebook:run-all-cells`` command (the app is reachable as ``window.jupyterapp`` because the
server runs with ``--LabApp.expose_app_in_browser``), and the test checks that

* every code cell ran and no cell has an error output or a printed traceback;
* every widget output is drawn by the widget front-end (not shown as its text/plain fallback);
* the explorer is drawn: its ``img.pacviz-figure`` holds a decoded PNG, and no output says
  "Error displaying widget" or is stuck on "Loading widget...";
* pressing an arrow key on a slider handle, and clicking a pixel button ``.pacviz-pixel-0-0``,
  each change the figure the browser shows (a new image source and different pixels).

Screenshots go to ``$PACVIZ_SCREENSHOTS`` (default: a ``screenshots`` folder under the test's
temporary folder); the test prints where (seen with ``-s``) and every failure names it. ``PACVIZ_BROWSER_BREAK_WIDGETS=1`` starts the server with
the ipywidgets front-end extension disabled: a self-check under which this test must fail.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
# notebook → (explorer has a slider, explorer has a pixel grid)
NOTEBOOKS = {
    "02_pixel_adaptive_kernel.ipynb": (True, True),
    "08_trained_filters.ipynb": (True, True),
}
RUN_TIMEOUT_S = 400  # all cells of one notebook, kernel start included
WIDGET_TIMEOUT_MS = 60_000
REDRAW_TIMEOUT_MS = 60_000

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    PlaywrightTimeout = sync_playwright = None


def no_browser_reason() -> str | None:
    """Why no browser can be had here, or None."""
    if sync_playwright is None:
        return "playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


# -- the server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def lab_folders(base: Path, break_widgets: bool) -> dict[str, str]:
    """Temporary Jupyter folders, a ``python3`` kernelspec for this interpreter, quiet settings."""
    folders = {name: base / name for name in ("config", "data", "runtime", "settings", "workspaces",
                                              "path", "ipython")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    write_json(folders["path"] / "kernels" / "python3" / "kernel.json",
               {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)", "language": "python"})
    settings = folders["settings"]
    # every cell in the DOM (no virtual scrolling), no news or update checks, no extension manager
    write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
               {"windowingMode": "none"})
    write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False})
    write_json(settings / "@jupyterlab" / "extensionmanager-extension" / "plugin.jupyterlab-settings",
               {"enabled": False})
    if break_widgets:
        write_json(folders["config"] / "labconfig" / "page_config.json",
                   {"disabledExtensions": {WIDGETS_EXTENSION: True}})
    return {"JUPYTER_CONFIG_DIR": str(folders["config"]), "JUPYTER_DATA_DIR": str(folders["data"]),
            "JUPYTER_RUNTIME_DIR": str(folders["runtime"]),
            "JUPYTERLAB_SETTINGS_DIR": str(folders["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(folders["workspaces"]), "JUPYTER_PATH": str(folders["path"]),
            "IPYTHONDIR": str(folders["ipython"])}


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


class LabServer:
    """A running JupyterLab: ``url(path)`` gives a page address with the token."""

    def __init__(self, base: Path, root: Path, break_widgets: bool = False):
        self.port, self.token = free_port(), secrets.token_hex(16)
        env = dict(os.environ, PACVIZ_QUICK="1", **lab_folders(base, break_widgets))
        argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        self.log_path = base / "jupyterlab.log"
        self._log = open(self.log_path, "wb")
        # a session of its own: the whole process group can be ended at shutdown
        self.process = subprocess.Popen(argv, env=env, cwd=root, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def log_tail(self, n: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-n:]

    def wait_ready(self, timeout_s: float = 120):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                get_json(self.url("api/status"))
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer in {timeout_s} s:\n{self.log_tail()}")

    def shutdown(self):
        """Ask the server to stop (it shuts its kernels down), then end its process group."""
        try:
            request = urllib.request.Request(self.url("api/shutdown"), method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            self.process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self._log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = no_browser_reason()
    if reason:
        pytest.skip(f"no browser: {reason}")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(REPO / "notebooks", root)
    server = LabServer(base / "home", root, os.environ.get("PACVIZ_BROWSER_BREAK_WIDGETS") == "1")
    try:
        server.wait_ready()
        spec = get_json(server.url("api/kernelspecs"))["kernelspecs"]["python3"]["spec"]
        assert spec["argv"][0] == sys.executable, f"the python3 kernel runs {spec['argv'][0]}"
        yield server
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def browser(lab):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshots(tmp_path):
    folder = Path(os.environ.get("PACVIZ_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


# -- JupyterLab through window.jupyterapp -----------------------------------------------------------

FIND_PANEL = """
function findPanel(name) {
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === name && widget.content && widget.content.model) {
      return widget;
    }
  }
  return null;
}
"""

# Wait for the notebook's kernel, then start Run All; its promise records the outcome.
START_RUN_ALL = """
async (name) => {
  """ + FIND_PANEL + """
  const app = window.jupyterapp;
  await app.restored;
  const panel = findPanel(name);
  if (!panel) { throw new Error('no notebook panel for ' + name); }
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  window.__pacvizRunAll = null;
  app.commands.execute('notebook:run-all-cells')
    .then(ok => { window.__pacvizRunAll = {ok: ok}; })
    .catch(err => { window.__pacvizRunAll = {ok: false, error: String(err)}; });
  return panel.sessionContext.session.kernel.name;
}
"""

# Where the run stands: kernel status, cells without an execution count, errors in outputs.
RUN_STATE = """
(name) => {
  """ + FIND_PANEL + """
  const panel = findPanel(name);
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = Array.from(panel.content.model.cells).map((cell, index) => ({cell, index}))
    .filter(item => item.cell.type === 'code');
  const errors = [];
  for (const {cell, index} of cells) {
    for (const output of cell.outputs.toJSON()) {
      const text = Array.isArray(output.text) ? output.text.join('') : (output.text || '');
      if (output.output_type === 'error') {
        errors.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      } else if (output.output_type === 'stream' && output.name === 'stderr' && text.includes('Traceback')) {
        errors.push(`cell ${index}: ${text.slice(-800)}`);
      }
    }
  }
  return {
    done: window.__pacvizRunAll,
    kernel: kernel ? kernel.status : 'none',
    unexecuted: cells.filter(item => item.cell.executionCount === null).map(item => item.index),
    errors: errors,
  };
}
"""

STDERR_TRACEBACKS = """
() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
      .map(node => node.textContent).filter(text => text.includes('Traceback'))
"""

# Every widget output of the notebook's model, and whether the page drew a widget view for it
# (an element of class jupyter-widgets inside the output); without the widget front-end the
# output falls back to its text/plain repr.
WIDGET_OUTPUTS = """
(name) => {
  """ + FIND_PANEL + """
  const found = [];
  findPanel(name).content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') { return; }
    cell.model.outputs.toJSON().forEach((output, k) => {
      if (output.data && output.data['application/vnd.jupyter.widget-view+json']) {
        const child = cell.outputArea.node.children[k];
        const node = child && child.querySelector('.jp-OutputArea-output');
        found.push({cell: index, drawn: Boolean(node && node.querySelector('.jupyter-widgets')),
                    shown_as: node ? (node.dataset.mimeType || 'widget view') : 'nothing',
                    text: node ? node.textContent.trim().slice(0, 100) : ''});
      }
    });
  });
  return found;
}
"""

# Per code cell: its execution count and each output's type and MIME types (for failure messages).
CELL_OUTPUTS = """
(name) => {
  """ + FIND_PANEL + """
  return Array.from(findPanel(name).content.model.cells).map((cell, index) => ({cell, index}))
    .filter(item => item.cell.type === 'code')
    .map(({cell, index}) => ({cell: index, count: cell.executionCount,
                              outputs: cell.outputs.toJSON().map(o => o.output_type + ' ' + Object.keys(o.data || {}).join(','))}));
}
"""

IMAGE_DECODED = "img => img.complete && img.naturalWidth > 0"

# Outputs whose widget view failed or is still loading (the widget front-end's own texts).
WIDGET_TEXTS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
  .map(node => node.textContent.trim())
  .filter(text => text.startsWith('Error displaying widget') || text === 'Loading widget...')"""


def run_all_cells(page, name: str) -> dict:
    """Run every cell of the open notebook ``name``; return the final RUN_STATE."""
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.wait_for_function("(name) => {" + FIND_PANEL + "return findPanel(name) !== null; }", arg=name,
                           timeout=120_000)
    kernel_name = page.evaluate(START_RUN_ALL, name)
    assert kernel_name == "python3", f"{name} started kernel {kernel_name!r}"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state = page.evaluate(RUN_STATE, name)
        if state["done"] is not None and state["kernel"] == "idle":
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: cells still running after {RUN_TIMEOUT_S} s: {state}")
        time.sleep(1)


def figure_state(figure):
    """(image source, PNG screenshot of the image) as the browser shows it."""
    return figure.get_attribute("src"), figure.screenshot()


def assert_redraws(page, figure, act, what: str, before):
    """Do ``act()`` and check that the figure the browser shows changes; returns the new state."""
    act()
    page.wait_for_function("([img, src]) => img.getAttribute('src') !== src && img.complete && img.naturalWidth > 0",
                           arg=[figure.element_handle(), before[0]], timeout=REDRAW_TIMEOUT_MS)
    after = figure_state(figure)
    assert after[1] != before[1], f"{what}: the image source changed but its pixels did not"
    return after




# -- the test --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_explorer_in_jupyterlab(name, lab, browser, screenshots):
    if not (REPO / "notebooks" / name).exists():
        pytest.fail(f"notebooks/{name} is missing")
    has_slider, has_pixels = NOTEBOOKS[name]
    stem = Path(name).stem
    start = time.perf_counter()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)  # a busy CI machine: loading JupyterLab can take a while
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        page.goto(lab.url(f"lab/tree/{name}"))
        state = run_all_cells(page, name)
        assert state["done"]["ok"] and not state["errors"] and not state["unexecuted"], (
            f"{name}: {state}\n{lab.log_tail()}")
        assert page.evaluate(STDERR_TRACEBACKS) == []
        # Past the server's IOPub rate limit (1 000 messages/s) outputs, widgets included, are dropped.
        assert "IOPub message rate exceeded" not in lab.log_path.read_text(errors="replace"), (
            f"{name}: the kernel outran the Jupyter server's IOPub rate limit\n{lab.log_tail()}")
        # The run's promise and an idle kernel can come before the last outputs reach the cell models.
        try:
            page.wait_for_function(f"(name) => ({WIDGET_OUTPUTS})(name).length > 0", arg=name,
                                   timeout=WIDGET_TIMEOUT_MS)
        except PlaywrightTimeout as err:
            raise AssertionError(f"{name} displayed no widget in {WIDGET_TIMEOUT_MS / 1000:.0f} s after its run; "
                                 f"cells {page.evaluate(CELL_OUTPUTS, name)}; console errors {console_errors[-5:]}\n"
                                 f"{lab.log_tail()}") from err
        outputs = page.evaluate(WIDGET_OUTPUTS, name)
        assert all(output["drawn"] for output in outputs), (
            f"{name}: the widget front-end did not draw the widgets: {outputs}; console errors {console_errors[-3:]}")

        explorer = page.locator(".pacviz-explorer").last
        figure = explorer.locator("img.pacviz-figure")
        try:
            figure.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
            page.wait_for_function(f"() => ({WIDGET_TEXTS})().every(text => text !== 'Loading widget...')",
                                   timeout=WIDGET_TIMEOUT_MS)
        except PlaywrightTimeout as err:
            raise AssertionError(f"{name}: no explorer drawn; widget outputs {page.evaluate(WIDGET_TEXTS)}; "
                                 f"console errors {console_errors[-5:]}") from err
        assert page.evaluate(WIDGET_TEXTS) == [], f"{name}: broken widget outputs {page.evaluate(WIDGET_TEXTS)}"
        assert figure.evaluate(IMAGE_DECODED), f"{name}: the explorer's PNG did not decode"
        explorer.scroll_into_view_if_needed()
        explorer.screenshot(path=screenshots / f"{stem}_explorer.png")
        state = figure_state(figure)

        if has_slider:
            handle = explorer.locator(".widget-slider .noUi-handle").first
            at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
            handle.focus()
            key = "ArrowLeft" if at_max else "ArrowRight"
            state = assert_redraws(page, figure, lambda: handle.press(key), f"{name}: slider {key}", state)
            explorer.screenshot(path=screenshots / f"{stem}_after_slider.png")
        if has_pixels:
            pixel = explorer.locator(".pacviz-pixel-0-0")
            state = assert_redraws(page, figure, pixel.click, f"{name}: pixel (0, 0)", state)
            explorer.screenshot(path=screenshots / f"{stem}_after_pixel.png")
        assert page.evaluate(WIDGET_TEXTS) == []
        page.screenshot(path=screenshots / f"{stem}_page.png")
    except Exception as err:
        page.screenshot(path=screenshots / f"{stem}_failed.png", full_page=True)
        err.add_note(f"screenshots: {screenshots}; JupyterLab log: {lab.log_path}")
        raise
    finally:
        context.close()
    print(f"{name}: {time.perf_counter() - start:.1f} s in the browser")
