"""The quiz bank for learning management systems: GIFT, Moodle XML and a Canvas QTI 1.2 package.

Every writer starts from `exported(item)`: a question's numbered versions as source text (Markdown
inline with $TeX$), the answers worked out by the checks, the options in the order the site shows
them. From there each format gets what it can hold:

  bank type  GIFT                     Moodle XML                  QTI 1.2 (Canvas)
  single     multichoice (=, ~)       multichoice, single         multiple_choice_question
  multiple   multichoice, ~%w%        multichoice, not single     multiple_answers_question
  numeric    numerical answer:margin  numerical <tolerance>       numerical_question, answer or range
  order      matching item -> place   ordering (core since 4.4)   matching_question item -> place
  text       short answer, =spelling  shortanswer                 short_answer_question

Numeric tolerances: all three formats know only an absolute margin, so a relative tolerance becomes
the margin it gives at the answer (absolute + relative * |answer|, as the site's quiz.js adds them).
GIFT and Moodle XML also carry, as 0% answers with feedback, the values coded misconceptions give and
the site's "close: check your rounding" bands, which Moodle checks in order after the right answer.
Canvas numerical questions accept only right answers, so QTI carries the right one.

Variants: a generated question's versions form a group the LMS draws one of. Moodle XML: a category
per question holding its versions and a random question drawing from it. QTI: a section with
selection_number 1 holding the versions. GIFT has no groups: each question's versions go under a
$CATEGORY: of their own (from which a quiz can draw a random question).

Math: LMSs typeset TeX with MathJax or a filter, so $...$ becomes \\(...\\) inline TeX, inside HTML
made from the Markdown marks (`code`, **bold**, *emphasis*); everything else is HTML-escaped.

Why hand-written (evaluated from their published packages):
  - text2qti 0.8.0 (QTI) reads its own Markdown-like text; it has no matching or ordering question,
    and turns LaTeX into images through a Canvas server or pandoc instead of keeping \\( \\).
  - qti-package-maker 26.7.14 (QTI) has no ORDER item for Canvas (NotImplementedError), writes no
    feedback and no question groups (one root section), and names its output after the clock.
  - moodle-questions 0.2.1 (Moodle XML, 2020) has empty numerical and matching classes and no
    ordering or random question; moodle-xml-parser only reads.
  - gift-wrapper 1.8.1 (GIFT) has only numerical and multiple-choice questions and sends LaTeX to
    a server to make SVG images.
So each writer below is a small function over ElementTree or strings; the tests read every file
back with parsers that are not ours (gift-pegjs, ElementTree, pyslet's QTI 1.2 reader).

Output is deterministic: two exports of one commit are byte-identical (no dates, identifiers from
question ids, zip entries sorted with a fixed timestamp).
"""
import dataclasses
import html
import io
import math
import re
import zipfile
from decimal import Decimal
from xml.etree import ElementTree as ET

from sitegen.inline import blocks_html, inline_html

from . import bank, checks, judging, render
from . import misconceptions as mis

FORMATS = ("gift", "moodle", "qti")
SUFFIXES = {"gift": ".gift.txt", "moodle": ".xml", "qti": ".zip"}
CATEGORY_ROOT = "$course$/top/gru-quiz"
CLOSE_FEEDBACK = "Close: check your rounding."
RIGHT_FEEDBACK = "Right."


# ---------------------------------------------------------------- the bank as source text

@dataclasses.dataclass(frozen=True)
class Choice:
    key: str
    text: str  # Markdown inline with $TeX$
    feedback: str
    correct: bool


@dataclasses.dataclass(frozen=True)
class Wrong:
    """A numeric value a coded misconception gives, and what to tell whoever answers it."""
    value: float
    feedback: str
    misconception: str


@dataclasses.dataclass(frozen=True)
class Version:
    """One numbered version of a question, as text with $TeX$; the answer by type:
    single/multiple: the correct choices are marked; numeric: a float; order: the item keys in the
    right order; text: the accepted spellings."""
    prompt: str
    explanation: str
    answer: object = None
    choices: tuple = ()  # Choice, in the site's display order
    items: tuple = ()  # (key, text) of an order question, in the site's display order
    digits: int = 0
    absolute: float = 0.0  # numeric: the tolerance, as the bank gives it
    relative: float = 0.0
    wrong: tuple = ()  # Wrong

    def tolerance_at(self, value):
        """How far from `value` an answer may be and still equal it (quiz/judging.py)."""
        return judging.tolerance_at(value, self.absolute, self.relative)

    @property
    def margin(self):
        """Numeric: how far from the answer still counts as right."""
        return self.tolerance_at(self.answer)

    def close_bands(self):
        """Numeric: (centre, half width) of the answers that are "close: check your rounding" when neither
        right nor a misconception, as quiz/judging.py decides them for the site too."""
        bands = judging.bands(self.answer, self.digits, self.absolute, self.relative)
        return [(band.centre, band.half_width) for band in bands if band.verdict == "close"]


@dataclasses.dataclass(frozen=True)
class Exported:
    id: str
    type: str
    chapter: str
    section: str
    versions: tuple  # Version; more than one: a group the LMS draws one of
    where: str  # file, line and question, for messages


def _fill(text, values, where):
    try:
        return render.fill(text, values, where)
    except ValueError as error:
        raise bank.BankError(str(error)) from None


def exported(item, limit=None):
    """The question's versions as source text (at most `limit` of them), answers from the checks."""
    q, where = item.question, item.where()
    generated = q.check in checks.GENERATORS
    variants = checks.variants(q) if generated else [None]
    if limit is not None:
        variants = variants[:limit]
    shown = render.question_data(item)["variants"]  # the site's option and item order
    versions = []
    for index, variant in enumerate(variants):
        values = variant.values if variant is not None else {}
        common = {"prompt": _fill(q.prompt, values, where), "explanation": _fill(q.explanation, values, where)}
        if q.type in ("single", "multiple"):
            if variant is not None and variant.options:
                digits = int(q.params.get("decimals", 3))
                choices = {o.key: Choice(o.key, checks.option_text(o.value, digits),
                                         mis.feedback(o.misconception) if o.misconception else o.feedback,
                                         o.key == variant.answer) for o in variant.options}
            else:
                answers = {q.answer} if q.type == "single" else set(q.answer)
                choices = {o.key: Choice(o.key, _fill(o.text, values, where), _fill(o.feedback, values, where),
                                         o.key in answers) for o in q.options}
            order = [o["key"] for o in shown[index]["options"]]
            version = Version(**common, choices=tuple(choices[k] for k in order),
                              answer=tuple(k for k in order if choices[k].correct))
        elif q.type == "numeric":
            answer = float(variant.answer if variant is not None else q.answer)
            wrong = tuple(Wrong(float(v), mis.feedback(name), name)
                          for name, v in (variant.wrong.items() if variant is not None else ()))
            version = Version(**common, answer=answer, digits=q.digits, absolute=q.tolerance.absolute or 0.0,
                              relative=q.tolerance.relative or 0.0, wrong=wrong)
        elif q.type == "order":
            texts = {i.key: _fill(i.text, values, where) for i in q.items}
            order = [i["key"] for i in shown[index]["items"]]
            version = Version(**common, items=tuple((k, texts[k]) for k in order), answer=tuple(q.answer))
        else:
            version = Version(**common, answer=tuple(q.answer))
        versions.append(version)
    return Exported(q.id, q.type, item.chapter, q.section, tuple(versions), where)


def exported_bank(items, variants=None):
    return [exported(item, variants) for item in items]


# ---------------------------------------------------------------- text for an LMS

def _lms_math(tex):
    # LMSs typeset \(...\) with their MathJax or TeX filter; the TeX stays text until they do.
    return r"\(" + html.escape(tex.strip(), quote=False) + r"\)"


def lms_inline(text):
    """Markdown inline text as HTML, as on the site, with $TeX$ as \\(TeX\\) for the LMS."""
    return inline_html(text, math=_lms_math)


def lms_html(text):
    """Paragraphs (blank-line separated) of inline text, each in a <p>, on one line."""
    return blocks_html(text, math=_lms_math)


def order_prompt(version):
    """An order question's prompt for formats that ask it as matching: each item gets its place."""
    return version.prompt + "\n\nGive each item its place in the order (1 = first)."


def decimal(value):
    """A number as plain decimal digits (no exponent, which GIFT's grammar lacks), exact to the float."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(fraction):
    """A fraction of the grade as Moodle's percentages: 100, 50, 33.33333 (Moodle matches 1e-7)."""
    return decimal(round(100.0 * fraction, 5))


def title(entry, index):
    return entry.id if len(entry.versions) == 1 else f"{entry.id} v{index + 1}"


def category(entry=None, chapter=None):
    path = f"{CATEGORY_ROOT}/{chapter or entry.chapter}"
    return path if entry is None else f"{path}/{entry.id}"


def multiple_fractions(version):
    """Partial credit: each right choice earns its share, each wrong one takes away as much of one wrong share."""
    right = sum(c.correct for c in version.choices)
    wrong = len(version.choices) - right
    return {c.key: (1.0 / right if c.correct else -1.0 / wrong) for c in version.choices}


# ---------------------------------------------------------------- GIFT

GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")


def gift_escape(text):
    r"""Escape GIFT's control characters (\ ~ = # { } :) and keep the text on one line."""
    return GIFT_SPECIAL.sub(r"\\\1", text).replace("\r", "").replace("\n", r"\n")


def _gift_text(text, inline=False):
    return gift_escape(lms_inline(text) if inline else lms_html(text))


def _gift_feedback(text):
    return f"#{_gift_text(text, inline=True)}" if text else ""


def _gift_question(entry, index, version):
    name = gift_escape(title(entry, index))
    prompt = order_prompt(version) if entry.type == "order" else version.prompt
    lines = [f"// [id:{entry.id}-{index + 1}] [tag:{entry.chapter}] [tag:{entry.section}]",
             f"::{name}::[html]{_gift_text(prompt)}{{" + ("#" if entry.type == "numeric" else "")]
    if entry.type == "single":
        for c in version.choices:
            lines.append(f"\t{'=' if c.correct else '~'}{_gift_text(c.text, True)}{_gift_feedback(c.feedback)}")
    elif entry.type == "multiple":
        fractions = multiple_fractions(version)
        for c in version.choices:
            lines.append(f"\t~%{percent(fractions[c.key])}%{_gift_text(c.text, True)}{_gift_feedback(c.feedback)}")
    elif entry.type == "numeric":
        lines.append(f"\t={decimal(version.answer)}:{decimal(version.margin)}{_gift_feedback(RIGHT_FEEDBACK)}")
        for w in version.wrong:
            lines.append(f"\t=%0%{decimal(w.value)}:{decimal(version.tolerance_at(w.value))}"
                         f"{_gift_feedback(w.feedback)}")
        for centre, width in version.close_bands():
            lines.append(f"\t=%0%{decimal(centre)}:{decimal(width)}{_gift_feedback(CLOSE_FEEDBACK)}")
    elif entry.type == "order":
        place = {key: position for position, key in enumerate(version.answer, start=1)}
        for key, text in version.items:
            lines.append(f"\t={_gift_text(text, True)} -> {place[key]}")
    else:
        for spelling in version.answer:
            lines.append(f"\t={gift_escape(spelling)}")
    lines.append(f"\t####{_gift_text(version.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def gift(entries, source="quizzes/"):
    blocks = [f"// gru-quiz export from {source}: {len(entries)} questions. GIFT has no question groups: "
              f"a question's numbered versions share a $CATEGORY: of their own; draw one at random from it "
              f"in the quiz."]
    current = None
    for entry in entries:
        wanted = category(entry) if len(entry.versions) > 1 else category(chapter=entry.chapter)
        if wanted != current:
            blocks.append(f"$CATEGORY: {wanted}")
            current = wanted
        blocks.extend(_gift_question(entry, k, v) for k, v in enumerate(entry.versions))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


# ---------------------------------------------------------------- Moodle XML

def _sub(parent, tag, text=None, **attributes):
    element = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attributes.items()})
    if text is not None:
        element.text = str(text)
    return element


def _moodle_text(parent, tag, text, format_="html"):
    holder = _sub(parent, tag, format=format_) if format_ else _sub(parent, tag)
    _sub(holder, "text", text)
    return holder


def _moodle_answer(parent, fraction, text, feedback="", format_="html", tolerance=None):
    answer = _sub(parent, "answer", fraction=percent(fraction), format=format_)
    _sub(answer, "text", text)
    _moodle_text(answer, "feedback", lms_inline(feedback) if feedback else "")
    if tolerance is not None:
        _sub(answer, "tolerance", decimal(tolerance))
    return answer


def _moodle_common(quiz, qtype, name, prompt, explanation, idnumber):
    question = _sub(quiz, "question", type=qtype)
    _moodle_text(question, "name", name, format_=None)
    _moodle_text(question, "questiontext", lms_html(prompt))
    _moodle_text(question, "generalfeedback", lms_html(explanation))
    _sub(question, "defaultgrade", "1")
    _sub(question, "penalty", "0.3333333")
    _sub(question, "hidden", "0")
    _sub(question, "idnumber", idnumber)
    return question


def _moodle_combined_feedback(question):
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _moodle_text(question, tag, "")


def _moodle_question(quiz, entry, index, version):
    kind = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical", "order": "ordering",
            "text": "shortanswer"}[entry.type]
    question = _moodle_common(quiz, kind, title(entry, index), version.prompt, version.explanation,
                              f"{entry.id}-{index + 1}")
    if entry.type in ("single", "multiple"):
        _sub(question, "single", "true" if entry.type == "single" else "false")
        _sub(question, "shuffleanswers", "true")
        _sub(question, "answernumbering", "ABCD")
        _sub(question, "showstandardinstruction", "1")
        _moodle_combined_feedback(question)
        fractions = (multiple_fractions(version) if entry.type == "multiple"
                     else {c.key: float(c.correct) for c in version.choices})
        for c in version.choices:
            _moodle_answer(question, fractions[c.key], lms_inline(c.text), c.feedback)
    elif entry.type == "numeric":
        _moodle_answer(question, 1.0, decimal(version.answer), RIGHT_FEEDBACK, "moodle_auto_format", version.margin)
        for w in version.wrong:
            _moodle_answer(question, 0.0, decimal(w.value), w.feedback, "moodle_auto_format",
                           version.tolerance_at(w.value))
        for centre, width in version.close_bands():
            _moodle_answer(question, 0.0, decimal(centre), CLOSE_FEEDBACK, "moodle_auto_format", width)
        _sub(question, "unitgradingtype", "0")
        _sub(question, "unitpenalty", "0.1000000")
        _sub(question, "showunits", "3")
        _sub(question, "unitsleft", "0")
    elif entry.type == "order":
        _sub(question, "layouttype", "VERTICAL")
        _sub(question, "selecttype", "ALL")
        _sub(question, "selectcount", "0")
        _sub(question, "gradingtype", "ABSOLUTE_POSITION")
        _sub(question, "showgrading", "SHOW")
        _sub(question, "numberingstyle", "none")
        _moodle_combined_feedback(question)
        texts = dict(version.items)
        for position, key in enumerate(version.answer, start=1):
            # the ordering question keeps an item's right place in its fraction (1, 2, ...)
            answer = _sub(question, "answer", fraction=f"{position}.0000000", format="html")
            _sub(answer, "text", lms_inline(texts[key]))
            _moodle_text(answer, "feedback", "")
    else:
        _sub(question, "usecase", "0")
        for spelling in version.answer:
            _moodle_answer(question, 1.0, spelling, format_="moodle_auto_format")


def _moodle_category(quiz, path, info=""):
    question = _sub(quiz, "question", type="category")
    _moodle_text(question, "category", path, format_=None)
    _moodle_text(question, "info", info)
    _sub(question, "idnumber")


def moodle(entries):
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" gru-quiz export: {len(entries)} questions; a question's numbered versions share a "
                           f"category with a random question that draws one of them "))
    current = None
    for entry in entries:
        if len(entry.versions) == 1:
            if current != category(chapter=entry.chapter):
                current = category(chapter=entry.chapter)
                _moodle_category(quiz, current)
            _moodle_question(quiz, entry, 0, entry.versions[0])
            continue
        current = category(entry)
        _moodle_category(quiz, current, f"The {len(entry.versions)} numbered versions of {entry.id}.")
        for index, version in enumerate(entry.versions):
            _moodle_question(quiz, entry, index, version)
        random = _moodle_common(quiz, "random", f"Random ({entry.id})", "0", "", "")
        random.find("questiontext/text").text = "0"  # 0: draw from this category only, not its children
        random.find("generalfeedback/text").text = ""
    return _xml_bytes(quiz)


def _xml_bytes(root):
    ET.indent(root, space="  ")
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


# ---------------------------------------------------------------- QTI 1.2 for Canvas

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_TYPES = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
             "numeric": "numerical_question", "order": "matching_question", "text": "short_answer_question"}


def _mattext(parent, text, html_=True):
    material = _sub(parent, "material")
    _sub(material, "mattext", text, texttype="text/html" if html_ else "text/plain")
    return material


def _metadata(item, fields):
    metadata = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields:
        field = _sub(metadata, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _feedback_condition(resprocessing, linkrefid, condition=None):
    """A respcondition that shows feedback `linkrefid` (when `condition`, an element builder, holds)."""
    respcondition = _sub(resprocessing, "respcondition", continue_="Yes")
    conditionvar = _sub(respcondition, "conditionvar")
    if condition is None:
        _sub(conditionvar, "other")
    else:
        condition(conditionvar)
    _sub(respcondition, "displayfeedback", feedbacktype="Response", linkrefid=linkrefid)


def _score_condition(resprocessing, condition, score=100, action="Set"):
    respcondition = _sub(resprocessing, "respcondition", continue_="No" if action == "Set" else "Yes")
    condition(_sub(respcondition, "conditionvar"))
    _sub(respcondition, "setvar", decimal(score), varname="SCORE", action=action)


def _itemfeedback(item, ident, text):
    feedback = _sub(item, "itemfeedback", ident=ident)
    _mattext(_sub(feedback, "flow_mat"), text)


def _qti_item(parent, entry, index, version):
    ident = f"{entry.id}-{index + 1}"
    item = _sub(parent, "item", ident=ident, title=title(entry, index))
    choices = [c.key for c in version.choices] or [f"place-{k}" for k in range(1, len(version.items) + 1)]
    _metadata(item, [("question_type", QTI_TYPES[entry.type]), ("points_possible", "1.0"),
                     ("original_answer_ids", ",".join(choices)), ("assessment_question_identifierref", ident)])
    presentation = _sub(item, "presentation")
    _mattext(presentation, lms_html(order_prompt(version) if entry.type == "order" else version.prompt))
    resprocessing = ET.Element("resprocessing")
    _sub(_sub(resprocessing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    _feedback_condition(resprocessing, "general_fb")
    feedback = []  # (ident, text) of itemfeedback after resprocessing
    if entry.type in ("single", "multiple"):
        lid = _sub(presentation, "response_lid", ident="response1",
                   rcardinality="Single" if entry.type == "single" else "Multiple")
        render_choice = _sub(lid, "render_choice")
        for c in version.choices:
            label = _sub(render_choice, "response_label", ident=c.key)
            _mattext(label, lms_inline(c.text))
            if c.feedback:
                _feedback_condition(resprocessing, f"{c.key}_fb",
                                    lambda cv, key=c.key: _sub(cv, "varequal", key, respident="response1"))
                feedback.append((f"{c.key}_fb", lms_inline(c.feedback)))

        def right(conditionvar):
            if entry.type == "single":
                _sub(conditionvar, "varequal", version.answer[0], respident="response1")
                return
            both = _sub(conditionvar, "and")
            for c in version.choices:
                holder = both if c.correct else _sub(both, "not")
                _sub(holder, "varequal", c.key, respident="response1")
        _score_condition(resprocessing, right)
    elif entry.type == "numeric":
        response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")

        def within(conditionvar):
            either = _sub(conditionvar, "or")
            _sub(either, "varequal", decimal(version.answer), respident="response1")
            both = _sub(either, "and")
            _sub(both, "vargte", decimal(version.answer - version.margin), respident="response1")
            _sub(both, "varlte", decimal(version.answer + version.margin), respident="response1")
        _score_condition(resprocessing, within)
    elif entry.type == "order":
        place = {key: position for position, key in enumerate(version.answer, start=1)}
        for key, text in version.items:
            lid = _sub(presentation, "response_lid", ident=f"response-{key}")
            _mattext(lid, lms_inline(text))
            render_choice = _sub(lid, "render_choice")
            for position in range(1, len(version.items) + 1):
                _mattext(_sub(render_choice, "response_label", ident=f"place-{position}"), str(position), False)
        for key, _ in version.items:
            _score_condition(resprocessing, lambda cv, key=key: _sub(cv, "varequal", f"place-{place[key]}",
                                                                     respident=f"response-{key}"),
                             score=100.0 / len(version.items), action="Add")
    else:
        response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")

        def spelled(conditionvar):
            either = _sub(conditionvar, "or")
            for spelling in version.answer:
                _sub(either, "varequal", spelling, respident="response1")
        _score_condition(resprocessing, spelled)
    item.append(resprocessing)
    _itemfeedback(item, "general_fb", lms_html(version.explanation))
    for ident_, text in feedback:
        _itemfeedback(item, ident_, text)


def qti_assessment(entries, ident, name):
    root = ET.Element("questestinterop", {"xmlns": QTI_NS, "xmlns:xsi": XSI,
                                          "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/"
                                                                f"ims_qtiasiv1p2p1.xsd"})
    assessment = _sub(root, "assessment", ident=ident, title=name)
    field = _sub(_sub(assessment, "qtimetadata"), "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    section = _sub(assessment, "section", ident="root_section")
    for entry in entries:
        if len(entry.versions) == 1:
            _qti_item(section, entry, 0, entry.versions[0])
            continue
        group = _sub(section, "section", ident=f"group-{entry.id}", title=entry.id)
        selection = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(selection, "selection_number", "1")
        _sub(_sub(selection, "selection_extension"), "points_per_item", "1.0")
        for index, version in enumerate(entry.versions):
            _qti_item(group, entry, index, version)
    return _xml_bytes(root)


def _canvas_meta(entries, ident, name):
    root = ET.Element("quiz", {"identifier": ident, "xmlns": CANVAS_NS, "xmlns:xsi": XSI,
                               "xsi:schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    for tag, text in (("title", name), ("description", ""), ("shuffle_answers", "true"),
                      ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
                      ("points_possible", decimal(len(entries))), ("show_correct_answers", "true"),
                      ("allowed_attempts", "1"), ("one_question_at_a_time", "false"), ("cant_go_back", "false"),
                      ("available", "false")):
        _sub(root, tag, text)
    return _xml_bytes(root)


def _manifest(ident, name):
    root = ET.Element("manifest", {"identifier": f"{ident}-manifest", "xmlns": CP_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    resource = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    _sub(resource, "file", href=f"{ident}/{ident}.xml")
    _sub(resource, "dependency", identifierref=f"{ident}-meta")
    meta = _sub(resources, "resource", identifier=f"{ident}-meta",
                type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                href=f"{ident}/assessment_meta.xml")
    _sub(meta, "file", href=f"{ident}/assessment_meta.xml")
    root.insert(0, ET.Comment(f" {name} "))
    return _xml_bytes(root)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build date in the package


def deterministic_zip(files):
    """A zip of {name: bytes}: entries sorted, fixed timestamp and permissions, so equal input gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return out.getvalue()


def qti(entries, chapter=None):
    ident = f"gru-quiz-{chapter or 'all'}"
    name = f"GRU vs LSTM quiz: {chapter or 'all chapters'}"
    return deterministic_zip({"imsmanifest.xml": _manifest(ident, name),
                              f"{ident}/{ident}.xml": qti_assessment(entries, ident, name),
                              f"{ident}/assessment_meta.xml": _canvas_meta(entries, ident, name)})


# ---------------------------------------------------------------- one call

def export(items, format_, variants=None, chapter=None):
    """The bytes of one export of `items` (Located questions) in `format_` (gift, moodle or qti)."""
    if format_ not in FORMATS:
        raise ValueError(f"format: expected one of {FORMATS}, got {format_!r}")
    entries = exported_bank(items, variants)
    if format_ == "gift":
        return gift(entries)
    if format_ == "moodle":
        return moodle(entries)
    return qti(entries, chapter)
