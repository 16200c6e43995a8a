"""The README's Python sample is real code: run it."""
import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_sample_runs_and_prints_the_trace():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1
    namespace, printed = {}, io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["out"].shape == (5, 4, 2 * 2)
    assert namespace["grads"].x.shape == (5, 4, 3)
    assert [line.split("=")[0].strip() for line in printed.getvalue().splitlines()] == list(namespace["step"].as_dict())

