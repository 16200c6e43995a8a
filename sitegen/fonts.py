"""The math font, cut down at build time to the glyphs the built pages use.

Browsers draw MathML with a math font, which many systems lack, so the site serves its own:
STIX Two Math (SIL OFL 1.1; the licence is served beside it, docs/assets/fonts/STIX-Two-Math-OFL.txt).
The whole font is about 1 MB; the pages use a hundred or so of its glyphs. After each build the
characters inside every page's <math> are collected and the font is subset to them (fontTools),
keeping the MATH table's size variants and assembly parts, so that brackets still stretch.
The subset is cached by its character set (sitegen.cache), so only a new symbol costs a subsetting.
"""
import html
import io
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from . import cache

SOURCE = Path(__file__).resolve().parent / "assets" / "stix-two-math.ttf"
SERVED = Path("assets") / "fonts" / "stix-two-math.woff2"  # where site.css's @font-face looks
MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# MathML Core draws a one-letter <mi> in italic by mapping it into the Mathematical Alphanumeric
# Symbols block (x -> U+1D465), so those code points must be in the font too. Its table:
ITALIC_RANGES = (  # (first, last, first italic)
    ("A", "Z", 0x1D434), ("a", "z", 0x1D44E),
    ("\u0391", "\u03a9", 0x1D6E2),  # capital Alpha..Omega (U+03A2 is unassigned, and so is its image)
    ("\u03b1", "\u03c9", 0x1D6FC),  # small alpha..omega
)
ITALIC_SINGLES = {"h": "\u210e",  # U+1D455 is unassigned: the italic h is the Planck constant
                  "\u0131": "\U0001d6a4", "\u0237": "\U0001d6a5", "\u2207": "\U0001d6fb", "\u2202": "\U0001d715",
                  "\u03f5": "\U0001d716", "\u03d1": "\U0001d717", "\u03f0": "\U0001d718", "\u03d5": "\U0001d719",
                  "\u03f1": "\U0001d71a", "\u03d6": "\U0001d71b"}


def italic(char):
    """The code point MathML Core's automatic italic draws for `char` (itself if none)."""
    if char in ITALIC_SINGLES:
        return ITALIC_SINGLES[char]
    for first, last, start in ITALIC_RANGES:
        if first <= char <= last:
            return chr(start + ord(char) - ord(first))
    return char


def math_characters(pages):
    """Every character drawn inside <math> on these HTML pages, and its automatic italic form."""
    chars = set()
    for page in pages:
        for element in MATH_ELEMENT.findall(page):
            chars.update(html.unescape(TAG.sub("", element)))
    # Italic forms once per distinct character, not per element: that took two thirds of this function,
    # and the print page (sitegen/handouts.py) repeats every chapter's formulas.
    chars.update([italic(c) for c in chars])
    chars.discard("\n")
    return "".join(sorted(chars))


def subset_woff2(characters):
    """STIX Two Math with only these characters (and what the MATH and layout tables reach from them)."""
    options = subset.Options()
    options.layout_features = ["*"]  # keep every feature: math uses ssty, flac and others
    options.hinting = False  # browsers on screens today hint little; a third of the file
    font = TTFont(SOURCE, recalcTimestamp=False)  # keep the source's date: the same bytes at any hour
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def write_subset(site_dir):
    """Subset the math font to the built pages' math and write it where the stylesheet expects it."""
    site_dir = Path(site_dir)
    pages = [path.read_text(encoding="utf-8") for path in sorted(site_dir.rglob("*.html"))]
    characters = math_characters(pages)
    data = cache.blob("fonts.subset_woff2", {"characters": characters}, lambda: subset_woff2(characters))
    target = site_dir / SERVED
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return characters
