"""Printing: each page of the navigation printed to PDF by headless Chromium, on the page size
site.css asks for (A4), at full size (Chrome shrinks a page whose content is wider than the paper:
the body text would fall under 10 pt), with nothing clipped. Prints the page counts."""
import re
import zlib

from test_layout import OVERFLOWS, SETTLED

A4 = (595.92, 842.88)  # points, as Chromium writes the MediaBox of 210 x 297 mm
PRINTED_WIDTH = 688  # CSS px: A4 less the 14 mm side margins of site.css's @page
SMALLEST_TEXT = 10.0  # points
OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.DOTALL)
MATRIX = re.compile(rb"([-\d.e]+) ([-\d.e]+) ([-\d.e]+) ([-\d.e]+) [-\d.e]+ [-\d.e]+ cm")

# The smallest font size of running text (paragraphs, list items, table cells) in the article.
TEXT_SIZES = r"""() => Math.min(...[...document.querySelectorAll("article p, article li, article td, article th")]
  .filter(element => element.getBoundingClientRect().height > 1 && element.textContent.trim())
  .map(element => parseFloat(getComputedStyle(element).fontSize)))"""


def pdf_pages(pdf: bytes):
    """(MediaBox, points per CSS px) of each page. Chromium's PDF backend (Skia) starts a page's
    content with the CSS px to pt transform (0.24, in units of 1/300 in) and then the printing
    scale: 3.125 at full size, less when Chrome shrank the page to fit."""
    objects = {int(number): body for number, body in OBJECT.findall(pdf)}
    found = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        box = tuple(float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", body).group(1).split())
        stream = objects[int(re.search(rb"/Contents\s+(\d+) 0 R", body).group(1))]
        data = re.search(rb"stream\r?\n(.*)\r?\nendstream", stream, re.DOTALL).group(1)
        content = zlib.decompress(data) if b"/FlateDecode" in stream.split(b"stream", 1)[0] else data
        matrices = [[float(v) for v in matrix] for matrix in MATRIX.findall(content)]
        scales = [a for a, b, c, d in matrices[1:] if b == c == 0 and a == d and a not in (0.0, 1.0)]
        found.append((box, abs(matrices[0][0]) * scales[0] if matrices and scales else None))
    return found


def test_every_page_prints_on_a4_at_full_size_with_nothing_clipped(browser, site_url, pages):
    url, _ = site_url
    context = browser.new_context(viewport={"width": PRINTED_WIDTH, "height": 1000})
    page = context.new_page()
    problems, counts = [], {}
    try:
        for name in pages:
            page.goto(url + name, wait_until="load")
            page.emulate_media(media="print")
            page.evaluate(SETTLED)
            # as Chrome lays the page out on paper: the print style sheets, the paper's width
            problems += [f"{name}: {problem}" for problem in page.evaluate(OVERFLOWS, False)]
            smallest_px = page.evaluate(TEXT_SIZES)
            printed = pdf_pages(page.pdf(prefer_css_page_size=True))
            counts[name] = len(printed)
            for number, (box, points_per_px) in enumerate(printed, start=1):
                size = (box[2] - box[0], box[3] - box[1])
                if any(abs(a - b) > 1 for a, b in zip(size, A4)):
                    problems.append(f"{name} page {number}: {size[0]:.1f} x {size[1]:.1f} pt, not A4")
                if points_per_px is None:
                    problems.append(f"{name} page {number}: no printing scale found in the PDF")
                elif smallest_px * points_per_px < SMALLEST_TEXT - 0.05:
                    problems.append(f"{name} page {number}: text at {smallest_px * points_per_px:.1f} pt "
                                    f"({smallest_px:.1f} px at {points_per_px:.3f} pt/px)")
    finally:
        context.close()
    print("\nprinted pages (A4): " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    assert not problems, "\n".join(problems)

