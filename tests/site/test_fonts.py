"""The served math font: cut to the characters the pages draw, still able to stretch brackets."""
import io
import unicodedata

from fontTools.ttLib import TTFont

from sitegen import fonts


def test_italic_forms_are_the_mathematical_italic_code_points():
    """Checked against Unicode's own names, not against the offsets fonts.py computes them with."""
    for char, name in [("x", "MATHEMATICAL ITALIC SMALL X"), ("A", "MATHEMATICAL ITALIC CAPITAL A"),
                       ("\u03c3", "MATHEMATICAL ITALIC SMALL SIGMA"), ("\u03a9", "MATHEMATICAL ITALIC CAPITAL OMEGA"),
                       ("\u03d5", "MATHEMATICAL ITALIC PHI SYMBOL"),
                       ("\u2202", "MATHEMATICAL ITALIC PARTIAL DIFFERENTIAL")]:
        assert unicodedata.name(fonts.italic(char)) == name
    assert unicodedata.name(fonts.italic("h")) == "PLANCK CONSTANT"
    for char in "0+(⊙":
        assert fonts.italic(char) == char


def test_math_characters_are_read_from_math_elements_only():
    page = ('<p>plain text q</p><math><mi>x</mi><mo>&#x2299;</mo><mn>2</mn></math>'
            '<code>z</code><math display="block"><mi>&sigma;</mi></math>')
    chars = fonts.math_characters([page])
    assert set(chars) == {"x", "\u2299", "2", "\u03c3", fonts.italic("x"), fonts.italic("\u03c3")}


def test_the_subset_keeps_the_characters_and_the_stretchy_bracket_variants():
    data = fonts.subset_woff2("()[]x" + fonts.italic("x"))
    font = TTFont(io.BytesIO(data))
    assert font.flavor == "woff2"
    cmap = font.getBestCmap()
    assert {ord(c) for c in "()[]"} | {ord(fonts.italic("x"))} <= set(cmap)
    assert ord("y") not in cmap
    variants = font["MATH"].table.MathVariants
    stretchy = dict(zip(variants.VertGlyphCoverage.glyphs, variants.VertGlyphConstruction))
    parenleft = stretchy[cmap[ord("(")]]
    assert parenleft.VariantCount > 1 and parenleft.GlyphAssembly is not None
    kept = set(font.getGlyphOrder())
    assert {record.VariantGlyph for record in parenleft.MathGlyphVariantRecord} <= kept
    assert len(data) < 20_000  # the whole font is over 1 MB


def test_the_subset_is_the_same_every_time():
    assert fonts.subset_woff2("(x)") == fonts.subset_woff2("(x)")
