"""gru-notes: the lecture notes on paper.

  gru-notes pdf [--chapter NAME] [--site DIR] -o PATH

Builds the site (`mkdocs build --strict`, into a temporary folder; or takes an already built site with
--site), prints each chapter page with headless Chromium as the browser prints it (print style sheets,
A4 from site.css's @page, backgrounds, web fonts loaded) and joins the chapters, in the order of the
navigation, into one PDF with a bookmark per chapter. The chapters are quiz/bank.py's CHAPTERS.

Needs the `pdf` extra (playwright, pypdf; the `test` extra includes it) and a Chromium: Debian's at
/usr/bin/chromium, else Playwright's own. Errors name the argument or what to install; no traceback.
"""
import argparse
import importlib
import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from quiz.bank import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mkdocs.yml"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package, as the browser tests use (tests/install_browser.py)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
SETTLED = "document.fonts.ready.then(() => new Promise(done => requestAnimationFrame(() => done(true))))"
# The page's first heading without the permalink mark that toc adds to it.
TITLE = """() => { const h1 = document.querySelector("article h1").cloneNode(true);
  h1.querySelectorAll(".headerlink").forEach(link => link.remove()); return h1.textContent.trim(); }"""


class Failure(Exception):
    """A problem to report in one line, without a traceback."""


def need(*modules):
    """Fail naming what to install before any work, if a library is missing."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise Failure(f"the Python package {module.split('.')[0]} is missing: pip install -e '.[pdf]'") from None


def site_name():
    match = re.search(r"^site_name:\s*(.+)$", CONFIG.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip() if match else "GRU vs LSTM"


def build(site_dir):
    if not CONFIG.exists():
        raise Failure(f"no mkdocs.yml at {CONFIG}: run from a checkout of the repository, or give --site DIR")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
               "--config-file", str(CONFIG), "--site-dir", str(site_dir)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"mkdocs build --strict failed (needs the `site` extra):\n{done.stdout}{done.stderr}")


def print_chapters(site_dir, chapters):
    """[(title, PDF bytes)] of each chapter page, printed by Chromium."""
    from playwright.sync_api import Error, sync_playwright

    printed = []
    with sync_playwright() as playwright:
        try:
            if CHROMIUM.exists():
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            else:
                browser = playwright.chromium.launch(args=CHROMIUM_ARGS)
        except Error as error:
            raise Failure(f"no Chromium to print with: install Debian's chromium (sudo apt-get install chromium) "
                          f"or run `playwright install chromium`\n({str(error).splitlines()[0]})") from None
        try:
            page = browser.new_page()
            page.emulate_media(media="print")
            for chapter in chapters:
                html = site_dir / f"{chapter}.html"
                if not html.exists():
                    raise Failure(f"argument --site: {site_dir} has no {html.name}; expected a built site")
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.evaluate(SETTLED)
                printed.append((page.evaluate(TITLE),
                                page.pdf(prefer_css_page_size=True, print_background=True)))
        finally:
            browser.close()
    return printed


def write_pdf(printed, output, title):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for chapter_title, pdf in printed:
        writer.append(io.BytesIO(pdf), outline_item=chapter_title)
    writer.add_metadata({"/Title": title})
    with open(output, "wb") as file:
        writer.write(file)
    return len(writer.pages)


def parser():
    main = argparse.ArgumentParser(prog="gru-notes", description="The lecture notes as a document to print.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pdf = commands.add_parser("pdf", help="write the lecture notes (or one chapter) as one PDF",
                              description="Print the chapters with headless Chromium (A4, as the site prints) "
                                          "and join them, in the navigation's order, into one PDF.")
    pdf.add_argument("--chapter", metavar="NAME", help=f"one chapter: {', '.join(CHAPTERS)} (default: all)")
    pdf.add_argument("--site", metavar="DIR", type=Path,
                     help="an already built site (default: build it with mkdocs build --strict)")
    pdf.add_argument("-o", "--output", metavar="PATH", type=Path, required=True, help="the .pdf file to write")
    return main


def main(argv=None):
    arguments = parser()
    args = arguments.parse_args(argv)

    def fail(message):
        arguments.exit(2, f"gru-notes: error: {message}\n")

    if args.chapter is not None and args.chapter not in CHAPTERS:
        fail(f"argument --chapter: unknown chapter {args.chapter!r}; expected one of {', '.join(CHAPTERS)}")
    if args.output.is_dir():
        fail(f"argument -o/--output: {args.output} is a folder; expected a file to write")
    if not args.output.parent.exists():
        fail(f"argument -o/--output: the folder {args.output.parent} does not exist")
    if args.site is not None and not (args.site / "index.html").is_file():
        fail(f"argument --site: {args.site} has no index.html; expected a folder built by mkdocs build")
    chapters = [args.chapter] if args.chapter else list(CHAPTERS)
    try:
        need("playwright.sync_api", "pypdf")
        with tempfile.TemporaryDirectory(prefix="gru-notes-") as temporary:
            site_dir = args.site
            if site_dir is None:
                site_dir = Path(temporary) / "site"
                build(site_dir)
            printed = print_chapters(site_dir, chapters)
        title = site_name() if args.chapter is None else f"{site_name()}: {printed[0][0]}"
        pages = write_pdf(printed, args.output, title)
    except Failure as failure:
        print(f"gru-notes: error: {failure}", file=sys.stderr)
        return 1
    print(f"gru-notes: wrote {args.output}: {', '.join(chapters)}, {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
