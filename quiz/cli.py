"""gru-quiz: the quiz bank for lecturers and for the terminal.

  gru-quiz export --format gift|moodle|qti [--chapter NAME] [--variants N] -o PATH
  gru-quiz run [--chapter NAME] [--seed N]
  gru-quiz sheet --chapter NAME [--answers] -o PATH.html

`run` checks answers as the site does:
  - numbers are read and judged by quiz/judging.py, as on the site (0.73, .73, 7.3e-1, −0.73; right,
    a misconception's feedback, "close: check your rounding", or wrong);
  - single and multiple choice: letters; every chosen option's feedback is shown;
  - order: the items' letters in order; text: any accepted spelling, ignoring case and spacing.
Every question ends with its explanation; the score comes at the end. Math is shown as plain text
(TeX made readable: matrices as rows, Greek letters and operators as symbols).

Errors: bad arguments name the argument and what was expected; an unknown chapter lists the
chapters; a problem in the bank prints its file, line and question and exits 1, without a traceback.
"""
import argparse
import random
import re
import sys
import textwrap
import unicodedata
from pathlib import Path

from . import bank, judging
from .judging import NotANumber, parse_number

# ---------------------------------------------------------------- checking answers


def judge_numeric(version, value):
    """(verdict, Wrong or None): verdict is right, misconception, close or wrong (quiz/judging.py decides)."""
    wrong = {w.misconception: w.value for w in version.wrong}
    band = judging.verdict(judging.bands(version.answer, version.digits, version.absolute, version.relative, wrong),
                           value)
    if band is None:
        return "wrong", None
    if band.verdict == "misconception":
        return "misconception", next(w for w in version.wrong if w.misconception == band.misconception)
    return band.verdict, None


def normalized_text(text):
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def judge_text(version, text):
    return normalized_text(text) in {normalized_text(s) for s in version.answer}


# ---------------------------------------------------------------- math as plain text

_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5), ("eta", 0x3B7),
    ("theta", 0x3B8), ("lambda", 0x3BB), ("mu", 0x3BC), ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3),
    ("tau", 0x3C4), ("phi", 0x3C6), ("Delta", 0x394), ("Sigma", 0x3A3))}
_SYMBOLS = _GREEK | {
    "odot": "⊙", "otimes": "⊗", "cdot": "·", "times": "×", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "approx": "≈", "to": "→", "in": "∈", "top": "ᵀ", "infty": "∞", "partial": "∂", "nabla": "∇", "pm": "±",
    "ldots": "…", "dots": "…", "neq": "≠", "mid": "|", "lvert": "|", "rvert": "|", "vert": "|",
    "tanh": "tanh", "exp": "exp", "log": "log", "max": "max", "min": "min", "sum": "Σ", "prod": "Π",
    "quad": " ", "qquad": "  ", "left": "", "right": "", "big": "", "bigr": "", "bigl": "",
}
_ACCENTS = {"tilde": "\u0303", "hat": "\u0302", "bar": "\u0304", "dot": "\u0307", "vec": "\u20d7"}
_MATRIX = re.compile(r"(?:\\left\s*[\[(])?\s*\\begin\{([pbBvV]?matrix)\}(.*?)\\end\{\1\}\s*(?:\\right\s*[\])])?", re.S)
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def _matrix(match):
    rows = [[cell.strip() for cell in row.split("&")] for row in match.group(2).split(r"\\") if row.strip()]
    shown = ["[" + ", ".join(row) + "]" for row in rows]
    return shown[0] if len(shown) == 1 else "[" + ", ".join(shown) + "]"


def plain_tex(tex):
    """TeX as text a terminal shows: [[0.1, 0.2], [0.3, 0.4]], σ, ⊙, H̃_t; what it does not know stays TeX."""
    text = _MATRIX.sub(_matrix, tex)
    text = re.sub(r"\\(?:text|textrm|mathrm|operatorname|mathbf|mbox)\s*\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\mathbb\s*\{R\}", "ℝ", text)
    text = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\(" + "|".join(_ACCENTS) + r")\s*\{(\w)\}", lambda m: m.group(2) + _ACCENTS[m.group(1)], text)
    text = re.sub(r"\\[,;:!]|~", " ", text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)
    text = re.sub(r"([_^])\{(\w)\}", r"\1\2", text)
    return re.sub(r"[ \t]+", " ", text).strip()


_TOKENS = re.compile(r"(\$[^$]+\$|`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)")  # as sitegen.inline reads marks


def plain(text):
    """Markdown inline with $TeX$ as terminal text; matrices kept on one line when wrapped."""
    parts = []
    for part in _TOKENS.split(str(text)):
        if part.startswith("$") and len(part) > 2:
            parts.append(plain_tex(part[1:-1]).replace(" ", "\u00a0") if r"\begin" in part else plain_tex(part[1:-1]))
        elif part.startswith("**") and len(part) > 4:
            parts.append(plain(part[2:-2]))
        elif part[:1] in "`*" and len(part) > 2:
            parts.append(part[1:-1])
        else:
            parts.append(part)
    return "".join(parts)


def wrapped(text, indent="", hanging=None, width=88):
    """Paragraphs of plain text wrapped for a terminal; `hanging` indents the lines after the first."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", str(text).strip()) if p.strip()]
    hanging = indent if hanging is None else hanging
    return "\n\n".join(textwrap.fill(plain(p), width, initial_indent=indent, subsequent_indent=hanging,
                                     break_long_words=False, break_on_hyphens=False).replace("\u00a0", " ")
                       for p in paragraphs)


# ---------------------------------------------------------------- gru-quiz run

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KIND = {"single": "one answer", "multiple": "one or more answers", "numeric": "a number", "order": "put in order",
        "text": "a word or phrase"}
ASK = {"single": "Your answer (a letter)", "multiple": "Your answer (letters, e.g. A C)",
       "numeric": "Your answer (a number)", "order": "Your order (letters, first to last)",
       "text": "Your answer"}


class Quit(Exception):
    pass


class Session:
    def __init__(self, stdin, stdout):
        self.stdin, self.stdout = stdin, stdout
        self.interactive = hasattr(stdin, "isatty") and stdin.isatty()

    def say(self, text=""):
        self.stdout.write(text + "\n")

    def verdict(self, right, *feedback):
        self.say("Correct." if right else "Not correct.")
        for text in feedback:
            if text:
                self.say(wrapped(text, indent="  "))

    def ask(self, prompt):
        self.stdout.write(f"{prompt}: ")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:  # end of input: stop as if q was typed
            self.say()
            raise Quit
        answer = line.strip()
        if not self.interactive:  # a terminal echoes what was typed; a pipe does not, so the transcript does
            self.say(answer)
        if answer.lower() in ("q", "quit"):
            raise Quit
        return answer

    def letters(self, prompt, count, how_many=None):
        """Letters among the first `count`; how_many: exactly 1, or all of them (order), or None (any)."""
        allowed = LETTERS[:count]
        while True:
            answer = self.ask(prompt)
            chosen = [c for c in answer.upper() if c.isalpha()]
            stray = [c for c in chosen if c not in allowed]
            if re.search(r"[^A-Za-z\s,;>.-]", answer) or stray or not chosen:
                self.say(f"  Answer with letters from A to {allowed[-1]}.")
            elif len(set(chosen)) != len(chosen):
                self.say("  Give each letter once.")
            elif how_many == 1 and len(chosen) != 1:
                self.say("  Choose one letter.")
            elif how_many == count and len(chosen) != count:
                self.say(f"  Give all {count} letters, first to last.")
            else:
                return chosen


def _answer_line(entry, version):
    if entry.type in ("single", "multiple"):
        return ", ".join(f"{LETTERS[i]}) {plain(c.text)}" for i, c in enumerate(version.choices) if c.correct)
    if entry.type == "numeric":
        exact = f"{version.answer:.{version.digits}f}"
        return exact + (f" (anything within ±{version.margin:.6g} counts)" if version.margin else "")
    if entry.type == "order":
        letter = {key: LETTERS[i] for i, (key, _) in enumerate(version.items)}
        texts = dict(version.items)
        return ", ".join(f"{letter[k]}) {plain(texts[k])}" for k in version.answer)
    return " / ".join(version.answer)


def ask_question(session, number, total, entry, version):
    """Asks one question; True when answered right."""
    session.say(f"Question {number} of {total} ({KIND[entry.type]})  [{entry.id}]")
    session.say(wrapped(version.prompt))
    if entry.type in ("single", "multiple"):
        for i, c in enumerate(version.choices):
            session.say(wrapped(f"{LETTERS[i]}) {c.text}", indent="  ", hanging="     "))
    if entry.type == "order":
        for i, (_, text) in enumerate(version.items):
            session.say(wrapped(f"{LETTERS[i]}) {text}", indent="  ", hanging="     "))
    right = False
    if entry.type == "single":
        (chosen,) = session.letters(ASK["single"], len(version.choices), 1)
        choice = version.choices[LETTERS.index(chosen)]
        right = choice.correct
        session.verdict(right, choice.feedback)
    elif entry.type == "multiple":
        chosen = {LETTERS.index(c) for c in session.letters(ASK["multiple"], len(version.choices))}
        right = chosen == {i for i, c in enumerate(version.choices) if c.correct}
        session.verdict(right, *[f"{LETTERS[i]}) {version.choices[i].feedback}" for i in sorted(chosen)],
                        *[f"{LETTERS[i]}) was right too: {c.feedback}" for i, c in enumerate(version.choices)
                          if c.correct and i not in chosen])
    elif entry.type == "numeric":
        while True:
            try:
                value = parse_number(session.ask(ASK["numeric"]))
                break
            except NotANumber as error:
                session.say(f"  {error}.")
        verdict, wrong = judge_numeric(version, value)
        right = verdict == "right"
        session.verdict(right, {"close": "Close: check your rounding.",
                                "misconception": wrong.feedback if wrong else ""}.get(verdict, ""))
    elif entry.type == "order":
        chosen = session.letters(ASK["order"], len(version.items), len(version.items))
        keys = [version.items[LETTERS.index(c)][0] for c in chosen]
        placed = sum(a == b for a, b in zip(keys, version.answer))
        right = placed == len(keys)
        session.verdict(right, "" if right else f"{placed} of {len(keys)} in the right place.")
    else:
        answer = ""
        while not answer:
            answer = session.ask(ASK["text"])
        right = judge_text(version, answer)
        session.verdict(right)
    if not right or entry.type == "numeric":
        session.say(wrapped("The answer: " + _answer_line(entry, version)))
    session.say(wrapped("Why: " + version.explanation))
    session.say()
    return right


def run_quiz(items, seed, stdin, stdout, title):
    from .export import exported

    session = Session(stdin, stdout)
    rng = random.Random(seed)
    entries = [exported(item) for item in items]
    session.say(f"{title}: {len(entries)} questions (seed {seed}). Type q to stop.")
    session.say()
    score = asked = 0
    try:
        for number, entry in enumerate(entries, start=1):
            version = entry.versions[rng.randrange(len(entry.versions))]
            asked += 1
            score += ask_question(session, number, len(entries), entry, version)
    except Quit:
        asked -= 1  # the question left unanswered does not count
        session.say("Stopped.")
    session.say(f"Score: {score} of {asked}" + (f" ({len(entries) - asked} not asked)." if asked < len(entries)
                                                  else "."))
    return 0


# ---------------------------------------------------------------- arguments

def _variants(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 12:
        raise argparse.ArgumentTypeError(f"expected a whole number of versions from 1 to 12, got {text!r}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    return value


def parser():
    formats = "gift (Moodle's text format), moodle (Moodle XML) or qti (a Canvas QTI 1.2 zip)"
    main = argparse.ArgumentParser(prog="gru-quiz", description="The GRU vs LSTM quiz bank (quizzes/*.yml): "
                                   "export it to an LMS, take a chapter's quiz in the terminal, print a sheet.")
    main.add_argument("--bank", metavar="DIR", type=Path, default=bank.BANK,
                      help="the folder of chapter files (default: the repository's quizzes/)")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = commands.add_parser(
        "export", help="write the bank for an LMS",
        description="Write the bank (or a chapter) for a learning management system. Numeric tolerances are kept "
                    "(a relative tolerance becomes the absolute margin it gives at the answer); math becomes "
                    "\\(...\\) for the LMS's MathJax or TeX filter. A generated question's numbered versions form "
                    "a group the LMS draws one of: Moodle XML puts them in a category of their own with a random "
                    "question; QTI in a section that selects 1. GIFT has no groups: each question's versions go "
                    "under a $CATEGORY: of their own, from which you add a random question to the quiz yourself.")
    export.add_argument("--format", required=True, choices=("gift", "moodle", "qti"), help=formats)
    export.add_argument("--chapter", metavar="NAME", help=f"one chapter: {', '.join(bank.CHAPTERS)} (default: all)")
    export.add_argument("--variants", metavar="N", type=_variants,
                        help="at most N numbered versions of each generated question (default: all it has)")
    export.add_argument("-o", "--output", metavar="PATH", type=Path, required=True, help="the file to write")

    run = commands.add_parser("run", help="take a quiz in the terminal",
                              description="Take a chapter's quiz (or every chapter's) in the terminal, checked as "
                                          "on the site. Answers are read from standard input; q stops.")
    run.add_argument("--chapter", metavar="NAME", help=f"one chapter: {', '.join(bank.CHAPTERS)} (default: all)")
    run.add_argument("--seed", metavar="N", type=_seed,
                     help="picks which numbered version of each question is asked (default: a new one each run; "
                          "the seed is printed so a run can be repeated)")

    sheet = commands.add_parser("sheet", help="write a printable question sheet or answer key",
                                description="A standalone HTML page to print: a chapter's questions numbered, "
                                            "options lettered, the first version of generated questions; with "
                                            "--answers the answer key: each question's answer and explanation.")
    sheet.add_argument("--chapter", metavar="NAME", required=True, help=f"one of {', '.join(bank.CHAPTERS)}")
    sheet.add_argument("--answers", action="store_true", help="write the answer key instead of the questions")
    sheet.add_argument("-o", "--output", metavar="PATH", type=Path, required=True, help="the .html file to write")
    return main


def _chosen(args, items, fail, required=False):
    if args.chapter is None:
        return items
    having = [c for c in bank.CHAPTERS if any(item.chapter == c for item in items)]
    if args.chapter not in bank.CHAPTERS:
        fail(f"argument --chapter: unknown chapter {args.chapter!r}; the chapters are {', '.join(bank.CHAPTERS)} "
             f"(with questions: {', '.join(having) or 'none'})")
    chosen = [item for item in items if item.chapter == args.chapter]
    if not chosen:
        fail(f"argument --chapter: chapter {args.chapter!r} has no questions yet; chapters with questions: "
             f"{', '.join(having) or 'none'}")
    return chosen


def _check_output(path, fail):
    if path.exists() and path.is_dir():
        fail(f"argument -o/--output: {path} is a folder; expected a file to write")
    if not path.parent.exists():
        fail(f"argument -o/--output: the folder {path.parent} does not exist")


def main(argv=None, stdin=None, stdout=None, stderr=None):
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    arguments = parser()
    args = arguments.parse_args(argv)

    def fail(message):
        arguments.exit(2, f"gru-quiz: error: {message}\n")

    if args.command in ("export", "sheet"):
        _check_output(args.output, fail)
    if not args.bank.is_dir():
        fail(f"argument --bank: {args.bank} is not a folder of chapter files")
    try:
        items = bank.load_bank(args.bank)
        chosen = _chosen(args, items, fail)
        if args.command == "export":
            from . import export
            data = export.export(chosen, args.format, args.variants, args.chapter)
            args.output.write_bytes(data)
            groups = sum(item.question.check in _generators() and min(item.question.variants, args.variants or 12) > 1
                         for item in chosen)
            stdout.write(f"{args.output}: {args.format}, {len(chosen)} questions, {groups} drawn from versions, "
                         f"{len(data)} bytes\n")
            return 0
        if args.command == "sheet":
            from . import sheets
            data = sheets.sheet(chosen, args.chapter, answers=args.answers)
            args.output.write_text(data, encoding="utf-8")
            stdout.write(f"{args.output}: {'answer key' if args.answers else 'question sheet'}, "
                         f"{len(chosen)} questions\n")
            return 0
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10_000)
        title = f"Chapter {args.chapter}" if args.chapter else "Every chapter"
        return run_quiz(chosen, seed, stdin, stdout, title)
    except bank.BankError as error:
        stderr.write(f"gru-quiz: error in the bank: {error}\n")
        return 1


def _generators():
    from . import checks
    return checks.GENERATORS


if __name__ == "__main__":
    sys.exit(main())
