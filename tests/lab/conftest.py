r"""JupyterLab from the Binder environment, and headless Chromium to drive it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER_ENV = ROOT / ".binder-venv"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As tests/site/browser.py: no sandbox (root in CI), nothing the browser fetches itself.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]
# The student's JupyterLab as installed, with three settings of the test's own: every
# cell rendered (not only those in view), no autosave, no question about Jupyter news.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    r"""A JupyterLab server on 127.0.0.1 serving a copy of chapters/ and exercises/."""
    jupyter_lab = BINDER_ENV / "bin" / "jupyter-lab"
    if not jupyter_lab.exists():
        pytest.fail(f"{jupyter_lab} is missing: run `make test-lab`, which builds "
                    f"the Binder environment first")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    for folder in ("chapters", "exercises"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for plugin, values in SETTINGS.items():
        path = tmp / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "run"),
               PATH=f"{BINDER_ENV / 'bin'}:{os.environ['PATH']}")
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [str(jupyter_lab), "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
         f"--LabApp.user_settings_dir={tmp / 'settings'}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
         "--ServerApp.open_browser=False"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n"
                            + (tmp / "server.log").read_text()[-3000:])
            time.sleep(0.5)
    yield {"base": base, "token": token, "root": root, "log": tmp / "server.log"}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: make chromium installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
