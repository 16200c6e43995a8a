"""gru-quiz export: every format read back by a parser that is not our writer, compared with the bank.

- GIFT: gift-pegjs (a PEG port of Moodle's GIFT grammar), run with node; installed from
  tests/quiz/js/package-lock.json with `npm ci` when its node_modules is missing.
- Moodle XML: ElementTree, against the structure Moodle's importer reads.
- QTI 1.2: `unzip -t`, the manifest with ElementTree, the assessment with pyslet's QTI 1.2 reader
  (every element must land in the slot the QTI 1.2 DTD gives it), response processing compared.

Expectations come from the bank and its checks (`checks.variants`), not from the writer's model: a
small fixture bank (all five types, a relative tolerance, GIFT's special characters, markup that must
stay text) gives exact expectations; the real bank, whatever it holds today, gives counts and answers.
"""
import io
import json
import logging
import shutil
import subprocess
import textwrap
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from quiz import bank, checks, export

JS = Path(__file__).resolve().parent / "js"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"

FIXTURE = r"""
- id: fx-single
  type: single
  section: the-update-gate
  prompt: "With $u_t = 1$ in $H_{t-1}$'s units: which {braces}, #hash, ~tilde, a = b: c \\ d?"
  options:
    - key: keep
      text: $H_{t-1}$, unchanged
      feedback: "Right: nothing = lost."
    - key: candidate
      text: "the candidate <b>not bold</b> & co"
      feedback: That is $u_t = 0$.
    - key: zero
      text: a zero vector
      feedback: No.
  answer: keep
  explanation: '$H_t = u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t$; see `torch.nn.GRU`.'
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-multiple
  type: multiple
  section: the-reset-gate
  prompt: Which are gates?
  options:
    - {key: u, text: $u_t$, feedback: A gate.}
    - {key: r, text: $r_t$, feedback: A gate too.}
    - key: h
      text: $\tilde{H}_t$
      feedback: The candidate.
    - {key: x, text: $x_t$, feedback: The input.}
  answer: [u, r]
  explanation: Gates are sigmoids.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-numeric
  type: numeric
  section: the-gru-step-in-code
  prompt: How many, within one per cent?
  answer: 250
  digits: 0
  tolerance: {absolute: 0.5, relative: 0.01}
  explanation: About 250.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-order
  type: order
  section: the-final-interpolation
  prompt: Order the steps of one GRU step.
  items:
    - {key: gates, text: "the gates $u_t$, $r_t$"}
    - key: candidate
      text: the candidate $\tilde{H}_t$
    - {key: mix, text: the mix into $H_t$}
  answer: [gates, candidate, mix]
  explanation: Gates first, then the candidate, then the mix.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-text
  type: text
  section: the-reset-gate
  prompt: Which gate decides how much of $H_{t-1}$ the candidate sees?
  answer: [reset gate, reset, "r_t"]
  explanation: The reset gate.
  conceptual: {cite: "Cho et al. (2014)", why: fixture}

- id: fx-entry
  type: numeric
  section: following-the-numbers
  prompt: Entry {{unit}} of $u_t$ with $x_t = {{x}}$? Give 3 decimals.
  explanation: $u_t = \sigma(x_t U_u + H_{t-1} W_u + b_u)$.
  check: step-entry
  params: {cell: gru, field: u, unit: 0}
  variants: 3
  digits: 3
  tolerance: {absolute: 0.0015}

- id: fx-next-state
  type: single
  section: the-final-interpolation
  prompt: With $x_t = {{x}}$, which is $H_t$?
  explanation: Compute $u_t$, $r_t$, then mix.
  check: next-state-choice
  params: {cell: gru, reset: after}
  variants: 2
"""


@pytest.fixture(scope="module")
def fixture_items(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bank") / "quizzes"
    directory.mkdir()
    (directory / "gru.yml").write_text(textwrap.dedent(FIXTURE), encoding="utf-8")
    return bank.load_bank(directory)


@pytest.fixture(scope="module")
def bank_items():
    return bank.load_bank()


# ---------------------------------------------------------------- what the bank says, independently of the writer

def expected(item, limit=None):
    """Per version: (answer, tolerance or None, wrong values) from the bank and its checks."""
    q = item.question
    versions = checks.variants(q) if q.check in checks.GENERATORS else [None]
    versions = versions[:limit] if limit else versions
    out = []
    for v in versions:
        if q.type == "numeric":
            answer = float(v.answer if v else q.answer)
            margin = (q.tolerance.absolute or 0) + (q.tolerance.relative or 0) * abs(answer)
            out.append((answer, margin, sorted(float(w) for w in (v.wrong.values() if v else ()))))
        elif q.type == "single":
            out.append((v.answer if v else q.answer, None, []))
        else:
            out.append((q.answer, None, []))
    return out


def option_keys(item, index):
    q = item.question
    if q.check in checks.GENERATORS and q.type == "single":
        return [o.key for o in checks.variants(q)[index].options]
    return [o.key for o in q.options]


def groups(items, limit=None):
    return sum(len(expected(item, limit)) > 1 for item in items)


def versions(items, limit=None):
    return sum(len(expected(item, limit)) for item in items)


# ---------------------------------------------------------------- GIFT, read by gift-pegjs

@pytest.fixture(scope="module")
def node_reader():
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to read GIFT with gift-pegjs")
    if not (JS / "node_modules" / "gift-pegjs").is_dir():
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, f"npm ci failed:\n{run.stdout}\n{run.stderr}"

    def read(data, tmp_path):
        path = tmp_path / "export.gift.txt"
        path.write_bytes(data)
        run = subprocess.run([node, str(JS / "read_gift.js"), str(path)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)
    return read


def gift_questions(parsed):
    """(category, question) for every question, with the $CATEGORY: in force."""
    current, out = None, []
    for entry in parsed:
        if entry["type"] == "Category":
            current = entry["title"]
        else:
            out.append((current, entry))
    return out


def check_gift(items, parsed, limit=None):
    questions = gift_questions(parsed)
    assert len(questions) == versions(items, limit)
    by_title = {}
    for category, question in questions:
        by_title.setdefault(question["title"].split(" v")[0], []).append((category, question))
    assert list(by_title) == [item.question.id for item in items]
    for item in items:
        q = item.question
        wanted = expected(item, limit)
        found = by_title[q.id]
        assert len(found) == len(wanted), q.id
        categories = {category for category, _ in found}
        if len(wanted) > 1:  # a group: the versions alone under a category of their own
            assert categories == {f"$course$/top/gru-quiz/{item.chapter}/{q.id}"}
        else:
            assert categories == {f"$course$/top/gru-quiz/{item.chapter}"}
        for index, ((answer, margin, wrong), (_, question)) in enumerate(zip(wanted, found)):
            assert question["stem"]["format"] == "html"
            assert question["globalFeedback"]["text"].startswith("<p>"), q.id
            if q.type == "single":
                assert question["type"] == "MC"
                assert len(question["choices"]) == len(option_keys(item, index))
                assert sum(c["isCorrect"] for c in question["choices"]) == 1
                assert all(c["feedback"] and c["feedback"]["text"] for c in question["choices"])
            elif q.type == "multiple":
                assert question["type"] == "MC"
                weights = [c["weight"] for c in question["choices"]]
                assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=1e-3)
                assert sum(w > 0 for w in weights) == len(answer)
                assert all(w < 0 for w in weights if w <= 0)
            elif q.type == "numeric":
                assert question["type"] == "Numerical"
                first, *others = question["choices"]
                assert first["isCorrect"] and first["weight"] is None
                assert first["text"]["number"] == pytest.approx(answer, rel=1e-15, abs=1e-300)
                assert first["text"]["range"] == pytest.approx(margin, rel=1e-12, abs=1e-300)
                assert all(c["weight"] == 0 for c in others)  # misconceptions and "close", no credit
                misconceptions = sorted(c["text"]["number"] for c in others
                                        if not c["feedback"]["text"].startswith("Close"))
                assert misconceptions == pytest.approx(wrong, rel=1e-15)
            elif q.type == "order":
                assert question["type"] == "Matching"
                places = [int(pair["subanswer"]) for pair in question["matchPairs"]]
                assert sorted(places) == list(range(1, len(answer) + 1))
            else:
                assert question["type"] == "Short"
                assert [c["text"]["text"] for c in question["choices"]] == list(answer)


def test_gift_of_the_fixture_reads_back_exactly(fixture_items, node_reader, tmp_path):
    parsed = node_reader(export.export(fixture_items, "gift"), tmp_path)
    check_gift(fixture_items, parsed)
    questions = dict((q["title"], q) for _, q in gift_questions(parsed))
    single = questions["fx-single"]
    # GIFT's special characters survive the round trip; $TeX$ is \(TeX\); markup in a text stays text
    assert single["stem"]["text"] == (r"<p>With \(u_t = 1\) in \(H_{t-1}\)'s units: which {braces}, #hash, ~tilde, "
                                      r"a = b: c \ d?</p>")
    texts = {c["text"]["text"]: c for c in single["choices"]}
    assert texts[r"\(H_{t-1}\), unchanged"]["isCorrect"]
    assert texts[r"\(H_{t-1}\), unchanged"]["feedback"]["text"] == "Right: nothing = lost."
    assert not texts["the candidate &lt;b&gt;not bold&lt;/b&gt; &amp; co"]["isCorrect"]
    assert single["globalFeedback"]["text"] == (r"<p>\(H_t = u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t\); "
                                                r"see <code>torch.nn.GRU</code>.</p>")
    multiple = questions["fx-multiple"]
    assert {c["text"]["text"]: c["weight"] for c in multiple["choices"]} == {
        r"\(u_t\)": 50, r"\(r_t\)": 50, r"\(\tilde{H}_t\)": -50, r"\(x_t\)": -50}
    numeric = questions["fx-numeric"]["choices"]
    assert numeric[0]["text"] == {"type": "range", "number": 250, "range": 3}  # 0.5 + 1% of 250
    assert [c["feedback"]["text"] for c in numeric[1:]] == ["Close: check your rounding."]  # 10 x the margin
    assert numeric[1]["text"] == {"type": "range", "number": 250, "range": 30}
    order = questions["fx-order"]["matchPairs"]
    assert {p["subquestion"]["text"]: p["subanswer"] for p in order} == {
        r"the gates \(u_t\), \(r_t\)": "1", r"the candidate \(\tilde{H}_t\)": "2", r"the mix into \(H_t\)": "3"}
    assert [c["text"]["text"] for c in questions["fx-text"]["choices"]] == ["reset gate", "reset", "r_t"]
    entry = questions["fx-entry v1"]["choices"]
    assert any(c["feedback"]["text"].startswith("This is what") for c in entry[1:])


def test_gift_of_the_bank_reads_back(bank_items, node_reader, tmp_path):
    check_gift(bank_items, node_reader(export.export(bank_items, "gift"), tmp_path))


def test_gift_variants_limit(fixture_items, node_reader, tmp_path):
    check_gift(fixture_items, node_reader(export.export(fixture_items, "gift", variants=1), tmp_path), limit=1)


# ---------------------------------------------------------------- Moodle XML, read with ElementTree

def moodle_questions(data):
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    current, out = None, []
    for question in root.findall("question"):
        if question.get("type") == "category":
            current = question.findtext("category/text")
        else:
            out.append((current, question))
    return out


def check_moodle(items, data, limit=None):
    questions = moodle_questions(data)
    randoms = [(c, q) for c, q in questions if q.get("type") == "random"]
    real = [(c, q) for c, q in questions if q.get("type") != "random"]
    assert len(real) == versions(items, limit)
    assert len(randoms) == groups(items, limit)
    by_id = {}
    for category, question in real:
        by_id.setdefault(question.findtext("idnumber").rsplit("-", 1)[0], []).append((category, question))
    for item in items:
        q = item.question
        wanted = expected(item, limit)
        found = by_id[q.id]
        assert len(found) == len(wanted)
        if len(wanted) > 1:
            own = f"$course$/top/gru-quiz/{item.chapter}/{q.id}"
            assert {c for c, _ in found} == {own}
            assert [c for c, _ in randoms].count(own) == 1  # one random question draws from the versions
        for index, ((answer, margin, wrong), (_, question)) in enumerate(zip(wanted, found)):
            assert question.find("questiontext").get("format") == "html"
            assert question.findtext("generalfeedback/text").startswith("<p>")
            answers = question.findall("answer")
            if q.type in ("single", "multiple"):
                assert question.get("type") == "multichoice"
                assert question.findtext("single") == ("true" if q.type == "single" else "false")
                assert len(answers) == len(option_keys(item, index))
                fractions = [float(a.get("fraction")) for a in answers]
                right = 1 if q.type == "single" else len(answer)
                assert sorted(f for f in fractions if f > 0) == pytest.approx([100 / right] * right, abs=1e-4)
                assert all(a.findtext("feedback/text") for a in answers)
            elif q.type == "numeric":
                assert question.get("type") == "numerical"
                first, *others = answers
                assert float(first.get("fraction")) == 100
                assert float(first.findtext("text")) == pytest.approx(answer, rel=1e-15, abs=1e-300)
                assert float(first.findtext("tolerance")) == pytest.approx(margin, rel=1e-12, abs=1e-300)
                assert all(float(a.get("fraction")) == 0 for a in others)
                mistakes = sorted(float(a.findtext("text")) for a in others
                                  if not a.findtext("feedback/text").startswith("Close"))
                assert mistakes == pytest.approx(wrong, rel=1e-15)
            elif q.type == "order":
                assert question.get("type") == "ordering"
                assert [float(a.get("fraction")) for a in answers] == list(range(1, len(answer) + 1))
            else:
                assert question.get("type") == "shortanswer"
                assert [a.findtext("text") for a in answers] == list(answer)


def test_moodle_xml_of_the_fixture(fixture_items):
    data = export.export(fixture_items, "moodle")
    check_moodle(fixture_items, data)
    questions = {q.findtext("name/text"): q for _, q in moodle_questions(data)}
    single = questions["fx-single"]
    assert single.findtext("questiontext/text") == (r"<p>With \(u_t = 1\) in \(H_{t-1}\)'s units: which {braces}, "
                                                    r"#hash, ~tilde, a = b: c \ d?</p>")
    by_text = {a.findtext("text"): a for a in single.findall("answer")}
    assert by_text[r"\(H_{t-1}\), unchanged"].get("fraction") == "100"
    assert by_text["the candidate &lt;b&gt;not bold&lt;/b&gt; &amp; co"].findtext("feedback/text") == \
        r"That is \(u_t = 0\)."
    numeric = questions["fx-numeric"].findall("answer")
    assert [(a.findtext("text"), a.findtext("tolerance"), a.get("fraction")) for a in numeric] == [
        ("250", "3", "100"), ("250", "30", "0")]
    order = questions["fx-order"]
    assert [a.findtext("text") for a in order.findall("answer")] == [
        r"the gates \(u_t\), \(r_t\)", r"the candidate \(\tilde{H}_t\)", r"the mix into \(H_t\)"]
    assert order.findtext("gradingtype") == "ABSOLUTE_POSITION"
    assert questions["Random (fx-entry)"].findtext("questiontext/text") == "0"


def test_moodle_xml_of_the_bank(bank_items):
    check_moodle(bank_items, export.export(bank_items, "moodle"))


def test_moodle_xml_variants_limit(fixture_items):
    check_moodle(fixture_items, export.export(fixture_items, "moodle", variants=2), limit=2)


# ---------------------------------------------------------------- QTI 1.2, unzipped and read with pyslet

def unzip(data, tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(data)
    unzip_ = shutil.which("unzip")
    assert unzip_, "unzip is needed to test the package as a lecturer would open it"
    run = subprocess.run([unzip_, "-t", str(path)], capture_output=True, text=True)
    assert run.returncode == 0 and "No errors detected" in run.stdout, run.stdout + run.stderr
    target = tmp_path / "unzipped"
    run = subprocess.run([unzip_, "-q", "-o", str(path), "-d", str(target)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return target


def pyslet_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyslet (2017) has escape sequences newer Pythons warn about
        from pyslet.qtiv1 import xml as qtixml
        from pyslet.xml import structures
    logging.getLogger().setLevel(logging.ERROR)  # pyslet logs the HTML inside mattext as "unexpected data"
    document = qtixml.QTIDocument(baseURI=str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pyslet calls its own deprecated helpers
        document.read()
    return document, structures


def _elements(element, structures):
    for name, value in vars(element).items():
        if name not in ("parent", "_children"):
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, structures.Element):
                    yield child


def selection_ordering(section):
    # pyslet files <selection_ordering> among a section's loose children: its slot is named
    # QTISelectionOrdering, its class SelectionOrdering (a pyslet bug; the QTI 1.2 DTD allows it there)
    found = [c for c in section._children if type(c).__name__ == "SelectionOrdering"]
    return found[0] if found else None


def strays(element, structures, path=""):
    """Elements pyslet's QTI 1.2 model has no class for, or no slot for where they stand (its classes
    follow the DTD's content models; what fits no slot is left among an element's loose children)."""
    here = f"{path}/{element.xmlname}"
    found = [f"{here}: not a QTI 1.2 element"] if type(element) is structures.Element else []
    if getattr(type(element), "XMLCONTENT", None) == structures.ElementContent:
        loose = [c for c in element._children if isinstance(c, structures.Element)]
        found += [f"{here}/{c.xmlname}: not allowed here" for c in loose if c is not selection_ordering(element)]
        found += [f"{here}/selection_ordering/{s}" for c in loose if c is selection_ordering(element)
                  for s in strays(c, structures)]
    for child in _elements(element, structures):
        found += strays(child, structures, here)
    return found


def qti_items(section):
    """(group section or None, item) for every item under the root section."""
    out = []
    for child in section.SectionItemMixin:
        if type(child).__name__ == "Item":
            out.append((None, child))
        else:
            out += [(child, item) for item in child.SectionItemMixin]
    return out


def metadata(item):
    fields = item.ItemMetadata.QTIMetadata[0].QTIMetadataField
    return {f.FieldLabel.get_value(): f.FieldEntry.get_value() for f in fields}


def variable_tests(element):
    """Every variable test under `element`: (kind, respident, value)."""
    name = type(element).__name__
    tested = name in ("VarEqual", "VarGTE", "VarLTE")
    found = [(name, element.responseIdentifier, element.get_value())] if tested else []
    for value in vars(element).values():
        for child in value if isinstance(value, list) else [value]:
            if hasattr(child, "xmlname") and child is not element.parent:
                found += variable_tests(child)
    return found


def scored(item):
    """The tests of each respcondition that sets or adds to SCORE."""
    return [variable_tests(condition.ConditionVar) for processing in item.ResProcessing
            for condition in processing.ConditionMixin if any(s.varName == "SCORE" for s in condition.SetVar)]


def check_qti(items, data, tmp_path, limit=None):
    folder = unzip(data, tmp_path)
    manifest = ET.parse(folder / "imsmanifest.xml").getroot()
    namespace = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
    resources = manifest.findall(f"{namespace}resources/{namespace}resource")
    [assessment_resource] = [r for r in resources if r.get("type") == "imsqti_xmlv1p2"]
    for resource in resources:
        for file in resource.findall(f"{namespace}file"):
            assert (folder / file.get("href")).is_file(), file.get("href")
    dependency = assessment_resource.find(f"{namespace}dependency").get("identifierref")
    assert dependency in {r.get("identifier") for r in resources}
    path = folder / assessment_resource.find(f"{namespace}file").get("href")
    assert ET.parse(path).getroot().tag == f"{QTI}questestinterop"

    document, structures = pyslet_read(path)
    assert strays(document.root, structures) == []
    [root_section] = document.root.Assessment.SectionMixin
    found = qti_items(root_section)
    assert len(found) == versions(items, limit)
    sections = {id(s): s for s, _ in found if s is not None}
    assert len(sections) == groups(items, limit)
    for section in sections.values():
        [selection] = selection_ordering(section).Selection
        assert selection.SelectionNumber.get_value() == "1"
    by_id = {}
    for section, item in found:
        by_id.setdefault(item.ident.rsplit("-", 1)[0], []).append((section, item))
    for entry in items:
        q = entry.question
        wanted = expected(entry, limit)
        assert len(by_id[q.id]) == len(wanted)
        if len(wanted) > 1:
            assert {s.title for s, _ in by_id[q.id]} == {q.id}
        for index, ((answer, margin, _), (_, item)) in enumerate(zip(wanted, by_id[q.id])):
            kind = metadata(item)["question_type"]
            assert item.ItemFeedback, "the explanation is the general feedback"
            score = scored(item)
            if q.type == "single":
                assert kind == "multiple_choice_question"
                assert score == [[("VarEqual", "response1", answer)]]
            elif q.type == "multiple":
                assert kind == "multiple_answers_question"
                assert sorted(v for _, _, v in score[0]) == sorted(option_keys(entry, index))
            elif q.type == "numeric":
                assert kind == "numerical_question"
                [tests] = score
                values = {name: float(value) for name, _, value in tests}
                assert values["VarEqual"] == pytest.approx(answer, rel=1e-15, abs=1e-300)
                assert values["VarGTE"] == pytest.approx(answer - margin, rel=1e-12, abs=1e-12)
                assert values["VarLTE"] == pytest.approx(answer + margin, rel=1e-12, abs=1e-12)
            elif q.type == "order":
                assert kind == "matching_question"
                assert len(score) == len(answer)
                placed = {respident.removeprefix("response-"): value for [(_, respident, value)] in score}
                assert placed == {key: f"place-{k}" for k, key in enumerate(answer, start=1)}
            else:
                assert kind == "short_answer_question"
                assert [v for _, _, v in score[0]] == list(answer)
    return document


def test_qti_of_the_fixture(fixture_items, tmp_path):
    document = check_qti(fixture_items, export.export(fixture_items, "qti", chapter="gru"), tmp_path)
    [root_section] = document.root.Assessment.SectionMixin
    items = {item.ident: item for _, item in qti_items(root_section)}
    numeric = items["fx-numeric-1"]
    assert sorted((name, value) for name, _, value in scored(numeric)[0]) == [
        ("VarEqual", "250"), ("VarGTE", "247"), ("VarLTE", "253")]  # 250 within 0.5 + 1% of 250
    single = items["fx-single-1"]
    assert {f.ident for f in single.ItemFeedback} == {"general_fb", "keep_fb", "candidate_fb", "zero_fb"}
    shown = {(name, value) for processing in single.ResProcessing for condition in processing.ConditionMixin
             for name, _, value in variable_tests(condition.ConditionVar) if condition.DisplayFeedback}
    assert shown == {("VarEqual", "keep"), ("VarEqual", "candidate"), ("VarEqual", "zero")}


def test_qti_of_the_bank(bank_items, tmp_path):
    check_qti(bank_items, export.export(bank_items, "qti"), tmp_path)


def test_qti_variants_limit(fixture_items, tmp_path):
    check_qti(fixture_items, export.export(fixture_items, "qti", variants=2), tmp_path, limit=2)


# ---------------------------------------------------------------- the same bytes every time

@pytest.mark.parametrize("format_", export.FORMATS)
def test_two_exports_are_byte_identical(bank_items, format_):
    assert export.export(bank_items, format_) == export.export(bank_items, format_)


def test_the_qti_zip_has_fixed_timestamps_and_sorted_entries(fixture_items):
    with zipfile.ZipFile(io.BytesIO(export.export(fixture_items, "qti"))) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None


def test_plain_decimals_for_gift():
    assert [export.decimal(v) for v in (1e-05, 250.0, -0.5, 0.1 + 0.2, 1e20)] == [
        "0.00001", "250", "-0.5", "0.30000000000000004", "100000000000000000000"]
