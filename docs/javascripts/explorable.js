/* The explorable (markup and data: sitegen/explorable.py): one step of the RNN, GRU or LSTM computed in
   the page while the reader moves the controls. Plain JavaScript, no library, nothing fetched.
   The step functions are gru_ref/cells.py ported line by line, in the notes' row-vector notation;
   tests/site/test_explorable_browser.py runs them and gru_ref on random cases and compares every value.
   Without this script the static diagram (the worked example's numbers) stays, and it is what prints. */
(() => {
  "use strict";

  // ------------------------------------------------------------------ gru_ref/cells.py, ported
  // x is a row vector (D), H_prev (H); U (D x H) and W (H x H) are arrays of rows, b (H).

  const matmul = (v, M) => M[0].map((_, j) => v.reduce((sum, vk, k) => sum + vk * M[k][j], 0));
  const add = (...vectors) => vectors[0].map((_, j) => vectors.reduce((sum, v) => sum + v[j], 0));
  const mul = (a, b) => a.map((ak, j) => ak * b[j]);
  const elementwise = (f) => (a) => a.map(f);
  const sigmoid = elementwise((z) => 0.5 + 0.5 * Math.tanh(0.5 * z));  // as gru_ref.activations: never overflows
  const tanh = elementwise(Math.tanh);
  const relu = elementwise((z) => Math.max(z, 0));
  const oneMinus = elementwise((v) => 1 - v);
  const NONLINEARITIES = {tanh, relu};
  const RESET_PLACEMENTS = ["after", "before"];

  const oneOf = (value, name, allowed) => {
    if (!allowed.includes(value)) throw new Error(`${name}: expected one of ${allowed}, got ${value}`);
  };

  const rnnStep = (x, [H_prev], w, {nonlinearity = "tanh"} = {}) => {
    oneOf(nonlinearity, "nonlinearity", Object.keys(NONLINEARITIES));
    const a = add(matmul(x, w.U), matmul(H_prev, w.W), w.b);
    const H = NONLINEARITIES[nonlinearity](a);
    return {a, H};
  };

  const gruStep = (x, [H_prev], w, {reset = "after"} = {}) => {
    oneOf(reset, "reset", RESET_PLACEMENTS);
    const a_u = add(matmul(x, w.U_u), matmul(H_prev, w.W_u), w.b_u);
    const u = sigmoid(a_u);
    const a_r = add(matmul(x, w.U_r), matmul(H_prev, w.W_r), w.b_r);
    const r = sigmoid(a_r);
    let reset_H, a_h;
    if (reset === "after") {  // PyTorch, cuDNN, Keras reset_after=True
      reset_H = mul(r, add(matmul(H_prev, w.W_h), w.b_Wh));
      a_h = add(matmul(x, w.U_h), w.b_h, reset_H);
    } else {  // Cho et al. 2014, Keras reset_after=False
      reset_H = mul(r, H_prev);
      a_h = add(matmul(x, w.U_h), w.b_h, matmul(reset_H, w.W_h), w.b_Wh);
    }
    const H_tilde = tanh(a_h);
    const keep = mul(u, H_prev);
    const write = mul(oneMinus(u), H_tilde);
    const H = add(keep, write);
    return {a_u, u, a_r, r, reset_H, a_h, H_tilde, keep, write, H};
  };

  const lstmStep = (x, [H_prev, C_prev], w) => {
    const a_f = add(matmul(x, w.U_f), matmul(H_prev, w.W_f), w.b_f);
    const f = sigmoid(a_f);
    const a_i = add(matmul(x, w.U_i), matmul(H_prev, w.W_i), w.b_i);
    const i = sigmoid(a_i);
    const a_c = add(matmul(x, w.U_c), matmul(H_prev, w.W_c), w.b_c);
    const C_tilde = tanh(a_c);
    const a_o = add(matmul(x, w.U_o), matmul(H_prev, w.W_o), w.b_o);
    const o = sigmoid(a_o);
    const keep = mul(f, C_prev);
    const write = mul(i, C_tilde);
    const C = add(keep, write);
    const tanh_C = tanh(C);
    const H = mul(o, tanh_C);
    return {a_f, f, a_i, i, a_c, C_tilde, a_o, o, keep, write, C, tanh_C, H};
  };

  const STEPS = {rnn: rnnStep, gru: gruStep, lstm: lstmStep};
  // One step of `cell`: states is [H_prev] or [H_prev, C_prev], w the weights by field name (U_u, b_u, ...).
  const step = (cell, x, states, w, options = {}) => {
    oneOf(cell, "cell", Object.keys(STEPS));
    return STEPS[cell](x, states, w, options);
  };

  // ------------------------------------------------------------------ numbers as the site writes them

  // 3 decimals, a true minus sign, no negative zero: sitegen.diagrams.entries. Python rounds an exact tie
  // (a multiple of 1/16 with an odd numerator: 0.0625) to even; toFixed rounds it up, so ties go here.
  const shown = (v, digits = 3) => {
    if (digits === 3 && Number.isInteger(v * 16) && !Number.isInteger(v * 8)) {
      const low = Math.floor(v * 1000);  // v * 1000 ends in .5 exactly
      v = (low % 2 === 0 ? low : low + 1) / 1000;
    }
    const text = v.toFixed(digits);
    return (Number(text) === 0 ? text.replace("-", "") : text).replace("-", "\u2212");
  };

  // A small seeded generator (mulberry32) for "new weights": the same presses give the same weights.
  const generator = (seed) => () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const copy = (values) => JSON.parse(JSON.stringify(values));
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // ------------------------------------------------------------------ one explorable

  class Explorable {
    constructor(root) {
      this.root = root;
      this.data = JSON.parse(root.querySelector("script.gr-explore-data").textContent);
      const live = root.querySelector("template.gr-explore-live").content.cloneNode(true);
      this.panel = live.querySelector(".gr-explore-panel");
      root.querySelector(":scope > figure").after(live);
      root.classList.add("gr-explore--live");
      const $ = (selector) => [...this.panel.querySelectorAll(selector)];
      this.$ = $;
      this.one = (selector) => this.panel.querySelector(selector);
      this.values = copy(this.data.example);
      this.reset = this.data.reset;
      this.seed = 0;
      this.sequence = {t: 0, start: null, last: null, timer: null};
      this.status = this.one(".gr-explore-status");

      this.sliders = $("input[type=range]");
      for (const slider of this.sliders) {
        slider.addEventListener("input", () => {
          this.values[slider.dataset.name][+slider.dataset.entry] = Number(slider.value);
          this.changed("", 400);
        });
      }
      for (const button of $("[data-preset]").filter((n) => n.tagName === "BUTTON")) {
        button.addEventListener("click", () => this.preset(button.dataset.preset));
      }
      this.one(".gr-explore-new").addEventListener("click", () => this.newWeights());
      for (const radio of $("input[type=radio]")) {
        radio.addEventListener("change", () => {
          this.reset = radio.value;
          this.changed(`Reset applied ${radio.value} the product.`);
        });
      }
      const sequence = {play: () => this.play(), step: () => this.stepSequence(), restart: () => this.restart()};
      for (const button of $("[data-seq]")) button.addEventListener("click", sequence[button.dataset.seq]);
      this.update();
    }

    options() {
      return this.reset ? {reset: this.reset} : {};
    }

    // The step for the current values, checked to give exactly the trace fields gru_ref gives.
    compute() {
      const v = this.values, d = this.data;
      const trace = step(d.cell, v.x, d.states.map((s) => v[s + "_prev"]), v, this.options());
      if (!same(Object.keys(trace), d.fields)) {
        throw new Error(`${d.cell} step: fields ${Object.keys(trace)}, but gru_ref's trace has ${d.fields}`);
      }
      const all = {x: v.x, ...trace};
      d.states.forEach((s) => { all[s + "_prev"] = v[s + "_prev"]; });
      return all;
    }

    // Every number on the screen from the current values.
    update() {
      const all = this.compute();
      this.last = all;
      for (const figure of this.$(".gr-explore-figure")) {
        figure.hidden = !!figure.dataset.reset && figure.dataset.reset !== this.reset;
        for (const node of figure.querySelectorAll("[data-node]")) {
          const text = node.querySelector(":scope > text.gr-value");
          if (text) [...text.children].forEach((tspan, k) => { tspan.textContent = shown(all[node.dataset.node][k]); });
        }
        for (const wire of figure.querySelectorAll(".gr-wire[data-value]")) {
          wire.setAttribute("data-value", "[" + all[wire.dataset.src].map((v) => shown(v)).join(", ") + "]");
        }
      }
      for (const row of this.$("tr[data-field]")) {
        row.querySelectorAll("td.gr-num").forEach((cell, k) => { cell.textContent = shown(all[row.dataset.field][k]); });
      }
      for (const slider of this.sliders) {
        const value = this.values[slider.dataset.name][+slider.dataset.entry];
        slider.value = value;
        const text = shown(value, 1);  // a carried state has more decimals: then shown with 3
        slider.nextElementSibling.textContent = Number(text.replace("\u2212", "-")) === value ? text : shown(value);
      }
      for (const radio of this.$("input[type=radio]")) radio.checked = radio.value === this.reset;
      let idea = null;
      for (const preset of this.data.presets) {
        const on = Object.entries(preset.set).every(([name, value]) => this.values[name].every((b) => b === value));
        this.one(`button[data-preset="${preset.name}"]`).setAttribute("aria-pressed", String(on));
        if (on) idea = idea || preset.name;
      }
      this.$("p.gr-explore-idea").forEach((p) => { p.hidden = p.dataset.preset !== idea; });
      this.one(".gr-explore-weights").textContent = this.data.weights
        .map((name) => `${name} = ${this.matrix(this.values[name])}`).join("\n");
      this.one(".gr-explore-source").textContent = this.seed ? `new, seed ${this.seed}` : "the worked example's";
      return all;
    }

    matrix(value) {
      return Array.isArray(value[0]) ? "[" + value.map((row) => this.matrix(row)).join(", ") + "]"
        : "[" + value.map((v) => shown(v, 1)).join(", ") + "]";
    }

    // The new state in words, for screen readers: short; while a slider moves, only once it rests.
    say(prefix = "", wait = 0) {
      clearTimeout(this.saying);
      const words = this.data.states.map((s) => `${this.data.words[s]} ${this.last[s].map((v) => shown(v)).join(", ")}`);
      const text = prefix + words.join("; ") + ".";
      if (wait) this.saying = setTimeout(() => { this.status.textContent = text; }, wait);
      else this.status.textContent = text;
    }

    // Any change the reader makes: the sequence starts again from the new values.
    changed(prefix = "", wait = 0) {
      this.clearSequence();
      this.update();
      this.say(prefix, wait);
    }

    preset(name) {
      if (name === "example") {
        this.values = copy(this.data.example);
        this.seed = 0;
        return this.changed("Worked example: ");
      }
      const preset = this.data.presets.find((p) => p.name === name);
      const button = this.one(`button[data-preset="${name}"]`), on = button.getAttribute("aria-pressed") === "true";
      for (const [field, value] of Object.entries(preset.set)) {
        this.values[field] = on ? copy(this.data.example[field]) : this.values[field].map(() => value);
      }
      this.changed(on ? "Biases back to the worked example's: " : button.textContent + ": ");
    }

    // Every weight without a control drawn again: one decimal from -0.9 to 0.9.
    newWeights() {
      const random = generator(++this.seed), n = this.data.drawn;
      const draw = () => (Math.floor(random() * (2 * n + 1)) - n) / 10;
      const controlled = new Set(this.sliders.map((s) => s.dataset.name));
      for (const name of this.data.weights.filter((w) => !controlled.has(w))) {
        const value = this.values[name];
        this.values[name] = Array.isArray(value[0]) ? value.map((row) => row.map(draw)) : value.map(draw);
      }
      this.changed(`New weights, seed ${this.seed}: `);
    }

    // ---------------------------------------------------------------- the sequence mode

    stepSequence() {
      const d = this.data, seq = this.sequence, steps = d.sequence.length;
      if (seq.t >= steps) return this.pause();
      if (seq.t === 0) seq.start = copy(this.values);
      else d.states.forEach((s) => { this.values[s + "_prev"] = seq.last[s].slice(); });
      this.values.x = d.sequence[seq.t].slice();
      const all = this.update();
      seq.last = all;
      seq.t += 1;
      for (const cell of this.$(`td[data-step="${seq.t}"]`)) {
        const v = all[cell.dataset.row][+cell.dataset.entry];
        cell.textContent = shown(v, 2);  // enough to watch them move
        cell.style.setProperty("--gr-v", Math.min(1, Math.abs(v)).toFixed(3));
        cell.classList.toggle("gr-negative", v < 0);
      }
      this.seqStatus(`Step ${seq.t} of ${steps}`);
      this.say(`Step ${seq.t}: `);
      if (seq.t >= steps) this.pause();
    }

    play() {
      if (this.sequence.timer) return this.pause();
      if (this.sequence.t >= this.data.sequence.length) this.restart();
      this.one("[data-seq=play]").textContent = "Pause";
      this.stepSequence();
      if (this.sequence.t < this.data.sequence.length) {
        this.sequence.timer = setInterval(() => this.stepSequence(), 1000);
      }
    }

    pause() {
      clearInterval(this.sequence.timer);
      this.sequence.timer = null;
      this.one("[data-seq=play]").textContent = "Play";
    }

    restart() {
      const start = this.sequence.start;
      this.clearSequence();
      if (start) this.values = start;
      this.update();
      this.say("Back to step 0: ");
    }

    clearSequence() {
      this.pause();
      this.sequence = {t: 0, start: null, last: null, timer: null};
      for (const cell of this.$("td[data-step]")) {
        cell.textContent = "";
        cell.style.removeProperty("--gr-v");
        cell.classList.remove("gr-negative");
      }
      this.seqStatus(`Step 0 of ${this.data.sequence.length}`);
    }

    seqStatus(text) {
      this.one(".gr-explore-seq-status").textContent = text;
    }
  }

  const instances = [];
  window.gruExplorable = {step, shown, instances};

  const init = () => {
    document.querySelectorAll(".gr-explore:not([data-gr-ready])").forEach((root) => {
      root.setAttribute("data-gr-ready", "");  // once per explorable, however often the script runs
      instances.push(new Explorable(root));
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
