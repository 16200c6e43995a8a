"""The quiz widget (docs/javascripts/quiz.js) in Chromium, offline.

Two kinds of page: the real site, built once per session (its bank changes as questions are written,
so these tests find questions by type in the page's data), and a fixture page made from the small
bank in widget_bank/ inside the built site (exact cases: known answers, tolerances, misconceptions,
text that tries to be markup). Screenshots go to $GRU_REF_SCREENSHOTS when it is set.
"""
import gzip
import html
import json
import os
import re
from pathlib import Path

import pytest
from site_server import build_site, only_local, serve

from quiz import bank, render

FIXTURE_BANK = Path(__file__).parent / "widget_bank" / "gru.yml"
ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">).*?(</article>)', re.DOTALL)
PAGE_BUDGET = 300_000  # bytes a page costs as a host that gzips text sends it
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


# ---------------------------------------------------------------- the site and the fixture page

def fixture_items():
    return bank.load_file(FIXTURE_BANK, "gru")


def write_fixture_page(site_dir):
    """fixture.html: the Practice page with its article replaced by two quizzes from the fixture bank."""
    items = fixture_items()
    first = [item for item in items if item.question.id != "w-inert"]
    second = [item for item in items if item.question.id == "w-inert"]
    body = ('<h1 id="quiz-fixture">Quiz fixture</h1><p><a id="start" href="#quiz-fixture">Start</a></p>'
            '<h2 id="first">First quiz</h2>' + render.quiz_html(first, "fixture", "Fixture quiz")
            + '<h2 id="second">Second quiz</h2>' + render.quiz_html(second, "fixture-b", "Second quiz"))
    page = (site_dir / "practice.html").read_text(encoding="utf-8")
    assert ARTICLE.search(page), "no <article> in practice.html to put the fixture quiz in"
    (site_dir / "fixture.html").write_text(ARTICLE.sub(lambda m: m.group(1) + body + m.group(2), page, count=1),
                                           encoding="utf-8")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("quiz-widget") / "site"
    process = build_site(site_dir)
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    write_fixture_page(site_dir)
    with serve(site_dir) as url:
        yield url, site_dir




class Visit:
    """A page in a fresh context (fresh localStorage) that may reach 127.0.0.1 and file:// only;
    console errors, page errors, dialogs and remote requests are recorded, and finish() asserts none."""

    def __init__(self, browser, url, color_scheme="light", width=1280, height=900, javascript=True, ignore=None):
        self.errors, self.remote, self.dialogs, self.ignore = [], [], [], ignore
        self.context = browser.new_context(color_scheme=color_scheme, viewport={"width": width, "height": height},
                                           java_script_enabled=javascript)
        self.context.route("**/*", only_local(self.remote))
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type in ("error", "warning") and self.errors.append(
            f"console {message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("dialog", self._dialog)
        self.responses = []
        self.page.on("response", lambda response: self.responses.append(response))
        self.page.goto(url, wait_until="load")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


    def finish(self):
        errors = [e for e in self.errors if not (self.ignore and re.search(self.ignore, e))]
        assert not errors, errors
        assert not self.remote, f"requests to other hosts: {self.remote}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        try:
            if kind is None:
                self.finish()
        finally:
            self.context.close()


@pytest.fixture
def visit(browser, site):
    url, _ = site

    def open_page(page, **options):
        return Visit(browser, url + page, **options)
    return open_page


# ---------------------------------------------------------------- answering, as a reader would

def question(page, qid):
    return page.locator(f'section.gr-q[data-id="{qid}"]')


def shown_variant(section):
    """The question's page data and the version on screen."""
    data = json.loads(section.locator("script.gr-q-data").text_content())
    return data, data["variants"][int(section.get_attribute("data-variant"))]


def right_answer(kind, variant):
    if kind == "numeric":
        return f"{variant['answer']:.{variant['digits']}f}"
    if kind == "text":
        return variant["answer"][0]
    return variant["answer"]


def wrong_answer(kind, variant):
    if kind == "single":
        return next(o["key"] for o in variant["options"] if o["key"] != variant["answer"])
    if kind == "multiple":
        others = [o["key"] for o in variant["options"] if o["key"] not in variant["answer"]]
        return others[:1] or variant["answer"][:-1] or []
    if kind == "numeric":
        return str(variant["answer"] * 3 + 1000)
    if kind == "order":
        return list(reversed(variant["answer"]))
    return "certainly not this"


def give(section, kind, answer):
    """Enter an answer with the mouse and keyboard as a reader would (not by setting values)."""
    if kind == "single":
        section.locator(f'.gr-opt[data-key="{answer}"] label').click()
    elif kind == "multiple":
        for box in section.locator(".gr-opt input").all():
            box.set_checked(box.get_attribute("value") in answer)
    elif kind == "order":
        for place, key in enumerate(answer):
            now = keys(section).index(key)
            for _ in range(now - place):
                section.locator(f'.gr-item[data-key="{key}"] .gr-move--up').click()
    else:
        section.locator(".gr-q-field input").fill(answer)


def keys(section):
    """The order items' keys as they stand."""
    return section.locator(".gr-item").evaluate_all("items => items.map(i => i.dataset.key)")


def check(section):
    section.locator(".gr-check").click()
    return status(section)


def status(section):
    return " ".join(section.locator(".gr-q-status").inner_text().split())


def answer_and_check(section, answer):
    give(section, section.get_attribute("data-type"), answer)
    return check(section)


def visible(locator):
    return [node.is_visible() for node in locator.all()]


# ---------------------------------------------------------------- each type, right and wrong

def test_single_choice_feedback_per_option_and_explanation(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-single")
        explanation = q.locator(".gr-q-explanation")
        assert not explanation.is_visible()
        said = answer_and_check(q, "candidate")
        assert said.startswith("Not quite. That is what") and said.endswith("gives."), said
        assert q.locator('.gr-opt[data-key="candidate"] .gr-mark').inner_text() == "\u2717 wrong"
        assert explanation.is_visible() and "Explanation" in explanation.inner_text()
        assert q.locator(".gr-show").is_visible()
        said = answer_and_check(q, "previous")
        assert said.startswith("Right. The first term keeps all of"), said  # not "Right. Right."
        assert q.locator('.gr-opt[data-key="previous"] .gr-mark').inner_text() == "\u2713 right"
        assert not q.locator(".gr-show").is_visible()
        assert "gr-q--right" in q.get_attribute("class")


def test_multiple_choice_names_wrong_and_missing_choices(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-multiple")
        said = answer_and_check(q, ["update", "candidate"])
        assert said == "Not quite. 1 wrong choice, 1 right option not chosen.", said
        feedback = {key: q.locator(f'.gr-opt[data-key="{key}"] .gr-opt-feedback')
                    for key in ("update", "candidate", "reset")}
        assert feedback["candidate"].inner_text() == "A tanh, so it can be negative."
        assert feedback["update"].inner_text() == "A sigmoid, so yes."
        assert not feedback["reset"].is_visible()
        assert q.locator(".gr-q-explanation").is_visible()
        assert answer_and_check(q, ["update", "reset"]) == "Right."
        assert visible(q.locator(".gr-opt-feedback")).count(True) == 2


def test_order_by_buttons(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-order")
        data, variant = shown_variant(q)
        said = answer_and_check(q, list(reversed(variant["answer"])))
        assert re.fullmatch(r"Not quite\. \d of 4 in the right place\.", said), said
        assert q.locator(".gr-q-explanation").is_visible()
        q.locator(".gr-item").first.locator(".gr-move--up").click()
        assert status(q) == "Already first."
        assert answer_and_check(q, variant["answer"]) == "Right."
        assert keys(q) == variant["answer"]


def test_text_ignores_case_and_spacing(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-text")
        assert answer_and_check(q, "reset gate") == "Not quite."
        assert q.locator(".gr-q-explanation").is_visible()
        for spelling in ("  Update   GATE ", "updategate", "U_T", "u_t"):
            assert answer_and_check(q, spelling) == "Right.", spelling
        assert answer_and_check(q, "   ") == "Write your answer first."


def test_show_answer_reveals_and_does_not_count_as_right(visit):
    with visit("fixture.html") as v:
        page = v.page
        numeric = question(page, "w-numeric")
        answer_and_check(numeric, "5")
        numeric.locator(".gr-show").click()
        assert numeric.locator(".gr-q-answer").inner_text() == "Answer: -0.73"
        assert page.evaluate("document.activeElement.classList.contains('gr-q-answer')")
        single = question(page, "w-single")
        answer_and_check(single, "zero")
        single.locator(".gr-show").click()
        assert "gr-is-answer" in single.locator('.gr-opt[data-key="previous"]').get_attribute("class")
        letter = single.locator('.gr-opt[data-key="previous"] .gr-opt-letter').inner_text()
        assert single.locator(".gr-q-answer").inner_text() == f"Answer: {letter}"
        order = question(page, "w-order")
        answer_and_check(order, wrong_answer("order", shown_variant(order)[1]))
        order.locator(".gr-show").click()
        assert order.locator(".gr-q-answer strong").inner_text() == "Answer:"
        assert order.locator(".gr-q-answer li").first.inner_text().startswith("compute")
        assert answer_and_check(single, "previous").startswith("Right")
        assert page.locator(".gr-quiz-bar").first.inner_text() == "Score: 0 of 7 right \u00b7 3 answered"


# ---------------------------------------------------------------- numbers

NUMBER_CASES = [  # question, what is typed, what the widget says
    ("w-numeric-positive", "0.73", "Right."),
    ("w-numeric-positive", ".731", "Right."),
    ("w-numeric-positive", "7.3e-1", "Right."),
    ("w-numeric-positive", " 7.31E-1 ", "Right."),
    ("w-numeric-positive", "+0.731", "Right."),
    ("w-numeric-positive", "\u22120.73", "Not quite."),
    ("w-numeric", "\u22120.73", "Right."),  # Unicode minus
    ("w-numeric", "-0.73", "Right."),
    ("w-numeric", "  -.73\u00a0", "Right."),
    ("w-numeric", "\u22127.3e-1", "Right."),
    ("w-numeric", "0.73", "Not quite."),
    ("w-numeric", "-0.74", "Close: check your rounding."),  # within 10x the tolerance
    ("w-numeric", "-0.7", "Close: check your rounding."),  # right to one decimal fewer
    ("w-numeric", "-0.8", "Not quite."),
    ("w-numeric", "0.7.3", "Write a number, such as 0.73, .73 or 7.3e-1."),
    ("w-numeric", "", "Write a number, such as 0.73, .73 or 7.3e-1."),
    ("w-numeric", "seven", "Write a number, such as 0.73, .73 or 7.3e-1."),
]


def test_numeric_formats_tolerance_and_close(visit):
    with visit("fixture.html") as v:
        said = {}
        for qid, typed, _ in NUMBER_CASES:
            q = question(v.page, qid)
            said[qid, typed] = answer_and_check(q, typed)
            if said[qid, typed].startswith("Write"):  # not an answer: nothing decided, no explanation yet
                assert q.get_attribute("class") == "gr-q"
        assert said == {(qid, typed): verdict for qid, typed, verdict in NUMBER_CASES}
        fresh = question(v.page, "w-generated")
        assert answer_and_check(fresh, "x") == NUMBER_CASES[-1][2]
        assert not fresh.locator(".gr-q-explanation").is_visible()


def test_numeric_misconception_gets_its_feedback(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-generated")
        _, variant = shown_variant(q)
        right = variant["bands"][0]
        tolerance = (right["high"] - right["low"]) / 2
        mistakes = [b for b in variant["bands"] if b["verdict"] == "misconception"]
        apart = [w for w in mistakes if abs((w["low"] + w["high"]) / 2 - variant["answer"]) > 20 * tolerance]
        assert len(apart) >= 2, mistakes
        for wrong in apart:
            said = answer_and_check(q, f"{(wrong['low'] + wrong['high']) / 2:.3f}")
            before_math = html.unescape(wrong["feedback"].split("<")[0])
            assert said.startswith("Not quite. " + before_math), (said, before_math)
        assert answer_and_check(q, right_answer("numeric", variant)) == "Right."


def test_new_numbers_change_prompt_and_answer_and_reset_the_question(visit):
    with visit("fixture.html") as v:
        q = question(v.page, "w-generated")
        data, first = shown_variant(q)
        assert len(data["variants"]) == 3
        prompt = q.locator(".gr-q-prompt").inner_text()
        assert answer_and_check(q, right_answer("numeric", first)) == "Right."
        q.locator(".gr-new").click()
        _, second = shown_variant(q)
        assert q.get_attribute("data-variant") == "1"
        assert q.locator(".gr-q-prompt").inner_text() != prompt
        assert status(q) == "New numbers: version 2 of 3."
        assert q.locator(".gr-q-field input").input_value() == ""
        assert not q.locator(".gr-q-explanation").is_visible()
        assert "gr-q--right" not in q.get_attribute("class")
        assert abs(first["answer"] - second["answer"]) > first["bands"][0]["high"] - first["bands"][0]["low"]
        assert answer_and_check(q, right_answer("numeric", first)) != "Right."
        assert answer_and_check(q, right_answer("numeric", second)) == "Right."
        for _ in range(2):
            q.locator(".gr-new").click()
        assert q.get_attribute("data-variant") == "0" and q.locator(".gr-q-prompt").inner_text() == prompt


def test_new_numbers_on_the_real_site_change_the_single_choice_options(visit):
    with visit("practice.html") as v:
        several = [s for s in v.page.locator("section.gr-q[data-type=single]").all()
                   if len(shown_variant(s)[0]["variants"]) > 1]
        assert several, "the bank has no single-choice question with versions"
        q = several[0]
        _, first = shown_variant(q)
        options = q.locator(".gr-opt-text").all_inner_texts()
        q.locator(".gr-new").click()
        _, second = shown_variant(q)
        assert q.locator(".gr-opt-text").all_inner_texts() != options
        # the static list (what prints) follows the numbers on screen
        assert q.locator(".gr-q-options li").count() == len(second["options"])
        assert answer_and_check(q, second["answer"]).startswith("Right")


# ---------------------------------------------------------------- progress, score, summary

def test_progress_survives_a_reload_and_reset_clears_it(visit):
    with visit("fixture.html") as v:
        page = v.page
        answer_and_check(question(page, "w-single"), "previous")
        answer_and_check(question(page, "w-numeric"), "0.5")
        generated = question(page, "w-generated")
        generated.locator(".gr-new").click()
        give(question(page, "w-order"), "order", ["output", "mix", "candidate", "gates"])
        bar = page.locator(".gr-quiz-bar").first
        assert bar.inner_text() == "Score: 1 of 7 right \u00b7 2 answered"
        page.reload()
        single, numeric = question(page, "w-single"), question(page, "w-numeric")
        assert single.locator('.gr-opt[data-key="previous"] input').is_checked()
        assert status(single).startswith("Right.") and single.locator(".gr-q-explanation").is_visible()
        assert numeric.locator(".gr-q-field input").input_value() == "0.5" and status(numeric) == "Not quite."
        assert generated.get_attribute("data-variant") == "1"
        assert keys(question(page, "w-order")) == ["output", "mix", "candidate", "gates"]
        assert bar.inner_text() == "Score: 1 of 7 right \u00b7 2 answered"
        page.locator(".gr-quiz").first.locator(".gr-reset").click()
        assert bar.inner_text() == "Score: 0 of 7 right \u00b7 0 answered"
        assert not single.locator("input:checked").count() and not status(single)
        assert generated.get_attribute("data-variant") == "0"
        page.reload()
        assert bar.inner_text() == "Score: 0 of 7 right \u00b7 0 answered"
        assert numeric.locator(".gr-q-field input").input_value() == ""
        assert not page.locator(".gr-q-explanation:visible").count()


def test_score_and_results_summary(visit):
    with visit("fixture.html") as v:
        page = v.page
        quiz = page.locator('.gr-quiz[data-quiz="fixture"]')
        ids = quiz.locator("section.gr-q").evaluate_all("s => s.map(q => q.dataset.id)")
        wrong = {"w-multiple", "w-text"}
        for qid in ids:
            q = question(page, qid)
            kind = q.get_attribute("data-type")
            _, variant = shown_variant(q)
            answer_and_check(q, wrong_answer(kind, variant) if qid in wrong else right_answer(kind, variant))
        summary = quiz.locator(".gr-quiz-score").inner_text()
        assert len(ids) == 7 and summary == "All 7 questions answered: 5 right. On this page: 5 of 8 right.", summary
        assert quiz.locator(".gr-quiz-bar").inner_text() == f"Score: 5 of {len(ids)} right \u00b7 {len(ids)} answered"
        links = quiz.locator(".gr-quiz-revisit a").evaluate_all("a => a.map(l => l.getAttribute('href'))")
        assert links == ["#q-w-multiple", "gru.html#the-reset-gate", "#q-w-text", "gru.html#the-update-gate"]
        other = page.locator('.gr-quiz[data-quiz="fixture-b"]')
        answer_and_check(question(page, "w-inert"), "text")
        said = other.locator(".gr-quiz-score").inner_text()
        assert said == "All 1 question answered: 1 right. On this page: 6 of 8 right."
        assert quiz.locator(".gr-quiz-score").inner_text().endswith("On this page: 6 of 8 right.")


# ---------------------------------------------------------------- keyboard, screen readers

def tab_to(page, target, limit=40):
    """Press Tab (Shift+Tab if it comes before the focus) until `target` has the focus."""
    back = target.evaluate("node => !!(document.activeElement.compareDocumentPosition(node) & "
                           "Node.DOCUMENT_POSITION_PRECEDING)")
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def test_a_whole_quiz_by_keyboard_only(visit):
    with visit("fixture.html") as v:
        page = v.page
        page.locator("#start").focus()
        quiz = page.locator('.gr-quiz[data-quiz="fixture"]')
        ids = quiz.locator("section.gr-q").evaluate_all("s => s.map(q => q.dataset.id)")
        for qid in ids:
            q = question(page, qid)
            kind = q.get_attribute("data-type")
            data, variant = shown_variant(q)
            if len(data["variants"]) > 1:  # new numbers first, with Enter
                tab_to(page, q.locator(".gr-new"))
                page.keyboard.press("Enter")
                data, variant = shown_variant(q)
                assert q.get_attribute("data-variant") == "1"
                tab_to(page, q.locator(".gr-q-field input"))
            answer = right_answer(kind, variant)
            if kind == "single":
                radios = q.locator(".gr-opt input")
                tab_to(page, radios.first)
                page.keyboard.press("Space")
                for _ in range(radios.count()):
                    if page.evaluate("document.activeElement.value") == answer:
                        break
                    page.keyboard.press("ArrowDown")
                assert q.locator(f'.gr-opt[data-key="{answer}"] input').is_checked()
            elif kind == "multiple":
                for box in q.locator(".gr-opt input").all():
                    tab_to(page, box)
                    if box.get_attribute("value") in answer:
                        page.keyboard.press("Space")
            elif kind == "order":
                for place, key in enumerate(answer):
                    now = keys(q).index(key)
                    if now == place:
                        continue
                    tab_to(page, q.locator(f'.gr-item[data-key="{key}"] .gr-move--up'))
                    for _ in range(now - place):
                        page.keyboard.press("Enter")  # the focus stays on the moved item's button
                    assert "Moved to place" in status(q)
            else:
                field = q.locator(".gr-q-field input")
                if not field.evaluate("node => node === document.activeElement"):
                    tab_to(page, field)
                page.keyboard.type(answer)
            if kind in ("numeric", "text"):
                page.keyboard.press("Enter")  # submits the question's form
            else:
                tab_to(page, q.locator(".gr-check"))
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline not in ("none", ""), "the focused Check button shows no outline"
                page.keyboard.press("Enter" if kind != "order" else "Space")
            assert status(q).startswith("Right"), (qid, status(q))
        n = len(ids)
        assert quiz.locator(".gr-quiz-bar").inner_text() == f"Score: {n} of {n} right \u00b7 {n} answered"
        tab_to(page, quiz.locator(".gr-reset"))
        page.keyboard.press("Enter")
        assert quiz.locator(".gr-quiz-bar").inner_text().startswith("Score: 0 of")


def test_controls_are_labelled_for_screen_readers(visit):
    with visit("fixture.html") as v:
        page = v.page
        names = page.evaluate("""() => {
          const prompt = q => q.querySelector('.gr-q-prompt').id;
          return [...document.querySelectorAll('section.gr-q')].map(q => ({
            id: q.dataset.id,
            group: (q.querySelector('fieldset, ol.gr-q-order') || q.querySelector('input')).getAttribute(
              q.querySelector('fieldset, ol.gr-q-order') ? 'aria-labelledby' : 'aria-describedby') === prompt(q),
            labels: [...q.querySelectorAll('.gr-q-form input')].every(i => i.labels.length === 1 &&
              i.labels[0].textContent.trim()),
            status: q.querySelector('.gr-q-status').getAttribute('role'),
            buttons: [...q.querySelectorAll('.gr-q-form button')].every(b => b.type && (b.textContent.trim() ||
              b.getAttribute('aria-labelledby'))),
          }));
        }""")
        for entry in names:
            assert entry == {"id": entry["id"], "group": True, "labels": True, "status": "status", "buttons": True}
        up = question(page, "w-order").locator(".gr-move--up").first
        labelled = up.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{labelled[0]}").inner_text() == "Move up:"
        assert "gr-item-text" in page.locator(f"#{labelled[1]}").get_attribute("class")
        assert page.locator(".gr-quiz-summary [role=status]").count() == 2  # "Answers cleared."


# ---------------------------------------------------------------- the real site

# Every question of a page answered wrong, then right, in one call into the page: the inputs set as
# a reader would leave them (input events, move buttons clicked), then the Check button clicked.
ANSWER_EVERY_QUESTION = """() => [...document.querySelectorAll("section.gr-q")].map((q) => {
  const data = JSON.parse(q.querySelector("script.gr-q-data").textContent);
  const v = data.variants[+q.dataset.variant], type = data.type, said = [];
  const fire = (node) => node.dispatchEvent(new Event("input", {bubbles: true}));
  const give = (answer) => {
    if (type === "single" || type === "multiple") {
      q.querySelectorAll(".gr-opt input").forEach((i) => { i.checked = [].concat(answer).includes(i.value); fire(i); });
    } else if (type === "order") {
      answer.forEach((key, place) => {
        const now = [...q.querySelectorAll(".gr-item")].findIndex((li) => li.dataset.key === key);
        for (let k = now; k > place; k--) q.querySelector(`.gr-item[data-key="${key}"] .gr-move--up`).click();
      });
    } else {
      const input = q.querySelector(".gr-q-field input");
      input.value = answer;
      fire(input);
    }
    q.querySelector(".gr-check").click();
    said.push(q.querySelector(".gr-q-status").textContent.trim());
  };
  const keys = (v.options || []).map((o) => o.key);
  const wrong = {single: () => keys.find((k) => k !== v.answer), numeric: () => String(v.answer * 3 + 1000),
                 multiple: () => keys.filter((k) => !v.answer.includes(k)).slice(0, 1),
                 order: () => [...v.answer].reverse(), text: () => "certainly not"};
  give(wrong[type]());
  give(type === "numeric" ? v.answer.toFixed(v.digits) : type === "text" ? v.answer[0] : v.answer);
  return {id: data.id, type, wrong: said[0], right: said[1],
          explained: !q.querySelector(".gr-q-explanation").hidden};
})"""


def answer_every_question(page):
    found = page.evaluate(ANSWER_EVERY_QUESTION)
    problems = [f for f in found if not (f["right"].startswith("Right") and f["explained"]
                                          and f["wrong"].startswith(("Not quite", "Close")))]
    assert not problems, problems
    return found


def test_every_question_of_the_bank_takes_its_right_answer_and_not_a_wrong_one(visit):
    with visit("practice.html") as v:
        found = answer_every_question(v.page)
        kinds = {kind: sum(f["type"] == kind for f in found) for kind in ("single", "multiple", "numeric", "order",
                                                                           "text")}
        print(f"\npractice page: {len(found)} questions, each answered wrong then right; by type {kinds}")
        n = len(found)
        assert v.page.locator(".gr-quiz-bar").inner_text() == f"Score: {n} of {n} right \u00b7 {n} answered"


def test_chapter_pages_with_several_quizzes_count_the_page_total(visit, site):
    _, site_dir = site
    # the chapters' own pages: the print page shows their quizzes as they print, without controls
    pages = [f"{chapter}.html" for chapter in bank.CHAPTERS
             if 'class="gr-quiz"' in (site_dir / f"{chapter}.html").read_text(encoding="utf-8")]
    assert "gru.html" in pages
    for name in pages:
        with visit(name) as v:
            quizzes = v.page.locator(".gr-quiz").count()
            n = len(answer_every_question(v.page))
            last = v.page.locator(".gr-quiz-score").last.inner_text()
            assert last.endswith(f"On this page: {n} of {n} right.") if quizzes > 1 else "On this page" not in last


def test_practice_filters_by_chapter_and_type(visit):
    with visit("practice.html") as v:
        page = v.page
        sections = page.locator("section.gr-q")
        total = sections.count()
        chapter, kind = page.locator("select[data-filter=chapter]"), page.locator("select[data-filter=type]")
        chapters = chapter.locator("option").evaluate_all("o => o.map(x => x.value)")
        kinds = kind.locator("option").evaluate_all("o => o.map(x => x.value)")
        assert chapters[0] == ""
        assert set(chapters[1:]) == set(sections.evaluate_all("s => s.map(q => q.dataset.chapter)"))
        assert kinds[0] == "" and set(kinds[1:]) == set(sections.evaluate_all("s => s.map(q => q.dataset.type)"))
        shown = "section.gr-q:not([hidden])"
        for value in chapters[1:]:
            chapter.select_option(value)
            found = page.locator(shown).evaluate_all("s => s.map(q => q.dataset.chapter)")
            assert found and set(found) == {value}
            assert page.locator(".gr-quiz-count").inner_text() == f"Showing {len(found)} of {total} questions."
        chapter.select_option("")
        for value in kinds[1:]:
            kind.select_option(value)
            found = page.locator(shown).evaluate_all("s => s.map(q => q.dataset.type)")
            assert found and set(found) == {value}
            assert visible(page.locator(shown)) == [True] * len(found)
        # both at once, and the choice survives a reload
        chapter.select_option(chapters[1])
        both = page.locator(shown).evaluate_all("s => s.map(q => [q.dataset.chapter, q.dataset.type])")
        assert all(pair == [chapters[1], kinds[-1]] for pair in both)
        assert page.locator(".gr-quiz-bar").inner_text().endswith(f"of {len(both)} right \u00b7 0 answered")
        page.reload()
        assert page.locator(shown).count() == len(both)
        page.locator(".gr-reset").click()
        assert page.locator(shown).count() == total


# ---------------------------------------------------------------- without script, print, inert text

def test_without_javascript_the_questions_show_and_the_answers_do_not(visit):
    for name in ("practice.html", "fixture.html"):
        with visit(name, javascript=False) as v:
            page = v.page
            count = page.locator("section.gr-q").count()
            assert count and visible(page.locator(".gr-q-prompt")) == [True] * count
            assert all(visible(page.locator(".gr-q-options")))
            assert not any(visible(page.locator(".gr-q-explanation")))
            assert not page.locator(".gr-q-form, select").count()


def test_print_shows_questions_without_answers(visit):
    with visit("fixture.html") as v:
        page = v.page
        answer_and_check(question(page, "w-single"), "previous")
        answer_and_check(question(page, "w-multiple"), ["update", "candidate"])
        answer_and_check(question(page, "w-numeric"), "3")
        question(page, "w-numeric").locator(".gr-show").click()
        question(page, "w-generated").locator(".gr-new").click()
        page.emulate_media(media="print")
        for hidden in (".gr-q-form", ".gr-q-explanation", ".gr-quiz-bar", ".gr-quiz-summary", ".gr-q-status",
                       ".gr-q-answer", ".gr-opt-feedback", ".gr-mark", "input", "button"):
            assert not any(visible(page.locator(f".gr-quiz {hidden}"))), hidden
        count = page.locator("section.gr-q").count()
        assert visible(page.locator(".gr-q-prompt")) == [True] * count
        assert all(visible(page.locator(".gr-q-options"))) and all(visible(page.locator(".gr-q-items")))
        printed = page.locator(".gr-quiz").first.inner_text()
        assert "Right" not in printed and "Not quite" not in printed and "Explanation" not in printed
        generated = question(page, "w-generated")
        assert generated.locator(".gr-q-prompt").is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('[data-id=w-numeric] .gr-q-prompt'), "
                             "'::after').content").startswith('"Answer:')
        page.emulate_media(media="screen")
        assert question(page, "w-single").locator(".gr-q-explanation").is_visible()


def test_quiz_text_is_inert(visit):
    with visit("fixture.html") as v:
        page = v.page
        q = question(page, "w-inert")
        assert "<script>window.pwned = 1</script>" in q.locator(".gr-q-prompt").inner_text()
        assert answer_and_check(q, "text").startswith("Right")
        answer_and_check(q, "markup")
        q.locator(".gr-show").click()
        assert "</script><script>window.pwned = 4</script>" in q.locator(".gr-q-explanation").inner_text()
        assert "yes, as <b>text</b>" in q.locator(".gr-opt-text").all_inner_texts()
        assert not q.locator("img, b, i[onclick], script:not(.gr-q-data)").count()
        assert page.evaluate("window.pwned") is None


def test_initialises_once_however_often_the_script_runs(visit, site):
    with visit("fixture.html") as v:
        page = v.page
        answer_and_check(question(page, "w-single"), "previous")
        page.add_script_tag(url="javascripts/quiz.js")
        page.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")
        assert page.locator(".gr-q-form").count() == page.locator("section.gr-q").count()
        assert page.locator(".gr-quiz-bar").count() == 2
        assert status(question(page, "w-single")).startswith("Right")


def test_works_from_file_urls(browser, site):
    _, site_dir = site
    # Material's search asks for search/search_index.js, which MkDocs does not write; not the quiz's.
    with Visit(browser, (site_dir / "fixture.html").as_uri(), ignore=r"ERR_FILE_NOT_FOUND|search_index") as v:
        q = question(v.page, "w-text")
        assert answer_and_check(q, "update gate") == "Right."
        v.page.reload()
        assert status(question(v.page, "w-text")) == "Right."


def test_script_and_styles_are_small_and_the_practice_page_fits_the_budget(visit, site):
    _, site_dir = site
    sizes = {name: len(gzip.compress((site_dir / name).read_bytes(), 6, mtime=0))
             for name in ("javascripts/quiz.js", "stylesheets/quiz.css")}
    # quiz.css also styles the chapters' exercises (about 100 bytes gzipped), which share the questions' rules
    assert sizes["javascripts/quiz.js"] <= 7500 and sizes["stylesheets/quiz.css"] <= 2700, sizes
    with visit("practice.html") as v:
        v.page.wait_for_load_state("networkidle")
        sent = {}
        for response in v.responses:
            if response.status == 200 and response.url not in sent:
                body = response.body()
                text = response.headers.get("content-type", "").startswith(TEXT_TYPES)
                sent[response.url] = len(gzip.compress(body, 6, mtime=0)) if text else len(body)
        print(f"\nquiz.js and quiz.css gzipped: {sizes}; practice page sends {sum(sent.values())} bytes")
        assert sum(sent.values()) <= PAGE_BUDGET, sorted(sent.items(), key=lambda item: -item[1])[:5]


# ---------------------------------------------------------------- accessibility and looks

def serious_quiz_violations(page):
    """axe-core's serious and critical violations whose elements are inside a quiz."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    results = axe.Axe().run(page).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            inside = page.evaluate("target => !!(document.querySelector(target) || document.body).closest('.gr-quiz')",
                                   node["target"][0])
            if inside:
                found.append(f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']}")
    return found


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_quiz(visit, color_scheme):
    with visit("fixture.html", color_scheme=color_scheme) as v:
        page = v.page  # some questions answered (feedback, marks, explanations on screen), some not
        answer_and_check(question(page, "w-single"), "candidate")
        answer_and_check(question(page, "w-multiple"), ["update", "candidate"])
        answer_and_check(question(page, "w-numeric"), "-0.74")
        answer_and_check(question(page, "w-order"), ["gates", "candidate", "mix", "output"])
        question(page, "w-single").locator(".gr-show").click()
        answer_and_check(question(page, "w-text"), "nope")
        problems = serious_quiz_violations(page)
        assert not problems, "\n".join(problems)
    with visit("practice.html", color_scheme=color_scheme) as v:
        # one type only: the filters, the links to the sections, and a short page for axe (slow on 2 cores)
        v.page.locator("select[data-filter=type]").select_option("text")
        problems = serious_quiz_violations(v.page)
        assert not problems, "\n".join(problems)


def test_screenshots_light_dark_desktop_phone(browser, site, tmp_path):
    """For people to look at: the fixture quiz before and after answering, 1280 and 390 pixels wide."""
    url, _ = site
    directory = Path(os.environ.get("GRU_REF_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    box = "q => { const r = q.getBoundingClientRect(); return {x: r.x + scrollX, y: r.y + scrollY, " \
          "width: r.width, height: r.height}; }"

    def shoot(page, when):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate("scrollTo(0, 0)")
            quiz = page.locator('.gr-quiz[data-quiz="fixture"]')
            path = directory / f"quiz-{color_scheme}-{width}-{when}.png"
            page.screenshot(path=str(path), full_page=True, clip=quiz.evaluate(box))
            assert path.stat().st_size > 10_000, f"{path} looks empty"

    for color_scheme in ("light", "dark"):
        with Visit(browser, url + "fixture.html", color_scheme=color_scheme) as v:
            page = v.page
            shoot(page, "before")
            answer_and_check(question(page, "w-single"), "candidate")
            answer_and_check(question(page, "w-multiple"), ["update", "candidate"])
            answer_and_check(question(page, "w-numeric"), "-0.74")
            generated = question(page, "w-generated")
            answer_and_check(generated, right_answer("numeric", shown_variant(generated)[1]))
            answer_and_check(question(page, "w-order"), ["candidate", "gates", "mix", "output"])
            answer_and_check(question(page, "w-text"), "update gate")
            question(page, "w-single").locator(".gr-show").click()
            shoot(page, "after")
    print(f"\nscreenshots in {directory}")
