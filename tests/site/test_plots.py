"""Plots: deterministic SVG, and the gradient norms they draw agree with finite differences."""
import numpy as np
import pytest

import gru_ref
from gru_ref import convert, registry
from sitegen import plots


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gate_heatmaps_are_byte_identical_across_renders(cell):
    assert plots.gate_heatmaps_svg(cell) == plots.gate_heatmaps_svg(cell)


def test_gate_heatmaps_show_gates_that_decide():
    """The prose points at gates near 0 and near 1; the seeded sequence must have both."""
    for cell, names in (("gru", "ur"), ("lstm", "fio")):
        values = np.array([[t.as_dict()[n] for n in names] for t in plots.gate_traces(cell)])
        assert values.min() < 0.1 and values.max() > 0.9


def _norm_by_finite_differences(cell, distance):
    """|d H_T / d state_{T-distance}| in the direction the plot uses, via the teaching cells, central differences."""
    T, B, H, seed = (plots.GRADIENT[k] for k in ("steps", "batch", "size", "seed"))
    rng = np.random.default_rng(seed)
    layer = registry.cell(cell).layer(H, H, seed=seed, dtype=np.float64)
    xs = rng.standard_normal((T, B, H))
    direction = rng.standard_normal((1, B, H))[0]
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    weights = convert.from_torch(cell, layer.state_dict())
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


def test_the_plain_rnn_forgets_fastest_as_the_page_says():
    ratios = {cell: plots.gradient_norms(cell)[1][19] / plots.gradient_norms(cell)[1][0] for cell in registry.CELLS}
    assert ratios["rnn"] < ratios["lstm"] and ratios["rnn"] < ratios["gru"]
    assert all(r < 1e-2 for r in ratios.values())  # at initialisation the gated cells decay too, only slower
