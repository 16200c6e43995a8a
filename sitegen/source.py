"""The `gru-source` fence: a gru_ref function's real source on the page, so shown code is the code that runs."""
import inspect

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from gru_ref import cells


def source_html(function):
    """A gru_ref function's real source, highlighted, with the file and lines it comes from."""
    lines, first = inspect.getsourcelines(getattr(cells, function))
    return code_html("".join(lines), f"gru_ref/cells.py, lines {first}–{first + len(lines) - 1}", "gr-source")


def code_html(code, title=None, css_class=None, block_id=None):
    """Python code highlighted as Material styles the site's code blocks (its title as a filename bar).

    Material's copy button names a block's <pre> after the closest element with an id: two blocks under
    one id (an exercise's) would share it, so each such block needs an id of its own (`block_id`)."""
    highlighted = highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))
    classes = "highlight" + (f" {css_class}" if css_class else "")
    bar = f'<span class="filename">{title}</span>' if title else ""
    named = f' id="{block_id}"' if block_id else ""
    return f'<div class="{classes}"{named}>{bar}<pre><span></span><code>{highlighted}</code></pre></div>'
