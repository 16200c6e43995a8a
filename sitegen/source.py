"""The `gru-source` fence: a gru_ref function's real source on the page, so shown code is the code that runs."""
import inspect

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from gru_ref import cells


def source_html(function):
    """A gru_ref function's real source, highlighted, with the file and lines it comes from."""
    lines, first = inspect.getsourcelines(getattr(cells, function))
    code = highlight("".join(lines), PythonLexer(), HtmlFormatter(nowrap=True))
    title = f"gru_ref/cells.py, lines {first}–{first + len(lines) - 1}"
    return (f'<div class="highlight gr-source"><span class="filename">{title}</span>'
            f"<pre><span></span><code>{code}</code></pre></div>")
