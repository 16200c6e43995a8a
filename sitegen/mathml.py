r"""TeX math in Markdown -> MathML at build time, so the site needs no JavaScript math library.

In a page: inline `$H_{t-1}$`, display `$$ ... $$` (may span lines, but no blank line inside), `\$` for a
literal dollar. Code spans and code blocks are left alone. Fence formatters that emit HTML never pass
through this extension: they call `latex_to_mathml(tex, display=False)` themselves.

The converter is latex2mathml (pinned 3.81.1). Its output is checked here, because for TeX it does not
understand it returns broken markup instead of failing: an unknown `\foo` comes out as the visible text
"\foo", `\frac{1}` as a fraction with one part, `\begin{aligned}` as a row with a stray "&". Anything
outside the subset below raises MathError (a ValueError) naming the TeX; MkDocs prefixes the page
("Error reading page 'gru.md': ...").

Checked to come out as correct MathML Core (what Chromium and Firefox render):
  letters, digits, Greek (\sigma, \Delta); + - = < > \cdot \odot \otimes \times \le \approx \to \in
  sub- and superscripts H_{t-1}, W^\top, x_t^{(l)}, f'
  \frac \sqrt \sum \prod \max \min; \tanh \exp \log (upright); \operatorname{softmax}
  accents \tilde{H} \hat \bar \dot \vec, \overline
  \mathbf{W} (single letters), \mathbb{R}, \mathcal{L}, \mathrm{ab}, \mathrm{d} (rewritten to {\rm d}:
    latex2mathml loses the upright style of a single letter), \text{...}, \textrm, \mbox
  ( ) [ ] \{ \} | \| \lvert \rvert, \left( ... \right), \big( \bigr)
  environments: aligned (rewritten to align*, which latex2mathml turns into a real table), align*,
    split, matrix, pmatrix, bmatrix, Bmatrix, vmatrix, Vmatrix, smallmatrix, cases, array
  spacing \, \: \; \quad \qquad ~
Rejected:
  unknown commands (\label, \eqref, typos), macro definitions (\def, \newcommand), unbalanced braces,
  a missing argument (\frac{1}), any other environment (align numbers every formula from (1);
  equation/gather leak "&"), a line break \\ outside an environment (browsers ignore MathML line breaks),
  \boldsymbol \bm \mathbf{ab} \mathbf{1} \textbf (browsers ignore every mathvariant but "normal"),
  \! (a named space browsers ignore), \boxed \cancel (menclose is not rendered by browsers),
  & < > \& inside \text{} (latex2mathml does not escape them), an environment directly followed by
  ^ or _ (write {\begin{bmatrix} ... \end{bmatrix}}^\top).
In a Markdown table write \vert or \lvert x \rvert instead of |, which would split the cell.
"""

import functools
import re
import xml.etree.ElementTree as etree
from html import escape

from latex2mathml.converter import convert
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# Wrappers of math written in Markdown. A bare <math> would lose its paragraph (Python-Markdown unwraps
# a <p> holding only a block-level tag, and <math> is one); site.css lets wide display formulas scroll.
INLINE_CLASS = "gr-math"
DISPLAY_CLASS = "gr-math-display"

ENVIRONMENTS = frozenset({"aligned", "align*", "split", "matrix", "pmatrix", "bmatrix", "Bmatrix",
                          "vmatrix", "Vmatrix", "smallmatrix", "cases", "array"})
_REWRITES = (
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{align*}"),
    (re.compile(r"\\mathrm\{\s*([A-Za-z])\s*\}"), r"{\\rm \1}"),
)
_MACRO_DEFINITION = re.compile(r"\\(def|gdef|edef|let|newcommand|renewcommand|providecommand)(?![A-Za-z])")
_ENVIRONMENT = re.compile(r"\\begin\s*\{([^}]*)\}")

_TOKENS = frozenset({"mi", "mo", "mn", "mtext"})
_PARTS = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mover": 2, "munder": 2, "munderover": 3,
          "mroot": 2}
_CONTAINERS = frozenset({"math", "mrow", "mstyle", "mpadded", "mphantom", "msqrt", "mtable", "mtr", "mtd",
                         "mspace"})
_LENGTH = re.compile(r"\d*\.?\d+(em|ex|px|pt)$")


class MathError(ValueError):
    """TeX that cannot be turned into correct MathML."""


def latex_to_mathml(tex: str, display: bool = False) -> str:
    """One `<math>` element for `tex`, with the TeX as its text alternative (alttext)."""
    if not isinstance(tex, str):
        raise MathError(f"latex_to_mathml: tex must be a str, got {type(tex).__name__}")
    return _convert(tex, bool(display))


@functools.lru_cache(maxsize=None)
def _convert(tex: str, display: bool) -> str:
    source = tex.strip()
    if not source:
        raise _error(tex, "the formula is empty")
    _check_source(tex)
    for pattern, replacement in _REWRITES:
        source = pattern.sub(replacement, source)
    try:
        markup = convert(source, xmlns="", display="block" if display else "inline")
    except Exception as error:  # latex2mathml's own exception types carry no message
        raise _error(tex, f"latex2mathml failed with {type(error).__name__}") from error
    try:
        root = etree.fromstring(markup)
    except etree.ParseError as error:
        raise _error(tex, "latex2mathml produced malformed markup: an '&' outside an environment, "
                          "or &, <, > inside \\text{}") from error
    for element in root.iter():
        _check_element(tex, element)
    root.attrib = {"xmlns": MATHML_NAMESPACE, "display": "block" if display else "inline",
                   "alttext": " ".join(tex.split())}
    return etree.tostring(root, encoding="unicode")


def _error(tex: str, reason: str) -> MathError:
    return MathError(f"cannot convert TeX math {tex!r} to MathML: {reason} "
                     "(the supported TeX is listed in sitegen/mathml.py)")


def _check_source(tex: str) -> None:
    depth = 0
    position = 0
    while position < len(tex):
        character = tex[position]
        if character == "\\":
            position += 2  # an escaped brace \{ does not count
            continue
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            raise _error(tex, f"'}}' at offset {position} closes no '{{'")
        position += 1
    if depth:
        raise _error(tex, f"{depth} '{{' never closed")
    if definition := _MACRO_DEFINITION.search(tex):
        raise _error(tex, f"macro definitions ({definition.group(0)}) are not supported")
    for name in _ENVIRONMENT.findall(tex):
        if name not in ENVIRONMENTS:
            raise _error(tex, f"environment {name!r} is not supported; use one of {sorted(ENVIRONMENTS)}")


def _check_element(tex: str, element: etree.Element) -> None:
    tag = element.tag
    if tag in _TOKENS:
        if len(element):
            raise _error(tex, f"<{tag}> with markup inside (\\mathop, \\mathbin?) is not valid MathML")
        if command := re.search(r"\\([A-Za-z]+|.)", element.text or ""):
            raise _error(tex, f"unknown or unsupported command {command.group(0)!r}")
    elif tag in _PARTS:
        if len(element) != _PARTS[tag]:
            raise _error(tex, f"<{tag}> has {len(element)} parts instead of {_PARTS[tag]}: a missing "
                              "argument, or an environment directly followed by ^ or _ (wrap it in braces)")
    elif tag not in _CONTAINERS:
        raise _error(tex, f"<{tag}> is not rendered by browsers")
    if "linebreak" in element.attrib:
        raise _error(tex, "a line break \\\\ outside aligned/matrix is ignored by browsers")
    if tag == "mspace" and not _LENGTH.match(element.get("width", "0em")):
        raise _error(tex, f"space {element.get('width')!r} (\\!?) is ignored by browsers")
    if element.get("mathvariant", "normal") != "normal":
        raise _error(tex, f"mathvariant {element.get('mathvariant')!r} (\\boldsymbol, \\bm, \\mathbf of "
                          "a digit or several letters?) is ignored by browsers")


_ESCAPED_DOLLAR = r"(?P<dollar>\\\$)"
_DISPLAY = r"\$\$(?P<display>(?:\\.|[^\\$\x02\x03])+?)\$\$"
_UNCLOSED_DISPLAY = r"(?P<unclosed>\$\$)"
# Punctuation written against inline math stays on its line: "$b$." is one unbreakable unit (a line
# may otherwise break between a <math> and the text around it, leaving the "." alone at a line's start).
# Not [ or ]: those belong to Markdown's links, which run after this processor.
OPENING = "(‘“"
CLOSING = ".,;:!?)’”'-"
# pandoc's rule, so that "costs \$5 or \$6" and "$5 to $6" stay text: no space inside the dollars and
# no digit right after the closing one.
_INLINE = (rf"(?P<open>[{re.escape(OPENING)}]?)"
           r"\$(?![\s$])(?P<inline>(?:\\.|[^\\$\x02\x03])+?)(?<!\s)\$(?!\d)"
           rf"(?P<close>[{re.escape(CLOSING)}]*)")
MATH_PATTERN = "|".join((_ESCAPED_DOLLAR, _DISPLAY, _UNCLOSED_DISPLAY, _INLINE))


class MathInlineProcessor(InlineProcessor):
    """`$...$`, `$$...$$` inside a paragraph, and `\\$`."""

    def handleMatch(self, match, data):
        if match.group("dollar"):
            html = "&#36;"  # an entity, so that no "$" that looks like a math delimiter reaches the page
        elif match.group("unclosed"):
            near = data[match.start():match.start() + 60]
            raise MathError(f"unclosed $$ display math near {near!r} (no blank line may occur inside "
                            "$$ ... $$; write \\$ for a literal dollar)")
        elif match.group("display") is not None:
            html = _display_html(match.group("display"))
        else:
            math = latex_to_mathml(match.group("inline"))
            html = inline_math_html(math, match.group("open"), match.group("close"))
        return self.md.htmlStash.store(html), match.start(0), match.end(0)


class DisplayMathBlockProcessor(BlockProcessor):
    """A block that is only `$$ ... $$`: taken before lists or headings can read its lines as Markdown."""

    BLOCK = re.compile(r"\$\$(?P<tex>(?:\\.|[^\\$])+?)\$\$\s*$", re.DOTALL)

    def test(self, parent, block):
        return self.BLOCK.match(block) is not None

    def run(self, parent, blocks):
        tex = self.BLOCK.match(blocks.pop(0)).group("tex")
        placeholder = self.parser.md.htmlStash.store(_display_html(tex, tag="div"))
        etree.SubElement(parent, "p").text = AtomicString(placeholder)  # unwrapped again by Markdown


def inline_math_html(math: str, before: str = "", after: str = "") -> str:
    """Inline MathML in its wrapper, with the punctuation written against it (site.css: no wrap inside)."""
    return f'<span class="{INLINE_CLASS}">{escape(before)}{math}{escape(after)}</span>'


def _display_html(tex: str, tag: str = "span") -> str:
    """Display MathML in its wrapper (site.css lets a wide formula scroll)."""
    return f'<{tag} class="{DISPLAY_CLASS}">{latex_to_mathml(tex, display=True)}</{tag}>'


class MathExtension(Extension):
    def extendMarkdown(self, md):
        # After code spans (190), before backslash escapes (180) and emphasis, which would eat TeX.
        md.inlinePatterns.register(MathInlineProcessor(MATH_PATTERN, md), "gr_math", 185)
        # After indented code (80), before tables (75), headings and lists.
        md.parser.blockprocessors.register(DisplayMathBlockProcessor(md.parser), "gr_math_display", 78)


def makeExtension(**kwargs):
    return MathExtension(**kwargs)
