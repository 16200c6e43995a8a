"""sitegen.mathml: TeX in Markdown becomes MathML; code is untouched; unsupported TeX fails loudly."""

import re
import xml.etree.ElementTree as etree

import markdown
import pytest

from sitegen.mathml import MATHML_NAMESPACE, MathError, latex_to_mathml

MATH_ELEMENT = re.compile(r"<math\b.*?</math>", re.DOTALL)


def render(text: str) -> str:
    extensions = ["sitegen.mathml", "pymdownx.superfences", "pymdownx.inlinehilite", "pymdownx.highlight",
                  "admonition", "tables", "toc"]
    return markdown.Markdown(extensions=extensions).convert(text)


def maths(html: str) -> list[etree.Element]:
    return [etree.fromstring(match) for match in MATH_ELEMENT.findall(html)]


def local(element: etree.Element) -> str:
    return element.tag.rpartition("}")[2]


def tokens(math: etree.Element, tag: str) -> list[str]:
    return [element.text or "" for element in math.iter() if local(element) == tag]


def only(elements: list) -> etree.Element:
    assert len(elements) == 1, elements
    return elements[0]


def parse(tex: str, display: bool = False) -> etree.Element:
    return etree.fromstring(latex_to_mathml(tex, display))


# --- Markdown ------------------------------------------------------------------------------------

def test_inline_math_becomes_one_inline_math_element_with_the_tex_as_alttext():
    html = render("The previous state $H_{t-1}$ is kept.")
    math = only(maths(html))
    assert math.tag == f"{{{MATHML_NAMESPACE}}}math"
    assert math.get("display") == "inline"
    assert math.get("alttext") == "H_{t-1}"
    assert '<span class="gr-math"><math' in html
    assert html.startswith("<p>The previous state ") and html.endswith(" is kept.</p>")
    assert "$" not in html


@pytest.mark.parametrize("text,wrapped", [
    ("and $b$. A loss", '<p>and <span class="gr-math"><math>.</span> A loss</p>'),
    ("in $\\pm 1/\\sqrt{n}$.", '<p>in <span class="gr-math"><math>.</span></p>'),
    ("$U$, $W$ and ($b$): $H_t$'s", '<p><span class="gr-math"><math>,</span> <span class="gr-math"><math></span> and '
     '<span class="gr-math">(<math>):</span> <span class="gr-math"><math>&#x27;</span>s</p>'),
    ("see [$x$](a.md).", '<p>see <a href="a.md"><span class="gr-math"><math></span></a>.</p>'),  # links stay links
])
def test_punctuation_written_against_inline_math_shares_its_wrapper(text, wrapped):
    """site.css keeps a .gr-math on one line, so no "." starts a line on its own."""
    html = render(text)
    assert len(maths(html)) == text.count("$") // 2
    assert MATH_ELEMENT.sub("<math>", html) == wrapped


def test_display_math_block_spans_lines_and_its_lines_are_not_read_as_markdown():
    html = render("Before.\n\n$$\nH_t = u_t\n- 1\n==\n2\n$$\n\nAfter.")
    math = only(maths(html))
    assert math.get("display") == "block"
    assert "<h1" not in html  # "- 1" over "==" stayed inside the formula instead of becoming a heading
    assert tokens(math, "mn") == ["1", "2"]
    assert '<div class="gr-math-display"><math' in html


def test_display_math_inside_a_paragraph_and_a_list_item():
    html = render("- where $$a = b$$ holds\n\n    $$\n    c\n    $$\n")
    inside_paragraph, indented_block = maths(html)
    assert inside_paragraph.get("display") == indented_block.get("display") == "block"
    assert tokens(inside_paragraph, "mi") == ["a", "b"]
    assert tokens(indented_block, "mi") == ["c"]


@pytest.mark.parametrize("text", [
    "Code `$x$` and `$$y$$`.",
    "```python\nprice = '$x$'\ntotal = '$$y$$'\n```",
    "Before.\n\n    indented = '$x$'\n",
])
def test_math_inside_code_is_left_alone(text):
    html = render(text)
    assert not maths(html)
    assert "$x$" in html


def test_escaped_dollar_is_a_literal_dollar_and_prices_are_not_math():
    html = render(r"It costs \$5, or $5 to $6, not $x$.")
    assert len(maths(html)) == 1
    assert html.count("&#36;") == 1  # an entity: no "$" that looks like a delimiter reaches the page
    assert "$5 to $6" in html


def test_math_in_tables_admonitions_and_headings():
    html = render("# Gate $u$\n\n| a | b |\n|---|---|\n| $x$ | $\\lvert y \\rvert$ |\n\n"
                  "!!! note\n    $z$\n")
    assert [tokens(math, "mi") for math in maths(html)] == [["u"], ["x"], ["y"], ["z"]]
    assert "\\" not in re.sub(r'alttext="[^"]*"', "", html)


@pytest.mark.parametrize("text, fragment", [
    ("a $\\foo$ b", "\\foo"),
    ("$$\nH\n\nmore\n$$", "unclosed $$"),
])
def test_markdown_with_bad_math_raises_naming_the_tex(text, fragment):
    with pytest.raises(MathError) as error:
        render(text)
    assert fragment in str(error.value)


# --- latex_to_mathml: structure --------------------------------------------------------------------

def test_greek_operators_and_subscripts():
    math = parse(r"\sigma(x) \odot H_{t-1}")
    assert tokens(math, "mi")[0] == "\N{GREEK SMALL LETTER SIGMA}"
    assert "\N{CIRCLED DOT OPERATOR}" in tokens(math, "mo")
    subscript = only([element for element in math.iter() if local(element) == "msub"])
    base, index = list(subscript)
    assert base.text == "H"
    assert [element.text for element in index.iter() if local(element) in ("mi", "mo", "mn")] == \
        ["t", "\N{MINUS SIGN}", "1"]


def test_tilde_sits_over_its_letter_only():
    over = only([element for element in parse(r"\tilde{H}_t").iter() if local(element) == "mover"])
    base, tilde = list(over)
    assert [element.text for element in base.iter() if local(element) == "mi"] == ["H"]
    assert tilde.text == "~"


@pytest.mark.parametrize("tex, tag, text", [
    (r"\tanh(x)", "mi", "tanh"),
    (r"\operatorname{diag}(x)", "mo", "diag"),
    (r"\text{if } x > 0", "mtext", "if\N{NO-BREAK SPACE}"),
    (r"\mathbf{W}", "mi", "\N{MATHEMATICAL BOLD CAPITAL W}"),
    (r"\mathrm{d}x", "mi", "d"),
    (r"a \cdot b", "mo", "\N{MIDDLE DOT}"),
])
def test_named_constructs_become_the_expected_token(tex, tag, text):
    math = parse(tex)
    assert text in tokens(math, tag)
    if tex.startswith(r"\mathrm"):
        upright = [element for element in math.iter() if element.text == "d"]
        assert only(upright).get("mathvariant") == "normal"


def test_transpose_is_a_superscript_down_tack():
    superscript = only([element for element in parse(r"W^\top").iter() if local(element) == "msup"])
    assert [element.text for element in superscript] == ["W", "\N{DOWN TACK}"]


def test_left_right_makes_stretchy_fences():
    fences = [element for element in parse(r"\left( \frac{1}{2} \right)").iter() if local(element) == "mo"]
    assert [fence.text for fence in fences] == ["(", ")"]
    assert all(fence.get("stretchy") == "true" for fence in fences)


@pytest.mark.parametrize("tex, rows, columns", [
    ("\\begin{aligned} H_t &= a \\\\ C_t &= b \\end{aligned}", 2, 2),
    ("\\begin{bmatrix} 1 & 2 & 3 \\\\ 4 & 5 & 6 \\end{bmatrix}", 2, 3),
])
def test_environments_become_tables(tex, rows, columns):
    math = parse(tex, display=True)
    table_rows = [element for element in math.iter() if local(element) == "mtr"]
    assert len(table_rows) == rows
    assert all(len([cell for cell in row if local(cell) == "mtd"]) == columns for row in table_rows)
    assert not any("&" in (element.text or "") for element in math.iter())
    assert math.get("alttext") == " ".join(tex.split())


def test_output_is_standalone_mathml_for_generators():
    html = latex_to_mathml(r"H_t = u_t \odot H_{t-1}", display=True)
    assert html.startswith(f'<math xmlns="{MATHML_NAMESPACE}" display="block" alttext=')
    assert latex_to_mathml(r"x_t") == latex_to_mathml(r"x_t")


# --- latex_to_mathml: what it refuses --------------------------------------------------------------

@pytest.mark.parametrize("tex, fragment", [
    (r"\foo + 1", r"'\\foo'"),
    (r"\label{eq:gru}", r"'\\label'"),
    (r"\frac{1}", "<mfrac> has 1 parts"),
    (r"x^{2", "never closed"),
    (r"x}", "closes no"),
    (r"\begin{align} a \end{align}", "environment 'align'"),
    (r"a \\ b", "line break"),
    (r"\boldsymbol{x}", "mathvariant"),
    (r"\text{GRU & LSTM}", "malformed"),
    (r"\newcommand{\x}{y}", "macro definitions"),
    (r"\sigma\!(x)", "ignored by browsers"),
    (r"\boxed{x}", "menclose"),
    (r"\begin{bmatrix} a \end{bmatrix}^\top", "wrap it in braces"),
    ("  ", "empty"),
])
def test_unsupported_tex_raises_a_value_error_naming_the_tex(tex, fragment):
    with pytest.raises(ValueError) as error:
        latex_to_mathml(tex)
    assert isinstance(error.value, MathError)
    assert repr(tex) in str(error.value)
    assert fragment in str(error.value)


def test_tex_must_be_a_string():
    with pytest.raises(MathError, match="must be a str"):
        latex_to_mathml(None)
