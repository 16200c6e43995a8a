"""gru-quiz run / sheet / errors: the terminal quiz driven through stdin, the printable sheets, the messages.

A fixture bank (a tmp quizzes/ folder) holds one question of each type with answers known here;
letters are read from the site's display order (render.question_data), as the terminal shows them.
"""
import html.parser
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quiz import bank, cli, export, misconceptions, render

FIXTURE = r"""
- id: fx-single
  type: single
  section: the-update-gate
  prompt: With $u_t = 1$, what is $H_t$?
  options:
    - key: keep
      text: $H_{t-1}$, unchanged
      feedback: Right, the old state is kept.
    - key: candidate
      text: the candidate $\tilde{H}_t$
      feedback: That is what $u_t = 0$ gives.
    - key: zero
      text: a zero vector
      feedback: Nothing vanishes.
  answer: keep
  explanation: The first term keeps all of $H_{t-1}$.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-multiple
  type: multiple
  section: the-reset-gate
  prompt: Which are gates?
  options:
    - {key: u, text: $u_t$, feedback: The update gate.}
    - {key: r, text: $r_t$, feedback: The reset gate.}
    - {key: x, text: $x_t$, feedback: The input is no gate.}
  answer: [u, r]
  explanation: Gates are sigmoids.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-numeric
  type: numeric
  section: the-gru-step-in-code
  prompt: What is $\tanh(-0.93)$? Give 3 decimals.
  answer: -0.731
  digits: 3
  tolerance: {absolute: 0.0015}
  explanation: Read it off the curve.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-order
  type: order
  section: the-final-interpolation
  prompt: Order the steps.
  items:
    - {key: gates, text: the gates}
    - {key: candidate, text: the candidate}
    - {key: mix, text: the mix}
  answer: [gates, candidate, mix]
  explanation: Gates, candidate, mix.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-text
  type: text
  section: the-reset-gate
  prompt: Which gate decides how much of $H_{t-1}$ the candidate sees?
  answer: [reset gate, reset]
  explanation: The reset gate.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-entry
  type: numeric
  section: following-the-numbers
  prompt: |
    With $U_u = {{U_u}}$, $W_u = {{W_u}}$, $b_u = {{b_u}}$, $x_t = {{x}}$ and $H_{t-1} = {{H_prev}}$,
    what is entry {{unit}} of $u_t$? Give 3 decimals.
  explanation: $u_t = \sigma(x_t U_u + H_{t-1} W_u + b_u)$.
  check: step-entry
  params: {cell: gru, field: u, unit: 0}
  digits: 3
  tolerance: {absolute: 0.0015}
"""


@pytest.fixture(scope="module")
def quizzes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli") / "quizzes"
    directory.mkdir()
    (directory / "gru.yml").write_text(textwrap.dedent(FIXTURE), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def items(quizzes):
    return {item.question.id: item for item in bank.load_bank(quizzes)}


def letter(item, key):
    """The letter the terminal (and the site) shows for an option or item key."""
    first = render.question_data(item)["variants"][0]
    keys = [o["key"] for o in first.get("options") or first["items"]]
    return "ABCDEFGH"[keys.index(key)]


def run(quizzes, answers, *arguments):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--bank", str(quizzes), "run", "--chapter", "gru", "--seed", "1", *arguments],
                    stdin=io.StringIO("".join(f"{a}\n" for a in answers)), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def right_answers(items):
    order = " ".join(letter(items["fx-order"], k) for k in ("gates", "candidate", "mix"))
    entry = export.exported(items["fx-entry"]).versions[0].answer
    both = f"{letter(items['fx-multiple'], 'r')} {letter(items['fx-multiple'], 'u')}"
    return [letter(items["fx-single"], "keep"), both, "−0.731", order, "  Reset   GATE ", f"{entry:.3f}"]


def test_all_right_scores_full_marks_with_feedback_and_explanations(quizzes, items):
    code, out, err = run(quizzes, right_answers(items))
    assert (code, err) == (0, "")
    assert out.count("Correct.") == 6 and "Not correct." not in out
    assert "Right, the old state is kept." in out  # the chosen option's feedback
    assert "The update gate." in out and "The reset gate." in out
    for why in ("The first term keeps all of H_{t-1}.", "Gates are sigmoids.", "Read it off the curve.",
                "Gates, candidate, mix.", "The reset gate.", "u_t = σ(x_t U_u + H_{t-1} W_u + b_u)."):
        assert f"Why: {why}" in out
    assert out.rstrip().endswith("Score: 6 of 6.")
    assert "$" not in out  # math as plain text
    assert "U_u = [[" in out  # a matrix as rows


def test_wrong_answers_get_their_feedback(quizzes, items):
    entry = export.exported(items["fx-entry"]).versions[0]
    mistake = entry.wrong[0]
    answers = [letter(items["fx-single"], "candidate"), letter(items["fx-multiple"], "u"), "-0.74",
               " ".join(letter(items["fx-order"], k) for k in ("candidate", "gates", "mix")), "update gate",
               f"{mistake.value:.3f}"]
    code, out, _ = run(quizzes, answers)
    assert code == 0
    assert out.count("Not correct.") == 6
    assert "That is what u_t = 0 gives." in out
    assert f"{letter(items['fx-multiple'], 'r')}) was right too: The reset gate." in out
    assert "Close: check your rounding." in out  # -0.74 is within ten times the tolerance of -0.731
    assert "1 of 3 in the right place." in out
    assert misconceptions.feedback(mistake.misconception).split(".")[0] in out
    assert "The answer: -0.731 (anything within ±0.0015 counts)" in out
    assert "The answer: reset gate / reset" in out
    assert out.rstrip().endswith("Score: 0 of 6.")


def test_bad_input_is_asked_again_and_q_stops(quizzes, items):
    code, out, _ = run(quizzes, ["Z", "AB", letter(items["fx-single"], "keep"), "", "q"])
    assert code == 0
    assert "Answer with letters from A to C." in out
    assert "Choose one letter." in out
    assert "Stopped." in out and "Score: 1 of 1 (5 not asked)." in out


def test_number_formats_and_refusals(quizzes, items):
    single, multiple = letter(items["fx-single"], "keep"), letter(items["fx-multiple"], "u")
    code, out, _ = run(quizzes, [single, multiple, "0,731", "abc", "-.731"])
    assert "use a point for decimals" in out and "'abc' is not a number" in out
    assert out.count("Correct.") == 2  # single wrong (one of two), multiple wrong, then -.731 right
    code, out, _ = run(quizzes, [])  # end of input at once
    assert code == 0 and "Score: 0 of 0 (6 not asked)." in out


@pytest.mark.parametrize("typed, value", [("0.73", 0.73), (".731", 0.731), ("7.3e-1", 0.73), ("−0.73", -0.73),
                                          ("+0.5", 0.5), ("-7.31E-1", -0.731), ("  12  ", 12.0)])
def test_parse_number(typed, value):
    assert cli.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["0,73", "1,234", "abc", "1.2.3", "inf", "nan", "", "--1", "1e", "e5"])
def test_parse_number_refuses(typed):
    with pytest.raises(cli.NotANumber):
        cli.parse_number(typed)


def version(answer=0.731, digits=3, absolute=0.0015, relative=0.0, wrong=()):
    return export.Version(prompt="", explanation="", answer=answer, digits=digits, absolute=absolute,
                          relative=relative, wrong=tuple(export.Wrong(w, "feedback", "dropped-bias") for w in wrong))


@pytest.mark.parametrize("value, verdict", [
    (0.731, "right"), (0.7325, "right"), (0.7295, "right"),  # on the margin counts
    (0.733, "close"), (0.745, "close"),  # within ten times the tolerance
    (0.77, "wrong"), (0.6, "misconception"), (0.601, "misconception"), (-0.731, "wrong")])
def test_judge_numeric(value, verdict):
    assert cli.judge_numeric(version(wrong=(0.6,)), value)[0] == verdict


def test_close_when_it_rounds_like_the_answer_to_one_decimal_fewer():
    tight = version(absolute=0.0001)
    assert [cli.judge_numeric(tight, v)[0] for v in (0.7311, 0.7349, 0.726, 0.7351)] == [
        "right", "close", "close", "wrong"]


def test_judge_numeric_relative_and_exact():
    assert cli.judge_numeric(version(250, 0, absolute=0.5, relative=0.01), 253)[0] == "right"
    assert cli.judge_numeric(version(250, 0, absolute=0.5, relative=0.01), 254)[0] == "close"
    counts = version(1920, 0, absolute=0, wrong=(1280.0,))
    assert [cli.judge_numeric(counts, v)[0] for v in (1920, 1921, 1280)] == ["right", "wrong", "misconception"]


def test_plain_tex():
    matrix = r"\left[\begin{matrix}0.1 & -0.2 \\ 0.3 & 0.4\end{matrix}\right]"
    assert cli.plain_tex(matrix) == "[[0.1, -0.2], [0.3, 0.4]]"
    step = r"H_t = u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t"
    assert cli.plain_tex(step) == "H_t = u_t ⊙ H_{t-1} + (1 - u_t) ⊙ H̃_t"
    assert cli.plain_tex(r"\sigma(x_{t})") == "σ(x_t)"


# ---------------------------------------------------------------- the real bank and the console script

def console(*arguments, stdin=""):
    script = Path(sys.executable).with_name("gru-quiz")
    assert script.exists(), "gru-quiz is missing: pip install -e . installs the console script"
    return subprocess.run([str(script), *arguments], input=stdin, capture_output=True, text=True, timeout=300)


def test_console_script_runs_a_chapter_of_the_real_bank():
    chapter = bank.load_bank()[0].chapter
    process = console("run", "--chapter", chapter, "--seed", "7", stdin="q\n")
    assert process.returncode == 0, process.stderr
    assert f"Chapter {chapter}:" in process.stdout and "(seed 7)" in process.stdout and "Stopped." in process.stdout


def test_console_script_exports(tmp_path):
    items = bank.load_bank()
    for format_ in export.FORMATS:
        path = tmp_path / f"bank{export.SUFFIXES[format_]}"
        process = console("export", "--format", format_, "-o", str(path))
        assert process.returncode == 0, process.stderr
        assert f"{len(items)} questions" in process.stdout
        assert path.read_bytes() == export.export(items, format_)


@pytest.mark.parametrize("arguments, message", [
    (["export", "--format", "qti", "-o", "x.zip", "--chapter", "grux"],
     "argument --chapter: unknown chapter 'grux'; the chapters are rnn, gru, lstm, gru-vs-lstm, conventions"),
    (["export", "--format", "pdf", "-o", "x.zip"], "argument --format: invalid choice: 'pdf'"),
    (["export", "-o", "x.zip"], "the following arguments are required: --format"),
    (["export", "--format", "gift", "-o", "x.txt", "--variants", "0"],
     "argument --variants: expected a whole number of versions from 1 to 12, got '0'"),
    (["export", "--format", "gift", "-o", "no-such-folder/x.txt"], "argument -o/--output: the folder"),
    (["run", "--seed", "-3"], "argument --seed: expected a whole number 0 or more"),
    (["sheet", "-o", "x.html"], "the following arguments are required: --chapter"),
    (["teach"], "argument COMMAND: invalid choice: 'teach'"),
])
def test_bad_arguments_name_the_argument(arguments, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*arguments[:1], *[str(tmp_path / a) if a.startswith(("x.", "no-such")) else a
                                    for a in arguments[1:]]])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_chapter_without_questions_lists_those_with(tmp_path, quizzes):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--bank", str(quizzes), "run", "--chapter", "lstm"])
    assert exited.value.code == 2


def test_a_bank_error_names_file_line_and_question_without_a_traceback(tmp_path):
    directory = tmp_path / "quizzes"
    directory.mkdir()
    broken = textwrap.dedent(FIXTURE).replace("  answer: keep\n", "  answer: kept\n")
    (directory / "gru.yml").write_text(broken, encoding="utf-8")
    process = console("--bank", str(directory), "export", "--format", "gift", "-o", str(tmp_path / "x.gift"))
    assert process.returncode == 1
    assert "Traceback" not in process.stderr
    assert re.search(r"gru\.yml:2: question 'fx-single': answer \['kept'\] is not among the options", process.stderr)
    assert not (tmp_path / "x.gift").exists()


# ---------------------------------------------------------------- printable sheets

class Outline(html.parser.HTMLParser):
    """What a sheet holds: its sections, lettered lists and their items, external references."""
    def __init__(self):
        super().__init__()
        self.sections, self.lists, self.external, self.math, self.answers = 0, [], [], 0, []
        self._in_answer = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections += 1
        if tag == "ol":
            self.lists.append([attrs.get("type"), 0])
        if tag == "li" and self.lists:
            self.lists[-1][1] += 1
        if tag == "math":
            self.math += 1
        if tag in ("link", "script", "img", "iframe") or "src" in attrs or tag == "a" and "href" in attrs:
            self.external.append(tag)
        self._in_answer = attrs.get("class") == "answer"

    def handle_data(self, data):
        if self._in_answer:
            self.answers.append(data)
            self._in_answer = False


def outline(text):
    parser = Outline()
    parser.feed(text)
    return parser


def test_question_sheet(quizzes, items, tmp_path):
    path = tmp_path / "sheet.html"
    assert cli.main(["--bank", str(quizzes), "sheet", "--chapter", "gru", "-o", str(path)],
                    stdout=io.StringIO()) == 0
    text = path.read_text(encoding="utf-8")
    found = outline(text)
    assert found.sections == len(items)
    assert [f"Question {n}" in text for n in range(1, len(items) + 1)] == [True] * len(items)
    assert found.lists == [["A", 3], ["A", 3], ["A", 3]]  # single, multiple, order: lettered
    assert found.math > 0 and found.external == []
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/1998/Math/MathML)", text)
    size = re.search(r"body \{ font: (\d+(?:\.\d+)?)pt", text)
    assert size and float(size.group(1)) >= 10
    assert "Right, the old state is kept." not in text and "Read it off the curve." not in text  # no answers


def test_answer_key(quizzes, items, tmp_path):
    path = tmp_path / "key.html"
    assert cli.main(["--bank", str(quizzes), "sheet", "--chapter", "gru", "--answers", "-o", str(path)],
                    stdout=io.StringIO()) == 0
    text = path.read_text(encoding="utf-8")
    found = outline(text)
    entry = export.exported(items["fx-entry"]).versions[0].answer
    order = " ".join(letter(items["fx-order"], k) for k in ("gates", "candidate", "mix"))
    multiple = sorted([letter(items["fx-multiple"], "u"), letter(items["fx-multiple"], "r")])
    assert found.answers == [letter(items["fx-single"], "keep"), *multiple, "-0.731", order, "reset gate", "reset",
                             f"{entry:.3f}"]
    for why in ("The first term keeps all of", "Gates are sigmoids.", "Read it off the curve.",
                "Gates, candidate, mix.", "The reset gate."):
        assert why in text


def test_sheets_are_deterministic_and_cover_the_real_bank(tmp_path):
    items = bank.load_bank()
    for chapter in sorted({item.chapter for item in items}):
        chosen = [item for item in items if item.chapter == chapter]
        for answers in (False, True):
            from quiz import sheets
            first = sheets.sheet(chosen, chapter, answers)
            assert first == sheets.sheet(chosen, chapter, answers)
            assert outline(first).sections == len(chosen)


def test_sheet_prints_at_normal_size_in_chromium(quizzes, tmp_path, browser):
    path = tmp_path / "sheet.html"
    cli.main(["--bank", str(quizzes), "sheet", "--chapter", "gru", "-o", str(path)], stdout=io.StringIO())
    context = browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    sizes = page.evaluate("""() => [...document.querySelectorAll("p, li")].map(
        node => parseFloat(getComputedStyle(node).fontSize))""")
    math_widths = page.evaluate("""() => [...document.querySelectorAll("math")].map(
        node => node.getBoundingClientRect().width)""")
    pdf = page.pdf(format="A4")
    context.close()
    assert requests == [path.as_uri()]  # nothing fetched but the file itself
    assert min(sizes) >= 10 * 96 / 72 - 0.01  # 10 pt in CSS pixels
    assert math_widths and min(math_widths) > 0  # MathML laid out, not left as source
    assert pdf.startswith(b"%PDF")
