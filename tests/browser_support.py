"""What the browser tests share: a JupyterLab server on localhost, and Debian's Chromium driven by Playwright
(no browser download; ``make install`` installs chromium where apt can)."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = ROOT / "build" / "screenshots"
# Headless, and nothing that reaches for the network on its own (this machine has none).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TOKEN = "course-browser-test"

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make install installs Debian's)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root, **env):
    """A JupyterLab server started in ``root`` (its root folder and working folder, so that nbgrader finds
    a course's config there), with ``env`` added to its environment; yields its URL."""
    port = free_port()
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)  # no "get Jupyter news?" prompt (and no request for news)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), **env}
    environment.pop("MPLBACKEND", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.allow_root=True", f"--LabApp.user_settings_dir={root / '.settings'}"],
        cwd=root, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within a minute")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
