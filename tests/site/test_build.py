"""`mkdocs build --strict`: clean, reproducible, no raw TeX, nothing fetched from another host."""

import re
import struct
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_server import RAW_TEX, build_site

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Attributes that make the browser fetch something (a plain <a href> is just a link in the text).
FETCHING_ATTRIBUTES = {
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
    "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
    "embed": ("src",), "object": ("data",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
    "input": ("src",),
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
HIDDEN_TEXT = {"pre", "code", "math", "script", "style", "svg", "textarea", "template"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds into fresh directories, with no SOURCE_DATE_EPOCH given: the hook takes the
    build date from the last commit, so the builds agree even across midnight."""
    results = []
    for name in ("first", "second"):
        site_dir = tmp_path_factory.mktemp(name) / "site"
        started = time.perf_counter()
        process = build_site(site_dir, without_env=("SOURCE_DATE_EPOCH",))
        results.append((site_dir, process, time.perf_counter() - started))
    print(f"\nmkdocs build took {results[0][2]:.1f} s and {results[1][2]:.1f} s")
    return results


@pytest.fixture(scope="module")
def site(builds):
    site_dir, process, _ = builds[0]
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    return site_dir


def test_strict_build_succeeds_without_warnings(builds):
    for _, process, _ in builds:
        assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
        for stream in (process.stdout, process.stderr):
            warnings = [line for line in stream.splitlines() if "WARNING" in line]
            assert not warnings, "\n".join(warnings)


def _tree(site_dir: Path) -> dict[str, bytes]:
    return {str(path.relative_to(site_dir)): path.read_bytes()
            for path in sorted(site_dir.rglob("*")) if path.is_file()}


def test_two_builds_are_byte_identical(builds, site):
    first, second = _tree(builds[0][0]), _tree(builds[1][0])
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"files differ between two builds: {differing}"


class _PageScan(HTMLParser):
    """Visible text outside code and math, and every URL the page would fetch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.text = []
        self.fetched = []

    def handle_starttag(self, tag, attrs):
        self._note_fetches(tag, attrs)
        if tag in HIDDEN_TEXT:
            self.hidden_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._note_fetches(tag, attrs)

    def handle_endtag(self, tag):
        if tag in HIDDEN_TEXT and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if self.hidden_depth:
            return
        self.text.append(data)

    def _note_fetches(self, tag, attrs):
        for name, value in attrs:
            if value and name in FETCHING_ATTRIBUTES.get(tag, ()):
                self.fetched.extend(part.split()[0] for part in value.split(",") if part.strip())
            if value and name == "style":
                self.fetched.extend(a or b for a, b in CSS_URL.findall(value))


def _html_pages(site_dir: Path) -> list[Path]:
    pages = sorted(site_dir.rglob("*.html"))
    assert pages, f"no HTML in {site_dir}"
    return pages


def _is_remote(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in LOCAL_HOSTS


def test_no_raw_tex_outside_code(site):
    for page in _html_pages(site):
        scan = _PageScan()
        scan.feed(page.read_text(encoding="utf-8"))
        leftovers = [match.group(0) for chunk in scan.text for match in RAW_TEX.finditer(chunk)]
        assert not leftovers, f"{page.relative_to(site)} shows raw TeX: {leftovers[:5]}"


def test_pages_and_styles_fetch_only_from_the_site(site):
    for page in _html_pages(site):
        scan = _PageScan()
        scan.feed(page.read_text(encoding="utf-8"))
        styles = re.findall(r"<style[^>]*>(.*?)</style>", page.read_text(encoding="utf-8"), re.DOTALL)
        fetched = scan.fetched + [a or b for style in styles for a, b in CSS_URL.findall(style)]
        remote = [url for url in fetched if _is_remote(url)]
        assert not remote, f"{page.relative_to(site)} fetches from another host: {remote}"
    stylesheets = sorted(site.rglob("*.css"))
    assert stylesheets
    for stylesheet in stylesheets:
        urls = [a or b for a, b in CSS_URL.findall(stylesheet.read_text(encoding="utf-8"))]
        remote = [url for url in urls if _is_remote(url)]
        assert not remote, f"{stylesheet.relative_to(site)} fetches from another host: {remote}"


def test_scans_catch_what_they_look_for():
    """The scanners above would report raw TeX and a CDN stylesheet if a page had them."""
    scan = _PageScan()
    scan.feed('<p>gate $u_t$ and \\sigma</p><code>$x$</code><math><mi>x</mi></math>'
              '<link rel="stylesheet" href="https://cdn.example.org/a.css"><a href="https://arxiv.org/">x</a>'
              '<img src="assets/local.png"><div style="background: url(//fonts.example.com/f.woff)"></div>')
    leftovers = [match.group(0) for chunk in scan.text for match in RAW_TEX.finditer(chunk)]
    assert leftovers == ["$u_t$", "\\sigma"]
    assert [url for url in scan.fetched if _is_remote(url)] == [
        "https://cdn.example.org/a.css", "//fonts.example.com/f.woff"]
    assert [match.group(0) for match in RAW_TEX.finditer("it costs $5 or $6, and $$ too")] == ["$$"]


def test_the_build_date_is_the_last_commits_day(site):
    """The one date in the site (sitemap.xml.gz's header) comes from git, not from the clock."""
    commit = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, check=True)
    commit_day = int(commit.stdout) - int(commit.stdout) % 86400
    header = (site / "sitemap.xml.gz").read_bytes()[:8]
    assert struct.unpack("<I", header[4:8])[0] == commit_day
