"""Gate activations over a short sequence, as heatmaps: matplotlib -> deterministic SVG."""
import base64
import functools
import io

import numpy as np

import gru_ref
from gru_ref import registry

from . import notation

SEQUENCE = {"steps": 24, "input": 4, "hidden": 8, "seed": 7, "weight_scale": 3, "switch_every": 6}


def gate_titles(cell):
    """(trace field, title) of each gate of `cell`, in the notes' order: ('u', 'update gate $u_t$')."""
    return tuple((gate.output, notation.of(cell, gate.output).titled()) for gate in registry.cell(cell).gates)


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


def gate_heatmaps_svg(cell):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    traces = gate_traces(cell)
    gates = gate_titles(cell)
    with plt.rc_context({"svg.hashsalt": "gru-ref", "svg.fonttype": "none", "font.size": 9}):
        fig, axes = plt.subplots(len(gates), 1, figsize=(7, 1.5 * len(gates) + 0.6), sharex=True,
                                 layout="constrained")
        for ax, (name, title) in zip(axes, gates):
            values = np.array([t.as_dict()[name] for t in traces]).T  # units x time
            image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(title, loc="left")
            ax.set_ylabel("unit")
            ax.set_yticks([0, values.shape[0] - 1], [1, values.shape[0]])
        axes[-1].set_xlabel("time step $t$")
        axes[-1].set_xticks(range(0, len(traces), 4), [str(t + 1) for t in range(0, len(traces), 4)])
        fig.colorbar(image, ax=axes, shrink=0.8, label="gate value")
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return buffer.getvalue()


def gate_heatmaps_html(cell):
    names = ", ".join(gate.name for gate in registry.cell(cell).gates)
    T, H = SEQUENCE["steps"], SEQUENCE["hidden"]
    alt = (f"Heatmaps of the {names} of a {cell.upper()} with {H} hidden units over {T} time steps; weights drawn "
           f"as PyTorch initialises them (uniform in ±1/√{H}), then multiplied by {SEQUENCE['weight_scale']}; "
           f"the input switches between two patterns every {SEQUENCE['switch_every']} steps. "
           f"Colour runs from 0 (dark blue) to 1 (yellow).")
    return _figure(f"{cell}-gate-heatmaps", gate_heatmaps_svg(cell), alt)


GRADIENT = {"steps": 40, "batch": 32, "size": 32, "seed": 3}


@functools.lru_cache(maxsize=None)
def gradient_norms(cell):
    """Mean norm of v ∂state_T/∂state_k for each distance T - k, with PyTorch's initialisation.

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


def gradient_norm_svg(cells):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": "gru-ref", "svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
        for cell, style in zip(cells, ("-", "--", ":")):
            distance, norms = gradient_norms(cell)
            ax.semilogy(distance, norms, style, linewidth=2, label=cell.upper())
        ax.set_xlabel("distance $T - k$ (time steps)")
        ax.set_ylabel(r"$\|\partial H_T / \partial\,\mathrm{state}_k\|$")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return buffer.getvalue()


def _figure(figure_id, svg, alt):
    data = base64.b64encode(svg.encode()).decode()
    return (f'<figure class="gr-figure gr-plot" id="{figure_id}">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>')


def gradient_norm_html(cells):
    T, H, B = GRADIENT["steps"], GRADIENT["size"], GRADIENT["batch"]
    halves = []
    for cell in cells:
        distance, norms = gradient_norms(cell)
        halves.append(f"{cell.upper()} {norms[9] / norms[0]:.1e}")
    alt = (f"Gradient norm of the last hidden state with respect to the state k steps earlier, on a log scale, "
           f"for {', '.join(c.upper() for c in cells)} with {H} units and PyTorch's random initialisation, "
           f"averaged over {B} random sequences of length {T}. Ratio of the norm at distance 10 to distance 1: "
           f"{'; '.join(halves)}.")
    return _figure("gradient-norms", gradient_norm_svg(cells), alt)


def plot_html(plot="gates", cell="gru", cells=("rnn", "gru", "lstm")):
    return gradient_norm_html(cells) if plot == "gradient-norm" else gate_heatmaps_html(cell)
