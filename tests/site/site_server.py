"""Build the site with MkDocs and serve a built copy on 127.0.0.1, for the build and browser tests.

Also the two checks both tests apply to what a reader sees: raw TeX left in text, and the pages'
Markdown sources (which fences and which math each page asked for).
"""

import contextlib
import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
# Override only to try these tests on a scratch site while the real pages are being written.
CONFIG = Path(os.environ.get("GRU_REF_MKDOCS_CONFIG", ROOT / "mkdocs.yml"))

RAW_TEX = re.compile(
    r"\$\$"                                         # display delimiters
    r"|\\[()\[\]]"                                  # \( \) \[ \]
    r"|\\[A-Za-z]{2,}"                              # a TeX command such as \sigma
    r"|(?<![\w$])\$(?=\S)[^$\n]*?(?<=\S)\$(?!\d)"  # $x$ (the pandoc rule, so "$5 or $6" is text)
)
FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*\{?[ \t]*\.?(gru-[a-z]+)\b", re.MULTILINE)
CODE_BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)


def build_site(site_dir: Path, extra_env: dict | None = None, without_env=()) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` in a subprocess. `python -m` from the repo root puts it on sys.path,
    so mkdocs.yml can name sitegen.fences formatters without the project being installed."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict",
               "--config-file", str(CONFIG), "--site-dir", str(site_dir)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={k: v for k, v in {**os.environ, **(extra_env or {})}.items() if k not in without_env})


def only_local(refused):
    """A Playwright route handler that lets a page reach 127.0.0.1 (and file://) only: any other host's
    request is aborted and its URL appended to `refused`, for the test to report."""
    def route(request_route):
        parts = urlsplit(request_route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            refused.append(request_route.request.url)
            request_route.abort()
        else:
            request_route.continue_()
    return route


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(site_dir: Path):
    """Serve `site_dir` on a free port of 127.0.0.1; yields the base URL ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _NavLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "md-nav__link" in (attributes.get("class") or "").split():
            href = attributes.get("href") or ""
            if href and "#" not in href and "://" not in href and href not in self.hrefs:
                self.hrefs.append(href)


def nav_pages(site_dir: Path) -> list[str]:
    """Site-relative paths of the pages in the navigation of the built home page."""
    parser = _NavLinks()
    parser.feed((site_dir / "index.html").read_text(encoding="utf-8"))
    pages = []
    for href in parser.hrefs:
        path = href.removeprefix("./")
        path = "index.html" if path in ("", ".") else path
        if path.endswith("/"):
            path += "index.html"
        pages.append(path)
    return pages


def docs_dir() -> Path:
    match = re.search(r"^docs_dir:\s*(\S+)", CONFIG.read_text(encoding="utf-8"), re.MULTILINE)
    return (CONFIG.parent / (match.group(1) if match else "docs")).resolve()


def page_source(page: str) -> str:
    """The Markdown a built page came from ('gru.html' or 'gru/index.html' -> docs/gru.md), or the
    notebook ('notebooks/x.html' -> docs/notebooks/x.py, whose Markdown cells are comments)."""
    stem = page.removesuffix(".html").removesuffix("/index").removesuffix("index")
    source = docs_dir() / f"{stem.strip('/') or 'index'}.md"
    if not source.exists() and source.with_suffix(".py").exists():
        source = source.with_suffix(".py")
    return source.read_text(encoding="utf-8")


def fence_counts(markdown: str) -> dict[str, int]:
    """How many times each gru-* fence is used."""
    counts: dict[str, int] = {}
    for name in FENCE.findall(markdown):
        counts[name] = counts.get(name, 0) + 1
    return counts


def has_math(markdown: str) -> bool:
    """Whether the prose, outside code, writes $...$ or $$...$$ math."""
    from sitegen.mathml import MATH_PATTERN

    prose = CODE_SPAN.sub("", CODE_BLOCK.sub("", markdown))
    return any(match.group("dollar") is None for match in re.finditer(MATH_PATTERN, prose, re.DOTALL))
