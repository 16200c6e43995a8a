"""`mkdocs serve` regenerates pages when gru_ref/ changes (the shown source comes from the new file)."""
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.request

from sitegen import cache

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_text(url):
    """The page without tags (highlighted code splits `def gru_step` into spans), or '' before it exists."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return re.sub(r"<[^>]+>", "", response.read().decode())
    except OSError:
        return ""


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_serve_rebuilds_when_gru_ref_changes(tmp_path):
    cache.copy_project(tmp_path)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tmp_path))  # the copy's packages, not the installed ones
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/gru.html"
        assert wait_for(lambda: "def gru_step" in page_text(url), 90), "the first build never appeared"
        marker = "the update gate decides how much of H_prev is kept"
        cells = tmp_path / "gru_ref" / "cells.py"
        source = cells.read_text()
        assert "    u = sigmoid(a_u)\n" in source
        cells.write_text(source.replace("    u = sigmoid(a_u)\n", f"    u = sigmoid(a_u)  # {marker}\n"))
        assert wait_for(lambda: marker in page_text(url), 90), "the page was not rebuilt from the changed gru_ref"
    finally:
        server.terminate()
        server.wait(timeout=30)
