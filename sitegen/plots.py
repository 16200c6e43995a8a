"""The plots: gate activations over a sequence (heatmaps) and gradient norms against distance.

Drawn here as inline SVG, not by a plotting library: text, axes and grid use currentColor and the
lines CSS classes (docs/stylesheets/generated.css), so a plot follows the page's light or dark
scheme as the diagrams do. The heatmaps' colours are viridis, which reads on both. Coordinates are
written with fixed decimals, so the output is byte-identical from build to build.

    <figure class="gr-figure gr-plot" id="{id}">
      <div class="gr-plot-area" tabindex="0"><svg role="img" aria-labelledby="{id}-title"
        aria-describedby="{id}-caption"><title id="{id}-title">short name</title>...</svg></div>
      <figcaption id="{id}-caption">what the plot shows, in full</figcaption>
    </figure>

A screen reader announces the short name, then the caption once, as the description.
"""
import dataclasses
import functools
import math
import re
from html import escape

import numpy as np

import gru_ref
from gru_ref import convert, registry

from . import notation
from .diagrams import coordinate as _num  # coordinates written as the diagrams write theirs
from .examples import tex_weight
from .inline import inline_html

SEQUENCE = {"steps": 24, "input": 4, "hidden": 8, "seed": 7, "weight_scale": 3, "switch_every": 6}


def gate_titles(cell):
    """(trace field, words, SVG label) of each gate of `cell`, in the notes' order: ('u', 'update gate', 'u_t')."""
    return tuple((gate.output, notation.of(cell, gate.output).words, notation.of(cell, gate.output).label)
                 for gate in registry.cell(cell).gates)


def gate_traces(cell):
    """A seeded random cell run on a sequence that switches between two input patterns."""
    rng = np.random.default_rng(SEQUENCE["seed"])
    T, D, H = SEQUENCE["steps"], SEQUENCE["input"], SEQUENCE["hidden"]
    entry = registry.cell(cell)
    weights = entry.weights.random(D, H, seed=SEQUENCE["seed"])
    # scaled up from PyTorch's initialisation, so the gates make visible decisions
    weights = type(weights)(**{k: SEQUENCE["weight_scale"] * v for k, v in weights.arrays().items()})
    patterns = rng.standard_normal((2, D))
    xs = patterns[(np.arange(T) // SEQUENCE["switch_every"]) % 2] + 0.3 * rng.standard_normal((T, D))
    states = (np.zeros(H),) * len(entry.states)
    return gru_ref.run_sequence(entry.step, xs, states, weights)


GRADIENT = {"steps": 40, "batch": 32, "size": 32, "seed": 3}


@functools.lru_cache(maxsize=None)
def gradient_norms(cell, keep_bias=0.0):
    """Mean norm of v ∂state_T/∂state_k for each distance T - k, with PyTorch's initialisation.

    keep_bias is added to the bias of the gate that keeps the old state (the registry's keep_gate:
    the GRU's update gate, the LSTM's forget gate; gru_ref.convert.with_keep_bias), as Jozefowicz
    et al. (2015) advise for the LSTM.

    v is a fixed random unit vector on H_T per sequence; for the LSTM the state is H and C together
    and v is zero on C_T. Backpropagation through time done one step at a time, through the public
    API: run the sequence keeping the state before every step, then from the last step back, rerun
    each step from its state and backpropagate the current vector through it. The gradient reaching
    the step's initial state is v times the product of the Jacobians so far: one backward pass of
    one step per distance, instead of one pass over the last d steps for every distance d.
    """
    T, B, H = GRADIENT["steps"], GRADIENT["batch"], GRADIENT["size"]
    entry = registry.cell(cell)
    rng = np.random.default_rng(GRADIENT["seed"])
    layer = entry.layer(H, H, seed=GRADIENT["seed"], dtype=np.float64)
    if keep_bias:
        layer.load_state_dict(convert.with_keep_bias(cell, layer.state_dict(), keep_bias))
    xs = rng.standard_normal((T, B, H))
    direction = rng.standard_normal((1, B, H))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    lstm = len(entry.states) == 2  # the layer takes and returns (h, c) as a pair
    zeros = np.zeros((1, B, H))
    before = [(zeros, zeros) if lstm else zeros]  # the state before each step
    for t in range(T - 1):
        before.append(layer(xs[t:t + 1], before[-1])[1])
    v = (direction, zeros) if lstm else direction
    norms = []
    for t in reversed(range(T)):
        layer(xs[t:t + 1], before[t])
        v = layer.backward(None, v).state
        norms.append(np.mean(np.sqrt(sum(np.sum(p * p, axis=-1) for p in (v if lstm else (v,))))))
    return np.arange(1, T + 1), np.array(norms)


# -- drawing ---------------------------------------------------------------------------------------

# viridis (matplotlib's), 17 evenly spaced stops; between them colours are interpolated linearly
VIRIDIS = ("#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e", "#26828e", "#21918c",
           "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219", "#fde725")
WIDTH, FONT = 680, 11  # user units: a plot is drawn at about its size in a desktop page's text column
DASHES = ("", "7 4", "2 3")  # the lines differ in dash as well as colour




def colour(value):
    """The viridis colour of a value in [0, 1], as #rrggbb."""
    position = min(max(float(value), 0.0), 1.0) * (len(VIRIDIS) - 1)
    k = min(int(position), len(VIRIDIS) - 2)
    low, high = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in VIRIDIS[k:k + 2])
    return "#" + "".join(f"{c:02x}" for c in np.rint(low + (high - low) * (position - k)).astype(int))


def _rich(label):
    """Text with subscripts `_t`, `_{T}` and superscripts `^{-4}`, as SVG tspans."""
    parts, shift = [], 0
    for mark, script, plain in re.findall(r"([_^])(\{[^}]*\}|.)|([^_^]+)", label):
        if mark:
            new = 3 if mark == "_" else -5
            parts.append(f'<tspan dy="{new - shift}" font-size="{FONT - 2}">{escape(script.strip("{}"))}</tspan>')
            shift = new
        else:
            parts.append(f'<tspan dy="{-shift}">{escape(plain)}</tspan>' if shift else escape(plain))
            shift = 0
    return "".join(parts)


def _text(x, y, label, anchor="middle", rotated=False):
    turn = f' transform="rotate(-90 {_num(x)} {_num(y)})"' if rotated else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{turn}>{_rich(label)}</text>'


def _svg(figure_id, width, height, title, body):
    """The plot's <svg>: named by its short title, described by the figure's caption."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="gr-plot-svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-size="{FONT}" fill="currentColor" role="img" '
            f'aria-labelledby="{figure_id}-title" aria-describedby="{figure_id}-caption">'
            f'<title id="{figure_id}-title">{escape(title)}</title>' + "".join(body) + "</svg>")


def _a(title):
    """'a GRU', 'an LSTM', 'an RNN': the article as the initialism is spoken."""
    return "an" if title[0] in "AEFHILMNORSX" else "a"


def gate_heatmaps_svg(cell, figure_id=None):
    """One heatmap per gate (units down, time steps across), under a strip naming the input pattern."""
    figure_id = figure_id or f"{cell}-gate-heatmaps"
    traces = gate_traces(cell)
    T, every = len(traces), SEQUENCE["switch_every"]
    stretches = [(k, min(every, T - k), f"input pattern {'AB'[k // every % 2]}") for k in range(0, T, every)]
    panels = [(f"{words} {label}", np.array([t.as_dict()[name] for t in traces]).T)
              for name, words, label in gate_titles(cell)]
    title = f"{_gate_names(cell).capitalize()}, unit by unit over {T} steps"
    return heatmaps_svg(figure_id, title, panels, stretches)


def heatmaps_svg(figure_id, title, panels, stretches, strip_label="input"):
    """Heatmaps of values in [0, 1], one per (heading, units x steps array) panel, under a strip of
    (first step, steps, label) stretches that says what the input does when, with a colour scale."""
    T = panels[0][1].shape[1]
    left, column, row = 66, 22 if T <= 24 else max(6, 528 // T), 14
    right = left + T * column
    body, y = [], 4
    for k, (start, steps, label) in enumerate(stretches):
        x, w = left + start * column, steps * column
        body.append(f'<rect x="{x}" y="{y}" width="{w}" height="16" fill-opacity="{0.07 if k % 2 else 0.2}"/>'
                    + _text(x + w / 2, y + 12, label))
    body.append(_text(left - 6, y + 12, strip_label, "end"))
    y += 24
    tops = []
    for heading, values in panels:
        H = values.shape[0]
        body.append(_text(left, y + 12, heading, "start"))
        y += 18
        tops.append(y)
        cells = "".join(f'<rect x="{left + t * column}" y="{y + j * row}" width="{column}" height="{row}" '
                        f'fill="{colour(values[j, t])}"/>' for j in range(H) for t in range(T))
        body.append(f'<g shape-rendering="crispEdges">{cells}</g>')
        body.append(f'<rect x="{left}" y="{y}" width="{T * column}" height="{H * row}" fill="none" '
                    f'stroke="currentColor"/>')
        body += [_text(left - 6, y + j * row + row / 2 + 4, str(j + 1), "end") for j in range(H)]
        body.append(_text(16, y + H * row / 2, "unit", rotated=True))
        y += H * row + 14
    bottom = y - 14
    every = 1 if column >= 18 else 5
    body += [_text(left + t * column + column / 2, bottom + 14, str(t + 1)) for t in range(T) if (t + 1) % every == 0
             or every == 1]
    body.append(_text(left + T * column / 2, bottom + 34, "time step t"))
    # the colour scale, from 0 at the bottom to 1 at the top of the heatmaps
    scale, x = f"{figure_id}-scale", right + 18
    stops = "".join(f'<stop offset="{k / (len(VIRIDIS) - 1):.4f}" stop-color="{c}"/>' for k, c in enumerate(VIRIDIS))
    body.append(f'<defs><linearGradient id="{scale}" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient></defs>'
                f'<rect x="{x}" y="{tops[0]}" width="12" height="{bottom - tops[0]}" fill="url(#{scale})" '
                f'stroke="currentColor"/>')
    for value in (0, 0.25, 0.5, 0.75, 1):
        ty = bottom - value * (bottom - tops[0])
        body.append(f'<path d="M{x + 12} {_num(ty)}h4" stroke="currentColor"/>'
                    + _text(x + 19, ty + 4, f"{value:g}", "start"))
    body.append(_text(x + 62, (tops[0] + bottom) / 2, "gate value", rotated=True))
    return _svg(figure_id, right + 90, bottom + 44, title, body)


def _join(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _gate_names(cell):
    """'the update and reset gates of a GRU'."""
    title = registry.cell(cell).title
    words = [gate.name.removesuffix(" gate") for gate in registry.cell(cell).gates]
    return f"the {_join(words)} gates of {_a(title)} {title}"


def gate_heatmaps_html(cell):
    T, H, figure_id = SEQUENCE["steps"], SEQUENCE["hidden"], f"{cell}-gate-heatmaps"
    caption = (f"Heatmaps of {_gate_names(cell)} with {H} hidden units over {T} time steps, one cell per unit "
               f"and step; colour runs from 0 (dark purple) to 1 (yellow). Weights drawn as PyTorch "
               f"initialises them (uniform in ±1/√{H}), then multiplied by "
               f"{SEQUENCE['weight_scale']}; the input switches between two patterns every "
               f"{SEQUENCE['switch_every']} steps (the strip above the heatmaps).")
    return _figure(figure_id, gate_heatmaps_svg(cell, figure_id), caption)


def gradient_series(cells, keep_biases=(0,)):
    """(cell, keep bias) of each line: every cell at initialisation, then each gated cell per nonzero bias."""
    return tuple((cell, bias) for bias in keep_biases for cell in cells
                 if bias == 0 or registry.cell(cell).keep_gate)


def series_label(cell, bias, math=False):
    """'GRU', or with a keep bias 'GRU, b_u + 1' for the SVG (which reads TeX subscripts) and
    'GRU with $b_u + 1$' for a caption."""
    entry = registry.cell(cell)
    if not bias:
        return entry.title
    shift = f"{tex_weight(f'b_{entry.keep_gate}')} + {bias:g}"
    return f"{entry.title} with ${shift}$" if math else f"{entry.title}, {shift}"


@dataclasses.dataclass(frozen=True)
class Line:
    """One line of a line plot: its points, its style (colour and dash by number), its legend text."""
    xs: tuple
    ys: tuple
    style: int  # 0, 1, 2: the series colour and dash (the cells' order on the page)
    label: str = ""  # in the legend; "" for a line the legend does not name
    marks: tuple = ()  # x values to mark with a small circle
    faint: bool = False  # drawn thin and pale: one seed among several


def line_plot_svg(figure_id, title, lines, x_label, y_label, x_ticks, log_y=True, y_range=None, legend_width=86,
                  legend_at="top right"):
    """Lines on linear x and (by default) log y axes, with a grid, ticks and a legend at the top right
    (where curves falling with distance have fallen) or the bottom left (where loss curves have not yet)."""
    left, right, top, bottom = 80, WIDTH - 16, 16, 296
    x_low, x_high = min(x_ticks), max(x_ticks)
    scale = math.log10 if log_y else float
    if y_range is None:
        values = [scale(y) for line in lines for y in line.ys]
        y_range = (math.floor(min(values)), math.ceil(max(values)))
    low, high = y_range

    def x_of(x):
        return left + (x - x_low) / (x_high - x_low) * (right - left)

    def y_of(value):
        return bottom - (scale(value) - low) / (high - low) * (bottom - top)

    body = []
    every = 1 if high - low <= 8 else 2
    for e in range(low, high + 1):  # a grid line per power of ten (or unit), labelled every `every`
        y = _num(y_of(10.0 ** e if log_y else e))
        body.append(f'<path d="M{left} {y}H{right}" stroke="currentColor" stroke-opacity="0.15"/>')
        if (high - e) % every == 0:
            body.append(_text(left - 8, float(y) + 4, (f"10^{{{e}}}" if log_y else f"{e}").replace("-", "−"), "end"))
    for tick in x_ticks:
        x = _num(x_of(tick))
        body.append(f'<path d="M{x} {bottom}v5" stroke="currentColor"/>' + _text(float(x), bottom + 18, f"{tick:,}"))
    body.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" '
                f'stroke="currentColor"/>')
    legend_rows = sum(1 for line in lines if line.label)
    first_row = top + 18 if legend_at == "top right" else bottom - 18 * legend_rows
    legend_x = right - legend_width if legend_at == "top right" else left + 14
    named = 0
    for line in lines:
        points = " ".join(f"{_num(x_of(x))},{_num(y_of(y))}" for x, y in zip(line.xs, line.ys))
        dash = f' stroke-dasharray="{DASHES[line.style]}"' if DASHES[line.style] else ""
        width = 1 if line.faint else 2
        faint = ' stroke-opacity="0.35"' if line.faint else ""
        style = (f'class="gr-series gr-series-{line.style + 1}" fill="none" stroke="currentColor" '
                 f'stroke-width="{width}"{faint}{dash}')
        body.append(f'<polyline {style} points="{points}"/>')
        marks = [(x_of(x), y_of(y)) for x, y in zip(line.xs, line.ys) if x in line.marks]
        if line.label:
            y = first_row + 18 * named
            named += 1
            body.append(f'<path {style} d="M{legend_x} {y}h28"/>' + _text(legend_x + 36, y + 4, line.label, "start"))
            if line.marks:
                marks.append((legend_x + 14, y))
        if marks:
            body.append(f'<g class="gr-series gr-series-{line.style + 1}" fill="none" stroke="currentColor" '
                        f'stroke-width="1.5">' + "".join(f'<circle cx="{_num(mx)}" cy="{_num(my)}" r="3"/>'
                                                         for mx, my in marks) + "</g>")
    body.append(_text(left + (right - left) / 2, bottom + 40, x_label))
    body.append(_text(18, (top + bottom) / 2, y_label, rotated=True))
    return _svg(figure_id, WIDTH, bottom + 52, title, body)


def gradient_norm_svg(cells, figure_id="gradient-norms", keep_biases=(0,)):
    """Each cell's gradient norm against the distance T - k, on a log scale. A cell keeps its colour
    and dash; its lines with a keep bias carry round markers as well."""
    series = gradient_series(cells, keep_biases)
    lines = []
    for cell, bias in series:
        distance, norms = gradient_norms(cell, float(bias))
        lines.append(Line(tuple(distance), tuple(norms), cells.index(cell), series_label(cell, bias),
                          marks=tuple(d for d in distance if d % 5 == 0) if bias else ()))
    title = f"Gradient norm against distance, log scale: {_join([series_label(c, b) for c, b in series])}"
    return line_plot_svg(figure_id, title, lines, "distance T − k (time steps)", "‖∂(v · H_{T}) / ∂ state_{k}‖",
                         [1] + list(range(5, GRADIENT["steps"] + 1, 5)),
                         # with a keep bias, the gated cells' lines stay high at the right: the legend goes below them
                         **({"legend_width": 150, "legend_at": "bottom left"} if len(keep_biases) > 1 else {}))


def gradient_norm_html(cells, keep_biases=(0,)):
    T, H, B = GRADIENT["steps"], GRADIENT["size"], GRADIENT["batch"]
    figure_id = "gradient-norms" if tuple(keep_biases) == (0,) else "gradient-norms-keep"
    series = gradient_series(cells, keep_biases)
    ratios = "; ".join(f"{series_label(c, b, math=True)} {n[9] / n[0]:.1e}" for c, b in series
                       for n in (gradient_norms(c, float(b))[1],))
    lstm = [registry.cell(c).title for c in cells if len(registry.cell(c).states) == 2]
    plain = [registry.cell(c).title for c in cells if len(registry.cell(c).states) == 1]
    states = f"$H_k$ for the {_join(plain)}" + (f" and the pair $(H_k, C_k)$ for the {_join(lstm)}" if lstm else "")
    biased = [b for b in keep_biases if b]
    keeping = ""
    if biased:
        gates = _join([f"the {registry.cell(c).title}'s {registry.cell(c).block(registry.cell(c).keep_gate).name} "
                       f"${tex_weight('b_' + registry.cell(c).keep_gate)}$"
                       for c in cells if registry.cell(c).keep_gate])
        keeping = (f" Lines with round markers start from the same weights with {_join([f'{b:g}' for b in biased])} "
                   f"added to the bias of the gate that keeps the old state ({gates}), so that it starts nearer 1. "
                   f"Ratio of the norm at distance {T} to the norm at distance 1: "
                   + "; ".join(f"{series_label(c, b, math=True)} {n[-1] / n[0]:.1e}" for c, b in series
                               for n in (gradient_norms(c, float(b))[1],)) + ".")
    caption = (rf"The norm of $\partial (v \cdot H_T) / \partial\, \mathrm{{state}}_k$ against the distance "
               f"$T - k$, on a log scale: the gradient reaching step $k$ when the last hidden state $H_T$ is "
               f"pulled in one direction $v$, a random unit vector fixed for each sequence. The state is "
               f"{states}. Cells with {H} units and PyTorch's random initialisation, averaged over {B} random "
               f"sequences of length {T}. Ratio of the norm at distance 10 to the norm at distance 1: {ratios}."
               + keeping)
    return _figure(figure_id, gradient_norm_svg(cells, figure_id, keep_biases), caption)


def _figure(figure_id, svg, caption):
    """The plot and its caption; the area scrolls sideways where the screen is narrower than the plot."""
    return (f'<figure class="gr-figure gr-plot" id="{figure_id}"><div class="gr-plot-area" tabindex="0">{svg}</div>'
            f'<figcaption id="{figure_id}-caption">{inline_html(caption)}</figcaption></figure>')


def plot_html(plot="gates", cell="gru", cells=("rnn", "gru", "lstm"), keep_bias=(0,)):
    return gradient_norm_html(tuple(cells), tuple(keep_bias)) if plot == "gradient-norm" else gate_heatmaps_html(cell)
