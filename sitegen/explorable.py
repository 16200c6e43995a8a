"""The explorable: the "Following the numbers" diagram of the RNN, GRU and LSTM pages, live in the page.

    ```gru-explore
    cell: gru
    ```

Writes the worked example's diagram (sitegen.diagrams.diagram_html with values: what a reader
without JavaScript sees, and what prints) and, in a <template>, the live part that
docs/javascripts/explorable.js clones and brings to life: controls for each entry of x_t, of each
previous state and of each block's bias (the registry's blocks), presets, a seeded "new weights"
button, the reset switch of the GRU, the live diagram(s), a table of every value of the step and a
sequence mode. Everything a reader reads (labels, words, notation) is written here, from the
registry and sitegen.notation; the script only computes and fills in numbers.

Markup (the contract with the script and tests/site/test_explorable_browser.py):
  <div class="gr-explore" id="{cell}-explore" data-cell>
    <figure class="gr-figure gr-diagram">             the static diagram: no script, and print
    <template class="gr-explore-live">                the script puts a copy after the static figure
      <div class="gr-explore-panel">
        button[data-preset="example"|name] (aria-pressed on a preset), button.gr-explore-new (new weights)
        input[type=radio][name={cell}-explore-reset][value=after|before]     the GRU only
        <p class="gr-explore-idea" data-preset hidden>                       what a preset shows
        <figure class="gr-figure gr-diagram gr-explore-figure" data-reset>   ids {key}-live-... (diagrams.py)
        fieldset[data-name] > input[type=range][data-name][data-entry] + output   x, H_prev, C_prev, b_*
        <table class="gr-explore-table"> tr[data-field] > td.gr-num, one per entry
        button[data-seq="play"|"step"|"restart"], <p class="gr-explore-seq-status">,
          <table class="gr-explore-seq"> td[data-row][data-entry][data-step]: x_t, each gate, each state
        <p class="gr-explore-weights-note">, <details> <pre class="gr-explore-weights">
        <p class="gr-explore-status" role="status">      terse announcements
  <script type="application/json" class="gr-explore-data">  explorable_data(): the numbers
"""
import dataclasses
import html
import math
import re

import numpy as np

from gru_ref import registry
from gru_ref.cells import RESET_PLACEMENTS

from . import diagrams, examples, notation
from .inline import inline_html, script_json
from .mathml import latex_to_mathml

CHECKED_CASES = 60  # random cases tests/site/test_explorable_browser.py runs through the script and gru_ref
TOLERANCE = 1e-9  # largest difference it allows in any traced value
SEQUENCE = {"steps": 8, "seed": 15}  # the inputs of the sequence mode: one decimal, in [-1, 1]
LIMITS = {"x": 2, "H_prev": 1, "C_prev": 3, "bias": 30}  # a control runs from -limit to limit in steps of 0.1
DRAWN = 9  # "new weights" draws each entry from -0.9 to 0.9 in steps of 0.1
# A preset's bias. Within the controls' limits x_t U + H_{t-1} W is at most 12 in size (3 inputs up to 2 and
# 2 states up to 1, weights up to 1.5 as in the LSTM's worked example), so the gate stays within 2e-6 of 1
# or 0 (1 - sigmoid(13)) wherever the other controls are.
SATURATED = 25
MIN_SCALE = 0.8  # on a narrow screen the live diagram scrolls sideways rather than shrink below this


@dataclasses.dataclass(frozen=True)
class Preset:
    name: str
    label: str  # the button
    biases: dict  # block key -> the value given to every entry of its bias
    idea: str  # what it shows, inline Markdown with $TeX$


S = SATURATED
PRESETS = {
    "rnn": (
        Preset("saturate", "Saturate the units", {"": S},
               f"With $b = {S}$ every pre-activation is far above 0 and $H_t \\approx 1$: move $x_t$ or $H_{{t-1}}$ "
               "and $H_t$ hardly changes. $\\tanh$ is flat there, so a gradient through these units all but vanishes."),
    ),
    "gru": (
        Preset("keep", "Keep the state", {"u": S},
               f"With $b_u = {S}$ the update gate is $u_t \\approx 1$ and $H_t \\approx H_{{t-1}}$, whatever the "
               "candidate: the unit copies its state. Press New weights: it still does."),
        Preset("ignore", "Close the reset gate", {"r": -S},
               f"With $b_r = -{S}$ the reset gate is $r_t \\approx 0$ and the candidate $\\tilde{{H}}_t$ ignores "
               "$H_{t-1}$: move $H_{t-1}$ and $\\tilde{H}_t$ stays, only the kept part $u_t \\odot H_{t-1}$ moves. "
               "It holds with the reset after or before the product."),
    ),
    "lstm": (
        Preset("hold", "Hold the cell", {"f": S, "i": -S},
               f"With $b_f = {S}$ and $b_i = -{S}$ the forget gate is open ($f_t \\approx 1$) and the input gate "
               "closed ($i_t \\approx 0$): $C_t \\approx C_{t-1}$, nothing forgotten and nothing written. "
               "Step through the sequence: the cell holds at every step."),
        Preset("hide", "Close the output gate", {"o": -S},
               f"With $b_o = -{S}$ the output gate is $o_t \\approx 0$ and $H_t \\approx 0$ however large $C_t$ "
               "is: the cell keeps its content without showing it."),
    ),
}


def _label_html(label):
    """A notation label ("H_{t-1}", "b_u") as HTML with a real subscript."""
    def sub(match):
        return f"<sub>{(match.group(1) or match.group(2)).replace('-', '−')}</sub>"
    return re.sub(r"_\{([^}]*)\}|_(\w+)", sub, html.escape(label, quote=False))


def _numbers(values):
    return [float(v) for v in np.ravel(values)]


def _one_decimal(values):
    return [round(v, 1) for v in _numbers(values)]


def _bias(block):
    return block.weight_names()[2]


def _controls(cell):
    """(name, HTML label, words, limit) of each controlled vector: x_t, the previous states, each block's bias."""
    entry, table = registry.cell(cell), notation.table(cell)
    found = [(name, _label_html(table[name].label), table[name].words, LIMITS[name])
             for name in ("x", *(f"{s}_prev" for s in entry.states))]
    for block in entry.blocks:
        name = _bias(block)
        words = f"bias of the {block.name}" if block.key else "bias"
        found.append((name, _label_html(examples.tex_weight(name)), words, LIMITS["bias"]))
    return found


def _presets(cell):
    entry = registry.cell(cell)
    return [{"name": p.name, "set": {_bias(entry.block(key)): value for key, value in p.biases.items()}}
            for p in PRESETS[cell]]


def explorable_data(cell, reset="after"):
    """The numbers the script needs: the worked example (weights, x, states), the trace's fields in order,
    the state names, the presets' biases and the sequence's inputs."""
    entry = registry.cell(cell)
    ex = examples.example(cell, 1, reset)
    example = {"x": _one_decimal(ex.xs[0]),
               **{f"{s}_prev": _one_decimal(v) for s, v in zip(entry.states, ex.initial)},
               **{name: np.round(value, 1).tolist() for name, value in ex.weights.arrays().items()}}
    rng = np.random.default_rng(SEQUENCE["seed"])
    sequence = rng.integers(-10, 11, size=(SEQUENCE["steps"], len(example["x"]))) / 10
    words = notation.table(cell)
    return {"cell": cell, "fields": [f.name for f in dataclasses.fields(entry.trace)], "states": list(entry.states),
            "weights": list(entry.weights.__dataclass_fields__), "reset": reset if "reset" in entry.options else None,
            "example": example, "sequence": sequence.tolist(), "presets": _presets(cell), "drawn": DRAWN,
            "words": {s: words[s].words for s in entry.states}}


def _live_figure(cell, reset, example, hidden=False):
    """The live diagram: the example's numbers (computed by gru_ref for this reset placement), ids {key}-live."""
    entry = registry.cell(cell)
    options = {"reset": reset} if "reset" in entry.options else {}
    weights = entry.weights(**{name: np.array(example[name]) for name in entry.weights.__dataclass_fields__})
    states = [np.array(example[f"{s}_prev"]) for s in entry.states]
    trace = entry.step(np.array(example["x"]), *states, weights, **options)
    values = {"x": example["x"], **{f"{s}_prev": v for s, v in zip(entry.states, states)}, **trace.as_dict()}
    prefix = "-".join([cell, *options.values(), "live"])
    svg = diagrams.cell_svg(cell, reset, values=values, id_prefix=prefix)
    data_reset = f' data-reset="{reset}"' if options else ""
    width = diagrams.drawing(cell, reset).layout.size[0] * MIN_SCALE
    return (f'<figure class="gr-figure gr-diagram gr-explore-figure" id="{prefix}-figure"{data_reset}'
            f' style="--gr-min-width: {width:.0f}px"{" hidden" if hidden else ""}>{svg}</figure>')


def _sliders(cell, example):
    groups = []
    for name, label, words, limit in _controls(cell):
        rows = []
        for k, value in enumerate(example[name]):
            control = f"{cell}-explore-{name}-{k}"
            rows.append(f'<div class="gr-explore-control"><label for="{control}">{k + 1}</label>'
                        f'<input type="range" id="{control}" data-name="{name}" data-entry="{k}" min="-{limit}" '
                        f'max="{limit}" step="0.1" value="{value}" aria-label="{html.escape(words)}, entry {k + 1}">'
                        f'<output for="{control}"></output></div>')
        groups.append(f'<fieldset class="gr-explore-group" data-name="{name}"><legend>{label} '
                      f'<span class="gr-explore-words">{html.escape(words)}</span></legend>{"".join(rows)}</fieldset>')
    return "".join(groups)


def _step_table(cell, reset, example):
    """Every value of the step, one row per value, one cell per entry (filled in by the script)."""
    table = notation.table(cell, reset)
    width = max(len(example["x"]), len(example["H_prev"]))
    rows = []
    for field in table:
        n = len(example["x"]) if field == "x" else len(example["H_prev"])
        cells = '<td class="gr-num"></td>' * n + ('<td></td>' * (width - n))
        rows.append(f'<tr data-field="{field}"><th scope="row">{latex_to_mathml(table[field].tex)}'
                    f'<span class="gr-explore-words">{html.escape(table[field].words)}</span></th>{cells}</tr>')
    return (f'<div class="gr-scroll"><table class="gr-explore-table"><caption>Every value of this step</caption>'
            f'<thead><tr><th scope="col">Value</th><th scope="col" colspan="{width}">Entries</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _sequence(cell, example):
    """The sequence mode: its buttons and a table the script fills in step by step, shaded by value."""
    entry, table = registry.cell(cell), notation.table(cell)
    steps = SEQUENCE["steps"]
    gates = [b.output for b in entry.gates]
    names = ["x", *gates, *entry.states]
    head = "".join(f'<th scope="col">{t}</th>' for t in range(1, steps + 1))
    rows = []
    for name in names:
        size = len(example["x"]) if name == "x" else len(example["H_prev"])
        for k in range(size):
            cells = "".join(f'<td data-row="{name}" data-entry="{k}" data-step="{t}"></td>'
                            for t in range(1, steps + 1))
            css = ' class="gr-explore-gate"' if name in gates else ""
            rows.append(f'<tr{css}><th scope="row">{_label_html(table[name].label)}, {k + 1}</th>{cells}</tr>')
    buttons = "".join(f'<button type="button" class="gr-btn" data-seq="{name}">{text}</button>'
                      for name, text in (("play", "Play"), ("step", "Step"), ("restart", "Restart")))
    return (f'<section class="gr-explore-sequence" aria-label="Sequence mode">'
            f'<p class="gr-explore-heading">Over a sequence</p>'
            f'<p>Run the cell on {steps} inputs with the weights and biases above, from the state above; each '
            f'step starts from the state the one before left.</p>'
            f'<div class="gr-explore-buttons">{buttons}<span class="gr-explore-seq-status">Step 0 of {steps}'
            f'</span></div><div class="gr-scroll"><table class="gr-explore-seq"><caption>Inputs, gates and state at '
            f'each step</caption><thead><tr><th scope="col">Step</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></section>')


def explorable_html(cell, reset="after"):
    """The `gru-explore` fence: the static worked-example diagram, the live part in a <template>, the data."""
    entry = registry.cell(cell)
    if reset not in RESET_PLACEMENTS:
        raise ValueError(f"reset: expected one of {list(RESET_PLACEMENTS)}, got {reset!r}")
    data = explorable_data(cell, reset)
    example = data["example"]
    presets = ['<button type="button" class="gr-btn" data-preset="example">Worked example</button>']
    presets += [f'<button type="button" class="gr-btn" data-preset="{p.name}" aria-pressed="false">'
                f'{html.escape(p.label)}</button>' for p in PRESETS[cell]]
    presets.append('<button type="button" class="gr-btn gr-explore-new">New weights</button>')
    ideas = "".join(f'<p class="gr-explore-idea" data-preset="{p.name}" hidden>{inline_html(p.idea)}</p>'
                    for p in PRESETS[cell])
    figures = _live_figure(cell, reset, example)
    switch = ""
    if data["reset"]:
        others = [r for r in RESET_PLACEMENTS if r != reset]
        figures += "".join(_live_figure(cell, r, example, hidden=True) for r in others)
        where = {"after": "after the product: $r_t \\odot (H_{t-1} W_h + b_{Wh})$",
                 "before": "before the product: $(r_t \\odot H_{t-1}) W_h$"}
        radios = "".join(f'<label><input type="radio" name="{cell}-explore-reset" value="{r}"'
                         f'{" checked" if r == reset else ""}> {inline_html(where[r])}</label>'
                         for r in RESET_PLACEMENTS)
        switch = f'<fieldset class="gr-explore-reset"><legend>Reset gate applied</legend>{radios}</fieldset>'
    redrawn = "every matrix entry" + (" and $b_{Wh}$" if data["reset"] else "")
    weights_note = (f"New weights draws {redrawn} again, one decimal from −0.{DRAWN} to 0.{DRAWN}, with a seed "
                    "that counts the presses; the biases keep their controls.")
    note = inline_html(f"The numbers are computed in this page by a line-by-line JavaScript port of the reference "
                       f"implementation's `{entry.step.__name__}`; the test suite runs it and gru_ref on "
                       f"{CHECKED_CASES} random cases of all three cells (the GRU with the reset after and before) "
                       f"and finds no difference above $10^{{{round(math.log10(TOLERANCE))}}}$.")
    live = (f'<div class="gr-explore-panel">'
            f'<div class="gr-explore-buttons" role="group" aria-label="Presets">{"".join(presets)}</div>'
            f'{switch}{ideas}{figures}'
            f'<div class="gr-explore-grid"><div class="gr-explore-controls">{_sliders(cell, example)}</div>'
            f'{_step_table(cell, reset, example)}</div>'
            f'<p class="gr-explore-weights-note">Weights: <span class="gr-explore-source">the worked '
            f'example\'s</span>. {inline_html(weights_note)}</p>'
            f'<details class="gr-explore-details"><summary>Weights in use</summary>'
            f'<pre class="gr-explore-weights"></pre></details>'
            f'{_sequence(cell, example)}<p class="gr-explore-note">{note}</p>'
            f'<p class="gr-explore-status" role="status"></p></div>')
    static = diagrams.diagram_html(cell, reset, values=True)
    return (f'<div class="gr-explore" id="{cell}-explore" data-cell="{cell}">{static}'
            f'<template class="gr-explore-live" data-search-exclude>{live}</template>'
            f'<script type="application/json" class="gr-explore-data">{script_json(data)}</script></div>')
