"""Short texts written with Markdown's inline marks and $TeX$, turned into inert HTML.

For the text that generated content carries (table cells, quiz prompts and feedback, exercises):
`$x_t$` becomes MathML, `` `code` `` code, `**bold**` and `*emphasis*` themselves, a blank line a new
paragraph; a paragraph that is only `$$TeX$$` display math, one whose lines start with "- " or "1. "
a list, a ```python fenced block highlighted code. Everything else is escaped, so a `<script>`
written in a quiz file shows as text.
"""
import html
import json
import re

from .mathml import CLOSING, DISPLAY_CLASS, OPENING, inline_math_html, latex_to_mathml
from .source import code_html

TOKENS = re.compile(r"(\$[^$]+\$|`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)")
LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.)\s+")
DISPLAY = re.compile(r"^\$\$(.+)\$\$$", re.DOTALL)
CODE_FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def inline_html(text, math=latex_to_mathml):
    """One line of text as HTML: math (through `math`, MathML by default), code, bold and emphasis;
    the rest escaped."""
    parts = []
    tokens = TOKENS.split(str(text))
    for k, part in enumerate(tokens):
        if part.startswith("$") and len(part) > 2 and math is latex_to_mathml:
            # as on the pages (sitegen.mathml), punctuation written against the math stays on its line
            before = ""
            if parts and parts[-1] and parts[-1][-1] in OPENING:
                before, parts[-1] = parts[-1][-1], parts[-1][:-1]
            following = tokens[k + 1] if k + 1 < len(tokens) else ""
            after = following[:len(following) - len(following.lstrip(CLOSING))]
            if after:
                tokens[k + 1] = following[len(after):]
            parts.append(inline_math_html(math(part[1:-1]), before, after))
        elif part.startswith("$") and len(part) > 2:
            parts.append(math(part[1:-1]))
        elif part.startswith("`") and len(part) > 2:
            parts.append(f"<code>{html.escape(part[1:-1], quote=False)}</code>")
        elif part.startswith("**") and len(part) > 4:
            parts.append(f"<strong>{inline_html(part[2:-2], math)}</strong>")
        elif part.startswith("*") and len(part) > 2:
            parts.append(f"<em>{inline_html(part[1:-1], math)}</em>")
        else:
            parts.append(html.escape(part, quote=False))
    return "".join(parts)


def blocks_html(text, math=latex_to_mathml, block_id=None):
    """Blocks (separated by blank lines) as HTML: paragraphs of inline text, display math, lists and
    ```python code. Each code block gets the id `{block_id}-1`, `-2`, ... when `block_id` is given
    (sitegen.source.code_html says why a page with two blocks under one id needs them)."""
    text = str(text)
    parts, start = [], 0
    for number, fence in enumerate(CODE_FENCE.finditer(text), start=1):
        parts.append(_prose_html(text[start:fence.start()], math))
        parts.append(code_html(fence.group(1), block_id=f"{block_id}-{number}" if block_id else None))
        start = fence.end()
    parts.append(_prose_html(text[start:], math))
    return "".join(parts)


def _prose_html(text, math):
    parts = []
    for block in (b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()):
        display = DISPLAY.match(block)
        if display and math is latex_to_mathml:
            tex = display.group(1).strip()
            parts.append(f'<div class="{DISPLAY_CLASS}">{latex_to_mathml(tex, display=True)}</div>')
        elif display:
            parts.append(f"<p>{math(display.group(1).strip())}</p>")
        elif LIST_ITEM.match(block):
            items = re.split(r"\n(?=(?:[-*]|\d+\.)\s)", block)
            first = int(block.split(".", 1)[0]) if block[0].isdigit() else None
            # a numbered list interrupted by display math goes on with its own numbers
            opening = "<ul>" if first is None else (f'<ol start="{first}">' if first != 1 else "<ol>")
            parts.append(opening + "".join(f"<li>{inline_html(' '.join(LIST_ITEM.sub('', i, 1).split()), math)}</li>"
                                           for i in items) + ("</ul>" if first is None else "</ol>"))
        else:
            parts.append(f"<p>{inline_html(' '.join(block.split()), math)}</p>")
    return "".join(parts)


def script_json(data):
    """Data for a <script type="application/json"> element: compact, keys sorted (builds stay identical),
    and "</" written "<\\/" (which JSON allows) so no text in it can end the element early."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
