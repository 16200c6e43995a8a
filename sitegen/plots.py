"""Gate activations over a short sequence, as heatmaps: matplotlib -> deterministic SVG."""
import base64
import io

import numpy as np

import gru_ref

SEQUENCE = {"steps": 24, "input": 4, "hidden": 8, "seed": 7}
GATES = {"gru": (("u", "update gate $u_t$"), ("r", "reset gate $r_t$")),
         "lstm": (("f", "forget gate $f_t$"), ("i", "input gate $i_t$"), ("o", "output gate $o_t$"))}


def gate_traces(cell):
    """A seeded random cell run on a sequence that switches between two input patterns."""
    rng = np.random.default_rng(SEQUENCE["seed"])
    T, D, H = SEQUENCE["steps"], SEQUENCE["input"], SEQUENCE["hidden"]
    weights = (gru_ref.GRUWeights if cell == "gru" else gru_ref.LSTMWeights).random(D, H, seed=SEQUENCE["seed"])
    weights = type(weights)(**{k: 3 * v for k, v in weights.arrays().items()})  # larger weights: gates that decide
    patterns = rng.standard_normal((2, D))
    xs = patterns[(np.arange(T) // 6) % 2] + 0.3 * rng.standard_normal((T, D))
    states = (np.zeros(H),) * (2 if cell == "lstm" else 1)
    step = gru_ref.gru_step if cell == "gru" else gru_ref.lstm_step
    return gru_ref.run_sequence(step, xs, states, weights)


def gate_heatmaps_svg(cell):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    traces = gate_traces(cell)
    gates = GATES[cell]
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
    names = ", ".join(title.split(" $")[0] for _, title in GATES[cell])
    T, H = SEQUENCE["steps"], SEQUENCE["hidden"]
    alt = (f"Heatmaps of the {names} of a {cell.upper()} with {H} hidden units over {T} time steps; "
           f"the input switches between two patterns every 6 steps. Colour runs from 0 (dark blue) to 1 (yellow).")
    data = base64.b64encode(gate_heatmaps_svg(cell).encode()).decode()
    return (f'<figure class="gr-figure gr-plot" id="{cell}-gate-heatmaps">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}">'
            f"<figcaption>{alt}</figcaption></figure>")
