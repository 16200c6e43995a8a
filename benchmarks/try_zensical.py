"""Build the site with Zensical, from the same mkdocs.yml, and report what it renders: see ZENSICAL.md.

    python benchmarks/try_zensical.py [--timeout 600] [--keep DIR] [--screenshot PNG]

Material for MkDocs names Zensical as its successor. This script
  1. makes its own venv in .cache/zensical-venv (git-ignored) with zensical==ZENSICAL_VERSION and
     the libraries our Markdown extension and fences import, at the versions pyproject.toml pins
     for the site (no MkDocs, no Material, no Jupyter: Zensical does not load MkDocs plugins);
  2. copies what a build reads into a temporary folder (sitegen.cache.copy_project), with an empty
     fragment cache, and runs `zensical build -f mkdocs.yml` there with a timeout;
  3. prints the exit status, the wall time, the build's warnings and errors, the pages written and,
     per feature, whether the built site has it; then it runs our hook's post-build step (the math
     font subset, sitegen.fonts.write_subset) on the built site as a separate command.

It exits non-zero only when it cannot do that (the venv cannot be made, the build times out or
writes no site); a feature Zensical lacks is a "no" in the table, not a failure. It is informative:
no test or CI step runs it.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from sitegen import cache  # noqa: E402  (stdlib only: copies the project)

ZENSICAL_VERSION = "0.0.73"
VENV = ROOT / ".cache" / "zensical-venv"
# What sitegen's fences and sitegen.mathml import, and what sitegen.cache asks the version of
# (cache.LIBRARIES); pymdown-extensions, markdown, pygments and pyyaml also come with Zensical.
# mkdocstrings: Zensical runs it itself for the API page, and stops when it is missing (it brings MkDocs).
NEEDED = ("numpy", "pymdown-extensions", "latex2mathml", "pyyaml", "fonttools", "brotli", "pydantic",
          "mkdocstrings", "mkdocstrings-python", "griffelib", "mkdocs-autorefs")


def pinned_requirements():
    """NEEDED at the versions the site's extra pins, so the fragments are those a MkDocs build makes."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["site"]
    pins = {re.split(r"[=<>~! \[]", spec, maxsplit=1)[0].lower(): spec for spec in extras}
    return [f"zensical=={ZENSICAL_VERSION}"] + [pins.get(name, name) for name in NEEDED]


def ensure_venv():
    """The venv's python, made (or brought to these requirements) when its stamp differs."""
    python = VENV / "bin" / "python"
    requirements = pinned_requirements()
    stamp = VENV / "requirements.txt"
    if python.exists() and stamp.exists() and stamp.read_text() == "\n".join(requirements):
        return python
    print(f"making {VENV.relative_to(ROOT)}: {' '.join(requirements)}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              *requirements], capture_output=True, text=True)
    if install.returncode != 0:
        sys.exit(f"pip install failed:\n{install.stdout}\n{install.stderr}")
    stamp.write_text("\n".join(requirements))
    return python


QUIZ = r'class="gr-quiz"'
SUBSET = "import sys; from sitegen import fonts; fonts.write_subset(sys.argv[1])"


def count(pattern, text):
    return len(re.findall(pattern, text))


EXERCISE = r'class="gr-exercise"'


def page(site, name):
    path = site / name
    return path.read_text(encoding="utf-8") if path.exists() else ""


def checks(site):
    """(feature, yes/no, evidence) for what our MkDocs build has."""
    gru = page(site, "gru.html")
    practice = page(site, "practice.html")
    index = page(site, "index.html")
    api = page(site, "api.html")
    printed = page(site, "print.html")
    decks = sorted(p.name for p in (site / "slides").glob("*.html")) if (site / "slides").is_dir() else []
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}
    unrendered = sorted(name for name, text in pages.items() if "language-gru-" in text or "```gru-" in text)
    notebooks = sorted(p.name for p in (site / "notebooks").glob("*")) if (site / "notebooks").is_dir() else []
    font = site / "assets" / "fonts" / "stix-two-math.woff2"  # sitegen.fonts.SERVED
    search = sorted(p.relative_to(site).as_posix() for p in site.glob("search*")) + \
        sorted(p.relative_to(site).as_posix() for p in (site / "search").glob("*") if (site / "search").is_dir())
    rows = [
        ("gru-diagram fence (gru.html: SVG class gr-diagram)", count(r'class="gr-diagram', gru) > 0,
         f'{count(r"class=.gr-diagram", gru)} diagrams, {count(r"<svg", gru)} <svg>'),
        ("figures (gru.html: class gr-figure)", count(r'class="gr-figure', gru) > 0,
         f'{count(r"class=.gr-figure", gru)} figures'),
        ("gru-quiz fence (class gr-quiz + its JSON data)", "gr-q-data" in gru,
         f"gru.html {count(QUIZ, gru)} quizzes, practice.html {count(QUIZ, practice)}"),
        ("gru-explore fence (gr-explore-data)", "gr-explore-data" in gru,
         f'{count("gr-explore-data", gru)} in gru.html'),
        ("sitegen.mathml: MathML <math>", "<math" in gru,
         f'gru.html {count("<math", gru)}, practice.html {count("<math", practice)}'),
        ("no fence left unrendered (language-gru-*)", not unrendered, ", ".join(unrendered) or "none"),
        ("notebook pages (notebooks/*.html)", any(n.endswith(".html") for n in notebooks),
         ", ".join(notebooks) or "none"),
        ("notebook downloads (notebooks/*.ipynb)", any(n.endswith(".ipynb") for n in notebooks), ""),
        ("search index", bool(search), ", ".join(search) or "none"),
        ("math font subset (hook on_post_build)", font.exists(), str(font.relative_to(site))),
        ('search dialog named "Search the notes" (hook)', 'aria-label="Search the notes"' in index,
         "; ".join(re.findall(r'<div class="md-search"[^>]*>', index)) or "no md-search"),
        ("iframe-worker shim from the site (offline)", 'src="./javascripts/iframe-worker/shim.js"' in gru, ""),
        ("gru-exercises fence (class gr-exercise)", 'class="gr-exercise"' in gru,
         f'gru.html {count(EXERCISE, gru)} exercises'),
        ("API page by mkdocstrings, its docstring math as MathML", "doc-heading" in api and "<math" in api,
         f'api.html {count("doc-heading", api)} doc headings, {count("<math", api)} <math>'),
        ("slide decks (hooks on_files, on_env)", bool(decks), ", ".join(decks) or "no slides/*.html"),
        ("print page filled with the chapters (hook on_page_context)", count("<math", printed) > 0,
         f'print.html {count("<math", printed)} <math>'),
    ]
    return rows


def screenshot(site, target):
    """A screenshot of gru.html opened from disk, with the Playwright of the running interpreter."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update"])
        view = browser.new_page(viewport={"width": 1280, "height": 1600})
        view.goto((site / "gru.html").as_uri())
        view.wait_for_timeout(500)
        view.screenshot(path=str(target))
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600, help="seconds the build may take")
    parser.add_argument("--keep", type=Path, help="copy the built site here")
    parser.add_argument("--screenshot", type=Path, help="screenshot gru.html to this PNG (needs playwright)")
    args = parser.parse_args()

    python = ensure_venv()
    zensical = python.parent / "zensical"
    version = subprocess.run([str(zensical), "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="try-zensical-") as folder:
        project = cache.copy_project(Path(folder) / "project")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRU_REF_CACHE")}
        env.update(PYTHONPATH=str(project), GRU_REF_CACHE_DIR=str(project / ".cache" / "fragments"))
        started = time.perf_counter()
        try:
            run = subprocess.run([str(zensical), "build", "-f", "mkdocs.yml"], cwd=project, env=env,
                                 capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            sys.exit(f"zensical build did not finish in {args.timeout:.0f} s")
        wall = time.perf_counter() - started
        site = project / "site"
        output = (run.stdout + run.stderr).splitlines()
        print(f"{version}; `zensical build -f mkdocs.yml` on a copy of {ROOT.name}, empty fragment cache")
        print(f"exit status {run.returncode}, wall time {wall:.2f} s")
        problems = [line for line in output if re.search(r"warn|error|traceback|exception", line, re.IGNORECASE)]
        print(f"warnings/errors: {len(problems)}")
        for line in problems[:20]:
            print(f"  {line[:200]}")
        print("its output:" if len(output) <= 12 else f"its output (last 12 of {len(output)} lines):")
        for line in output[-12:]:
            print(f"  {line[:200]}")
        if not site.is_dir():
            sys.exit("no site was written")
        written = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
        print(f"pages written ({len(written)}): {', '.join(written)}")
        rows = checks(site)
        width = max(len(name) for name, _, _ in rows) + 3
        print(f"\n{'feature':<{width}}  ok   evidence")
        for name, ok, evidence in rows:
            print(f"{name:<{width}}  {'yes' if ok else 'no ':<3}  {evidence}")
        # Our hook's on_post_build step (sitegen.fonts) as a command of its own after the build: does it work?
        started = time.perf_counter()
        subset = subprocess.run([str(python), "-c", SUBSET, str(site)], cwd=project, env=env,
                                capture_output=True, text=True)
        ok = subset.returncode == 0 and (site / "assets" / "fonts" / "stix-two-math.woff2").exists()
        print(f"{'math font subset as a step after the build':<{width}}  {'yes' if ok else 'no ':<3}  "
              f"{time.perf_counter() - started:.2f} s{'' if ok else ': ' + subset.stderr.strip()[-200:]}")
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(site, args.keep)
            print(f"\nsite copied to {args.keep}")
        if args.screenshot:
            screenshot(args.keep or site, args.screenshot)
            print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
