"""Plots: deterministic inline SVG that follows the colour scheme, one text alternative, the values
they draw, what the pages say about them, and gradient norms that agree with finite differences."""
import dataclasses
import html
import re
from pathlib import Path

import numpy as np
import pytest

import gru_ref
from gru_ref import convert, registry
from sitegen import plots

FIGURES = {"gru-gate-heatmaps": lambda: plots.plot_html("gates", cell="gru"),
           "lstm-gate-heatmaps": lambda: plots.plot_html("gates", cell="lstm"),
           "gradient-norms": lambda: plots.plot_html("gradient-norm", cells=("rnn", "gru", "lstm"))}


@pytest.mark.parametrize("figure", FIGURES)
def test_plots_are_byte_identical_across_renders(figure):
    assert FIGURES[figure]() == FIGURES[figure]()


@pytest.mark.parametrize("figure", FIGURES)
def test_plots_draw_text_axes_and_grid_in_the_schemes_text_colour(figure):
    """Nothing is painted in a fixed colour but the heatmaps' cells and scale and the lines, whose
    colours the stylesheet sets per scheme: no white card, no black text in dark mode."""
    page = FIGURES[figure]()
    svg = re.search(r"<svg [^>]*>", page).group(0)
    assert 'fill="currentColor"' in svg and "<img" not in page
    texts = re.findall(r"<text [^>]*>", page)
    assert texts and not any("fill=" in t or "stroke=" in t for t in texts)  # they take the svg's currentColor
    assert set(re.findall(r'stroke="([^"]*)"', page)) == {"currentColor"}
    fills = [f for f in re.findall(r' fill="([^"]*)"', page) if f not in ("currentColor", "none")]
    cells = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', page)
    assert sorted(fills) == sorted(cells + re.findall(r'fill="(url\(#[^)]*\))"', page))
    assert not re.search(r"#fff\b|#ffffff|white|#000\b|#000000|black", page, re.I)
    for line in re.findall(r"<(?:polyline|path) [^>]*gr-series[^>]*>", page):
        assert re.search(r'class="gr-series gr-series-[123]"', line)
    stylesheet = (Path(plots.__file__).resolve().parents[1] / "docs" / "stylesheets" / "generated.css").read_text()
    for k in (1, 2, 3):  # each line colour is set for the light scheme and again for the dark one
        assert len(re.findall(rf"--gr-series-{k}:", stylesheet)) == 2


@pytest.mark.parametrize("figure", FIGURES)
def test_a_plot_has_one_short_name_and_its_caption_once_as_description(figure):
    page = FIGURES[figure]()
    svg = re.search(r"<svg [^>]*>", page).group(0)
    assert 'role="img"' in svg and "alt=" not in page
    title_id = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
    caption_id = re.search(r'aria-describedby="([^"]+)"', svg).group(1)
    title = re.search(rf'<title id="{title_id}">(.*?)</title>', page).group(1)
    caption = re.search(rf'<figcaption id="{caption_id}">(.*?)</figcaption>', page, re.S).group(1)
    caption_text = html.unescape(re.sub(r"<[^>]+>", "", caption))
    assert 10 < len(title) < len(caption_text) / 3
    assert title not in caption_text  # the name and the description say different things
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and all(i.startswith(figure) for i in ids)


def test_plot_ids_do_not_repeat_across_the_plots():
    ids = [i for make in FIGURES.values() for i in re.findall(r' id="([^"]+)"', make())]
    assert len(ids) == len(set(ids))


def _rgb(hex_colour):
    return np.array([int(hex_colour[k:k + 2], 16) for k in (1, 3, 5)])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_heatmap_cells_show_each_gate_value_in_viridis(cell):
    """Row by row, every drawn cell's colour is matplotlib's viridis of that unit's gate value."""
    viridis = pytest.importorskip("matplotlib", reason="matplotlib (an oracle here) is missing").colormaps["viridis"]
    svg = plots.gate_heatmaps_svg(cell)
    drawn = [_rgb(c) for c in re.findall(r'<rect x="[^"]*" y="[^"]*" width="22" height="14" fill="([^"]+)"', svg)]
    traces, expected = plots.gate_traces(cell), []
    for gate in registry.cell(cell).gates:  # panel by panel, each unit's row left to right
        values = np.array([t.as_dict()[gate.output] for t in traces]).T
        expected += [np.array(viridis(v)[:3]) * 255 for v in values.ravel()]
    assert len(drawn) == len(expected) == len(registry.cell(cell).gates) * plots.SEQUENCE["hidden"] * len(traces)
    assert max(np.max(np.abs(d - e)) for d, e in zip(drawn, expected)) <= 6  # 17 stops, linear in between


def test_the_caption_names_the_colours_the_scale_ends_with():
    """'Colour runs from 0 (dark purple) to 1 (yellow).'"""
    caption = plots.plot_html("gates", cell="gru")
    assert "from 0 (dark purple) to 1 (yellow)" in caption
    r, g, b = _rgb(plots.colour(0))
    assert r > g and b > g and 0.2126 * r + 0.7152 * g + 0.0722 * b < 40  # dark, red and blue over green
    r, g, b = _rgb(plots.colour(1))
    assert r > 200 and g > 200 and b < 80


def test_the_gradient_plot_draws_each_norm_on_its_log_scale():
    """Each line's height difference between two distances, in grid decades, is log10 of the ratio."""
    svg = plots.gradient_norm_svg(("rnn", "gru", "lstm"))
    grid = sorted({float(y) for y in re.findall(r'<path d="M80 ([\d.]+)H', svg)})
    decade = np.mean(np.diff(grid))
    for cell, points in zip(("rnn", "gru", "lstm"), re.findall(r'<polyline [^>]*points="([^"]+)"', svg)):
        ys = np.array([float(p.split(",")[1]) for p in points.split()])
        _, norms = plots.gradient_norms(cell)
        assert len(ys) == len(norms)
        assert np.allclose((ys[0] - ys) / decade, np.log10(norms / norms[0]), atol=0.01)


def test_gate_heatmaps_show_gates_that_decide():
    """The prose points at gates near 0 and near 1; the seeded sequence must have both."""
    for cell, names in (("gru", "ur"), ("lstm", "fio")):
        values = np.array([[t.as_dict()[n] for n in names] for t in plots.gate_traces(cell)])
        assert values.min() < 0.1 and values.max() > 0.9


def _gate(cell, name):
    """units x steps"""
    return np.array([t.as_dict()[name] for t in plots.gate_traces(cell)]).T


def _longest_run(mask):
    best = run = 0
    for value in mask:
        run = run + 1 if value else 0
        best = max(best, run)
    return best


@pytest.mark.parametrize("cell,gate", [("gru", "u"), ("lstm", "f")])
def test_a_unit_holds_its_gate_high_across_many_steps(cell, gate):
    """gru.md: 'a unit whose update gate stays high across many steps'; lstm.md: 'Units whose forget
    gate stays high are long-memory units'."""
    assert max(_longest_run(row >= 0.8) for row in _gate(cell, gate)) >= 5


def test_a_gru_units_reset_gate_drops():
    """gru.md: 'a step where a unit's reset gate drops'."""
    r = _gate("gru", "r")
    assert np.min(np.diff(r, axis=1)) <= -0.4


def test_an_lstm_units_forget_gate_dips_and_recovers():
    """lstm.md: 'a dip in the forget gate is a moment where a unit clears part of its memory'."""
    f = _gate("lstm", "f")
    assert any(np.any(np.diff(row)[:k] <= -0.4) and np.any(np.diff(row)[k:] >= 0.4)
               for row in f for k in range(1, f.shape[1] - 1))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gates_change_colour_where_the_input_switches(cell):
    """gru.md, lstm.md: 'gates that respond to the input change colour at the switches'."""
    gates = np.stack([_gate(cell, g.output) for g in registry.cell(cell).gates])
    jumps = np.abs(np.diff(gates, axis=2)).max(axis=(0, 1))  # per step boundary, the largest change
    every = plots.SEQUENCE["switch_every"]
    switches = [k - 1 for k in range(every, plots.SEQUENCE["steps"], every)]
    assert all(jumps[k] >= 0.4 for k in switches)
    assert min(jumps[k] for k in switches) > np.median(jumps)  # larger than between most steps


def test_geometric_decay_shows_as_a_straight_falling_line():
    """rnn.md: 'The vertical axis is logarithmic, so geometric decay shows as a straight falling line.'"""
    for cell in ("rnn", "gru", "lstm"):
        distance, norms = plots.gradient_norms(cell)
        slope, offset = np.polyfit(distance, np.log10(norms), 1)
        assert slope < 0 and np.max(np.abs(slope * distance + offset - np.log10(norms))) < 0.2  # within 0.2 decades


KEEP_BIAS_FIELD = {"gru": "b_u", "lstm": "b_f"}  # the notes' update and forget gate biases, named here independently


def _norm_by_finite_differences(cell, distance, keep_bias=0.0):
    """|d H_T / d state_{T-distance}| in the direction the plot uses, via the teaching cells, central differences."""
    T, B, H, seed = (plots.GRADIENT[k] for k in ("steps", "batch", "size", "seed"))
    rng = np.random.default_rng(seed)
    layer = registry.cell(cell).layer(H, H, seed=seed, dtype=np.float64)
    xs = rng.standard_normal((T, B, H))
    direction = rng.standard_normal((1, B, H))[0]
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    weights = convert.from_torch(cell, layer.state_dict())
    if keep_bias:
        field = KEEP_BIAS_FIELD[cell]
        weights = dataclasses.replace(weights, **{field: getattr(weights, field) + keep_bias})
    step = {"rnn": gru_ref.rnn_step, "gru": gru_ref.gru_step, "lstm": gru_ref.lstm_step}[cell]
    states = (np.zeros((B, H)),) * (2 if cell == "lstm" else 1)
    for x in xs[:T - distance]:
        trace = step(x, *states, weights)
        states = (trace.H, trace.C) if cell == "lstm" else (trace.H,)

    def projected_last_state(start):
        return np.sum(gru_ref.run_sequence(step, xs[T - distance:], start, weights)[-1].H * direction, axis=-1)

    eps, squared = 1e-6, np.zeros(B)
    for s in range(len(states)):
        for j in range(H):
            bump = np.zeros((B, H))
            bump[:, j] = eps
            plus = tuple(v + bump if k == s else v for k, v in enumerate(states))
            minus = tuple(v - bump if k == s else v for k, v in enumerate(states))
            squared += ((projected_last_state(plus) - projected_last_state(minus)) / (2 * eps)) ** 2
    return np.mean(np.sqrt(squared))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("distance", [1, 5])
def test_gradient_norms_agree_with_finite_differences(cell, distance):
    _, norms = plots.gradient_norms(cell)
    assert norms[distance - 1] == pytest.approx(_norm_by_finite_differences(cell, distance), rel=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("distance", [1, 5])
def test_gradient_norms_with_a_keep_bias_agree_with_finite_differences(cell, distance):
    _, norms = plots.gradient_norms(cell, 1.0)
    assert norms[distance - 1] == pytest.approx(_norm_by_finite_differences(cell, distance, 1.0), rel=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_keep_bias_mitigates_the_decay_but_does_not_eliminate_it(cell):
    """evidence.md: biasing the keeping gate towards 1 carries the gradient orders of magnitude
    further, yet it still falls geometrically with distance."""
    _, at_init = plots.gradient_norms(cell)
    _, biased = plots.gradient_norms(cell, 1.0)
    assert biased[-1] / biased[0] > 1e3 * at_init[-1] / at_init[0]
    assert biased[-1] / biased[0] < 1e-2
    slope, _ = np.polyfit(np.arange(1, len(biased) + 1), np.log10(biased), 1)
    assert slope < 0


def test_the_plain_rnn_has_no_gate_to_bias():
    with pytest.raises(ValueError, match="keep_bias: the RNN has no gate that keeps its state"):
        plots.gradient_norms("rnn", 1.0)


def test_the_plain_rnn_forgets_fastest_as_the_page_says():
    ratios = {cell: plots.gradient_norms(cell)[1][19] / plots.gradient_norms(cell)[1][0] for cell in registry.CELLS}
    assert ratios["rnn"] < ratios["lstm"] and ratios["rnn"] < ratios["gru"]
    assert all(r < 1e-2 for r in ratios.values())  # at initialisation the gated cells decay too, only slower
