"""Short texts written with Markdown's inline marks and $TeX$, turned into inert HTML.

For the text that generated content carries (table cells, quiz prompts and feedback): `$x_t$`
becomes MathML, `` `code` `` code, `**bold**` and `*emphasis*` themselves, a blank line a new
paragraph. Everything else is escaped, so a `<script>` written in a quiz file shows as text.
"""
import html
import json
import re

from .mathml import CLOSING, OPENING, inline_math_html, latex_to_mathml

TOKENS = re.compile(r"(\$[^$]+\$|`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)")


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


def blocks_html(text, math=latex_to_mathml):
    """Paragraphs (separated by blank lines) of inline text, each in a <p>."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", str(text).strip()) if p.strip()]
    return "".join(f"<p>{inline_html(p, math)}</p>" for p in paragraphs)


def script_json(data):
    """Data for a <script type="application/json"> element: compact, keys sorted (builds stay identical),
    and "</" written "<\\/" (which JSON allows) so no text in it can end the element early."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
