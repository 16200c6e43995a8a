/* The quiz widget: makes the questions quiz/render.py writes answerable. Plain JavaScript, no library,
   nothing fetched: every numbered version of a question and its answer are inline JSON.
   Server HTML (escaped text and MathML) goes in through fill(); what a reader types only ever reaches
   the page as text. Progress is kept in localStorage, one entry per page and quiz name.
   Without this script the questions still show, as text. */
(() => {
  "use strict";
  const TYPES = {single: "Single choice", multiple: "Multiple choice", numeric: "Number", order: "Order",
                 text: "Word or phrase"};
  let uid = 0;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  };
  const attr = (node, name, value) => (node.setAttribute(name, value), node);

  // The server's HTML as nodes, with anything active dropped should it ever get in.
  const fragment = (html) => {
    const t = document.createElement("template");
    t.innerHTML = html || "";
    t.content.querySelectorAll("script,style,iframe,object,embed,link,meta,form,input,button")
      .forEach((n) => n.remove());
    t.content.querySelectorAll("*").forEach((n) => [...n.attributes].forEach((a) => {
      if (/^on/i.test(a.name) || /^\s*javascript:/i.test(a.value)) n.removeAttribute(a.name);
    }));
    return t.content;
  };
  const fill = (node, html) => (node.replaceChildren(fragment(html)), node);
  const button = (className, text, onClick) => {
    const b = el("button", "gr-btn " + className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };
  const letter = (i) => String.fromCharCode(65 + i);
  const plural = (n, one, many) => n + " " + (n === 1 ? one : many);
  const keyOf = (node) => node.dataset.key;
  const has = (list, key) => [].concat(list).includes(key);

  const load = (key) => {
    try {
      return JSON.parse(localStorage.getItem(key)) || {};
    } catch (e) {
      return {};
    }
  };
  const store = (key, value) => {
    try {
      if (value) localStorage.setItem(key, JSON.stringify(value));
      else localStorage.removeItem(key);
    } catch (e) { /* no storage (private mode, some file:// setups): the quiz works, nothing is kept */ }
  };

  // ------------------------------------------------------------------ deciding answers

  const number = (text) => {
    const s = String(text).trim().replace(/[\u2212\u2012\u2013\uFE63\uFF0D]/g, "-");
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? parseFloat(s) : null;
  };
  const fixed = (x, digits) => {
    const s = x.toFixed(Math.max(0, digits));
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  };
  const words = (s) => String(s).normalize("NFKC").toLowerCase().replace(/\s+/g, "");

  // -> {r: "right" | "wrong" | "close" | "invalid", say: text to add, html: server feedback to add}
  const judge = (type, v, a) => {
    if (type === "single") {
      if (!a) return {r: "invalid", say: "Choose an option first."};
      return {r: a === v.answer ? "right" : "wrong", html: (v.options.find((o) => o.key === a) || {}).feedback};
    }
    if (type === "multiple") {
      if (!a.length) return {r: "invalid", say: "Choose at least one option first."};
      const wrong = a.filter((k) => !has(v.answer, k)).length, missing = v.answer.filter((k) => !has(a, k)).length;
      if (!wrong && !missing) return {r: "right"};
      return {r: "wrong", say: [wrong && plural(wrong, "wrong choice", "wrong choices"),
                                missing && plural(missing, "right option", "right options") + " not chosen"]
        .filter(Boolean).join(", ") + "."};
    }
    if (type === "numeric") {
      const x = number(a);
      if (x === null) return {r: "invalid", say: "Write a number, such as 0.73, .73 or 7.3e-1."};
      // the bands come decided from quiz/judging.py: the first that holds the value gives the verdict
      const band = v.bands.find((b) => b.low <= x && x <= b.high);
      if (!band) return {r: "wrong"};
      if (band.verdict === "right") return {r: "right"};
      if (band.verdict === "close") return {r: "close", say: "check your rounding."};
      return {r: "wrong", html: band.feedback};
    }
    if (type === "order") {
      const placed = a.filter((k, i) => v.answer[i] === k).length;
      return placed === a.length ? {r: "right"} : {r: "wrong", say: `${placed} of ${a.length} in the right place.`};
    }
    if (!words(a)) return {r: "invalid", say: "Write your answer first."};
    return {r: v.answer.some((s) => words(s) === words(a)) ? "right" : "wrong"};
  };

  // ------------------------------------------------------------------ one question

  class Question {
    constructor(quiz, section) {
      this.quiz = quiz;
      this.section = section;
      this.data = JSON.parse(section.querySelector("script.gr-q-data").textContent);
      this.type = this.data.type;
      this.choice = this.type === "single" || this.type === "multiple";
      this.base = "gr" + ++uid;
      this.prompt = section.querySelector(".gr-q-prompt");
      this.list = section.querySelector(".gr-q-options, .gr-q-items");
      this.explanation = section.querySelector(".gr-q-explanation");
      // Version 0's texts are in the static markup, not repeated in the JSON (quiz/render.py page_data).
      const first = this.data.variants[0];
      if (first.prompt == null) first.prompt = this.prompt.innerHTML;
      if (first.explanation == null) first.explanation = this.explanation.innerHTML;
      for (const o of first.options || first.items || []) {
        const li = o.html == null && this.list && [...this.list.children].find((n) => keyOf(n) === o.key);
        if (li) o.html = li.innerHTML;
      }

      const form = el("form", "gr-q-form"), actions = el("div", "gr-q-actions");
      form.noValidate = true;
      this.area = el("div", "gr-q-area");
      this.showButton = button("gr-show", "Show answer", () => this.reveal());
      actions.append(el("button", "gr-btn gr-btn--primary gr-check", "Check"), this.showButton);
      if (this.data.variants.length > 1) actions.append(this.newButton = button("gr-new", "New numbers", () => this.next()));
      this.status = attr(el("p", "gr-q-status"), "role", "status");
      this.answerLine = el("div", "gr-q-answer");
      form.append(this.area, actions, this.status, this.answerLine);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.check(true);
      });
      form.addEventListener("input", (event) => event.target.matches("input") && this.changed());
      section.insertBefore(form, this.explanation);
      this.explanationHead = el("p", "gr-q-explanation-title", "Explanation");
      this.explanationBody = el("div", "gr-q-explanation-body");

      const saved = quiz.saved[this.data.id] || {};
      this.show(saved.v >= 0 && saved.v < this.data.variants.length ? saved.v : 0, saved);
    }

    // Version k, rebuilt from its data, with a saved answer state if given.
    show(k, saved = {}) {
      const v = this.variant = this.data.variants[k], id = this.base;
      const state = this.state = this.quiz.state.q[this.data.id] = {v: k};
      this.v = k;
      this.section.dataset.variant = k;
      fill(this.prompt, v.prompt);
      this.explanation.replaceChildren(this.explanationHead, fill(this.explanationBody, v.explanation));
      if (this.list) {  // the static list stays for print: it follows the version on screen
        this.list.replaceChildren(...(v.options || v.items).map((o) => {
          const li = fill(el("li"), o.html);
          li.dataset.key = o.key;
          return li;
        }));
      }
      let area;
      this.inputs = [];
      this.order = null;
      if (this.choice) {
        area = attr(el("fieldset", "gr-q-choices"), "aria-labelledby", this.prompt.id);
        v.options.forEach((o, i) => {
          const row = el("div", "gr-opt"), input = el("input"), label = el("label", "gr-opt-label");
          const note = el("div", "gr-opt-feedback");
          input.type = this.type === "single" ? "radio" : "checkbox";
          input.name = id;
          input.id = label.htmlFor = id + "-" + i;
          input.value = row.dataset.key = o.key;
          note.id = input.id + "-feedback";
          attr(input, "aria-describedby", note.id);
          label.append(el("span", "gr-opt-letter", letter(i)), fill(el("span", "gr-opt-text"), o.html));
          row.append(input, label, note);
          row.addEventListener("click", (event) => event.target === row && input.click());  // the padding too
          area.append(row);
          this.inputs.push(input);
        });
      } else if (this.type === "order") {
        area = this.order = attr(el("ol", "gr-q-order"), "aria-labelledby", this.prompt.id);
        v.items.forEach((item, i) => {
          const li = el("li", "gr-item"), text = fill(el("span", "gr-item-text"), item.html);
          const moves = el("span", "gr-item-moves");
          li.dataset.key = item.key;
          text.id = id + "-item-" + i;
          for (const [way, arrow, name] of [["up", "\u2191", "Move up:"], ["down", "\u2193", "Move down:"]]) {
            const label = el("span", "gr-sr", name);
            label.id = text.id + "-" + way;
            const b = attr(button("gr-move gr-move--" + way, null, () => this.move(li, way)),
                           "aria-labelledby", label.id + " " + text.id);
            b.append(label, attr(el("span", null, arrow), "aria-hidden", "true"));
            moves.append(b);
          }
          li.append(text, moves);
          area.append(li);
        });
      } else {
        const hint = this.type !== "numeric" ? "" : v.digits ? ` (${plural(v.digits, "decimal", "decimals")})`
          : " (a whole number)";
        const label = el("label", null, "Your answer" + hint), input = el("input");
        area = el("div", "gr-q-field");
        input.type = "text";
        input.id = label.htmlFor = id + "-input";
        input.autocomplete = "off";
        input.spellcheck = false;
        attr(input, "autocapitalize", "off");
        if (this.type === "numeric") input.inputMode = "decimal";
        attr(input, "aria-describedby", this.prompt.id);
        area.append(label, input);
        this.inputs.push(input);
      }
      this.area.replaceChildren(area);
      if (this.newButton) {
        attr(this.newButton, "aria-label", `New numbers (version ${k + 1} of ${this.data.variants.length} shown)`);
      }
      if (saved.a != null) {
        this.set(saved.a);
        state.a = this.answer();
      }
      state.s = saved.s;
      state.x = saved.x;
      this.clear();
      if (saved.r) this.check(false);
      this.explanation.hidden = !state.x;
    }

    answer() {
      if (this.type === "single") return (this.inputs.find((i) => i.checked) || {}).value || null;
      if (this.type === "multiple") return this.inputs.filter((i) => i.checked).map((i) => i.value);
      if (this.order) return [...this.order.children].map(keyOf);
      return this.inputs[0].value;
    }

    set(a) {
      if (this.choice) {
        this.inputs.forEach((i) => { i.checked = has(a, i.value); });
      } else if (this.order) {
        const items = {};
        for (const li of this.order.children) items[keyOf(li)] = li;
        if (Array.isArray(a) && new Set(a).size === this.order.children.length && a.every((k) => items[k])) {
          this.order.append(...a.map((k) => items[k]));
        }
      } else {
        this.inputs[0].value = String(a);
      }
    }

    // Forget the verdict on screen (the answer changed or is decided again); keep a revealed answer.
    clear() {
      const s = this.section;
      s.classList.remove("gr-q--right", "gr-q--wrong", "gr-q--close");
      s.querySelectorAll(".gr-mark").forEach((n) => n.remove());
      s.querySelectorAll(".gr-opt, .gr-item").forEach((n) => n.classList.remove("gr-chosen-right",
        "gr-chosen-wrong", "gr-is-answer", "gr-in-place"));
      s.querySelectorAll(".gr-opt-feedback").forEach((n) => { n.hidden = true; });
      this.status.textContent = "";
      this.showButton.hidden = true;
      this.answerLine.hidden = true;
      if (this.state.s) this.showAnswer();
    }

    changed() {
      delete this.state.r;
      this.state.a = this.answer();
      this.clear();
      this.quiz.save();
    }

    note(row) {
      fill(row.querySelector(".gr-opt-feedback"), this.variant.options.find((o) => o.key === keyOf(row)).feedback)
        .hidden = false;
    }

    // Decide the answer given and say so; announce: a reader pressed Check (not a restore on load).
    check(announce) {
      const v = this.variant, a = this.answer(), verdict = judge(this.type, v, a), state = this.state, r = verdict.r;
      this.clear();
      if (r === "invalid") {
        this.status.textContent = verdict.say;
        return;
      }
      const word = {right: "Right", close: "Close"}[r] || "Not quite";
      const feedback = verdict.html && fill(el("span", "gr-q-feedback"), verdict.html);
      this.section.classList.add("gr-q--" + r);
      // "Right. Right: ..." would say it twice: the verdict is left out when the feedback starts with it.
      if (!(r === "right" && feedback && /^right\b/i.test(feedback.textContent))) {
        this.status.append(el("strong", "gr-verdict", word + (r === "close" ? ":" : ".")));
      }
      if (verdict.say) this.status.append(" " + verdict.say);
      if (feedback) this.status.append(" ", feedback);
      if (this.choice) {
        this.section.querySelectorAll(".gr-opt").forEach((row) => {
          if (!has(a, keyOf(row))) return;
          const ok = has(v.answer, keyOf(row));
          row.classList.add(ok ? "gr-chosen-right" : "gr-chosen-wrong");
          row.querySelector("label").append(el("span", "gr-mark gr-mark--" + (ok ? "right" : "wrong"),
                                               ok ? "\u2713 right" : "\u2717 wrong"));
          if (this.type === "multiple") this.note(row);
        });
      } else if (this.order && r === "right") {
        this.order.querySelectorAll(".gr-item").forEach((li) => li.classList.add("gr-in-place"));
      }
      this.showButton.hidden = r === "right" || !!state.s;
      Object.assign(state, {a, r, x: 1});
      this.explanation.hidden = false;
      if (announce) {
        this.quiz.save();
        // the same words again are not announced again by a screen reader: make them differ
        if (this.status.textContent === this.said) this.status.append("\u00a0");
      }
      this.said = this.status.textContent;
    }

    showAnswer() {
      const v = this.variant;
      let shown;
      if (this.choice) {
        const letters = [];
        this.section.querySelectorAll(".gr-opt").forEach((row, i) => {
          if (!has(v.answer, keyOf(row))) return;
          letters.push(letter(i));
          row.classList.add("gr-is-answer");
          this.note(row);
        });
        shown = letters.join(", ");
      } else if (this.order) {
        const html = {};
        v.items.forEach((i) => { html[i.key] = i.html; });
        shown = el("ol");
        shown.append(...v.answer.map((k) => fill(el("li"), html[k])));
      } else {
        shown = this.type === "numeric" ? fixed(v.answer, v.digits) : v.answer.join(" or ");
      }
      this.answerLine.replaceChildren(el("strong", null, "Answer: "), shown);
      this.answerLine.hidden = false;
      this.showButton.hidden = true;
    }

    // The reader asked for the answer: the question then counts as shown, not as answered right.
    reveal() {
      Object.assign(this.state, {s: 1, x: 1});
      this.showAnswer();
      this.explanation.hidden = false;
      this.quiz.save();
      this.answerLine.tabIndex = -1;
      this.answerLine.focus();
    }

    move(li, way) {
      const up = way === "up", other = up ? li.previousElementSibling : li.nextElementSibling;
      if (!other) {
        this.status.textContent = up ? "Already first." : "Already last.";
        return;
      }
      this.order.insertBefore(li, up ? other : other.nextElementSibling);
      li.querySelector(".gr-move--" + way).focus();
      this.changed();
      this.status.textContent = `Moved to place ${[...this.order.children].indexOf(li) + 1} of ${this.order.children.length}.`;
    }

    next() {
      const n = this.data.variants.length, k = (this.v + 1) % n;
      this.show(k);
      this.quiz.save();
      this.status.textContent = `New numbers: version ${k + 1} of ${n}.`;
    }

    outcome() {
      const s = this.state;
      return s.s ? "shown" : s.r ? (s.r === "right" ? "right" : "wrong") : null;
    }
  }

  // ------------------------------------------------------------------ one quiz

  class Quiz {
    constructor(root) {
      this.root = root;
      const page = decodeURIComponent(location.pathname.split("/").pop()) || "index.html";
      this.key = "gr-quiz:" + page + ":" + root.dataset.quiz;
      const saved = load(this.key);
      this.saved = saved.q && typeof saved.q === "object" ? saved.q : {};
      this.state = {q: {}, f: saved.f && typeof saved.f === "object" ? saved.f : {}};
      root.classList.add("gr-quiz--live");
      this.bar = el("p", "gr-quiz-bar");
      root.insertBefore(this.bar, root.querySelector(".gr-q"));
      this.questions = [...root.querySelectorAll(".gr-q")].map((section) => {
        try {
          return new Question(this, section);
        } catch (error) {
          console.warn("quiz: question " + section.id + " stays text only:", error);
          return null;
        }
      }).filter(Boolean);
      const summary = el("div", "gr-quiz-summary");
      this.score = el("p", "gr-quiz-score");
      this.revisit = el("div", "gr-quiz-revisit");
      this.told = attr(el("p", "gr-sr"), "role", "status");
      summary.append(this.score, this.revisit, button("gr-reset", "Clear my answers", () => this.reset()), this.told);
      root.append(summary);
      if (root.hasAttribute("data-filters")) this.addFilters();
    }

    save() {
      store(this.key, this.state);
      Quiz.all.forEach((quiz) => quiz.update());  // every quiz shows the page's total
    }

    shown() {
      return this.questions.filter((q) => !q.section.hidden);
    }

    count() {
      const c = {total: 0, answered: 0, right: 0, wrong: []};
      for (const q of this.shown()) {
        const o = q.outcome();
        c.total++;
        if (o) c.answered++;
        if (o === "right") c.right++;
        else if (o) c.wrong.push(q);
      }
      return c;
    }

    update() {
      const c = this.count(), questions = plural(c.total, "question", "questions");
      this.bar.textContent = `Score: ${c.right} of ${c.total} right \u00b7 ${c.answered} answered`;
      let text = c.total && c.answered === c.total ? `All ${questions} answered: ${c.right} right.`
        : `${c.answered} of ${questions} answered, ${c.right} right.`;
      if (Quiz.all.length > 1) {
        const all = Quiz.all.map((quiz) => quiz.count());
        text += ` On this page: ${all.reduce((n, d) => n + d.right, 0)} of ${all.reduce((n, d) => n + d.total, 0)} right.`;
      }
      this.score.textContent = text;
      this.revisit.replaceChildren();
      if (!c.wrong.length) return;
      const list = el("ul");
      for (const q of c.wrong) {
        const li = el("li"), to = el("a", null, q.section.querySelector(".gr-q-title").textContent);
        const read = el("a", null, q.data.chapterTitle + ": " + q.data.sectionTitle);
        to.href = "#" + q.section.id;
        read.href = q.data.href;
        li.append(to, " \u2014 ", read);
        list.append(li);
      }
      this.revisit.append(el("p", null, "To read again:"), list);
    }

    reset() {
      this.state = {q: {}, f: {}};
      this.questions.forEach((q) => q.show(0));
      (this.selects || []).forEach((s) => { s.value = ""; });
      this.filter();
      Quiz.all.forEach((quiz) => quiz.update());
      store(this.key, null);
      this.told.textContent = this.told.textContent === "Answers cleared." ? "Answers cleared again." : "Answers cleared.";
    }

    // Chapter and type filters, for a quiz that mixes the whole bank.
    addFilters() {
      const box = attr(attr(el("div", "gr-quiz-filters"), "role", "group"), "aria-label", "Filter the questions");
      this.selects = [["chapter", "Chapter", "All chapters"], ["type", "Type", "All types"]].map(([name, title, all]) => {
        const label = el("label", null, title + " "), select = el("select"), found = new Map();
        select.dataset.filter = name;
        for (const q of this.questions) {
          const value = q.data[name];
          if (!found.has(value)) found.set(value, {n: 0, text: name === "type" ? TYPES[value] || value : q.data.chapterTitle});
          found.get(value).n++;
        }
        select.append(new Option(all, ""), ...[...found].map(([value, f]) => new Option(`${f.text} (${f.n})`, value)));
        select.value = this.state.f[name] || "";
        if (select.selectedIndex < 0) select.value = "";
        select.addEventListener("change", () => {
          this.state.f[name] = select.value;
          this.filter();
          this.save();
        });
        label.append(select);
        box.append(label);
        return select;
      });
      this.shownLine = attr(el("p", "gr-quiz-count"), "role", "status");
      box.append(this.shownLine);
      this.root.insertBefore(box, this.bar);
      this.filter();
    }

    filter() {
      if (!this.selects) return;
      const [chapter, type] = this.selects.map((s) => s.value);
      for (const q of this.questions) {
        q.section.hidden = !!((chapter && q.data.chapter !== chapter) || (type && q.data.type !== type));
      }
      this.shownLine.textContent = `Showing ${this.shown().length} of ${plural(this.questions.length, "question", "questions")}.`;
    }
  }
  Quiz.all = [];

  const init = () => {
    document.querySelectorAll(".gr-quiz:not([data-gr-ready])").forEach((root) => {
      root.setAttribute("data-gr-ready", "");  // once per quiz, however often the script runs
      Quiz.all.push(new Quiz(root));
    });
    Quiz.all.forEach((quiz) => quiz.update());
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
