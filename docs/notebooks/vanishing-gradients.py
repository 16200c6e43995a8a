# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Vanishing gradients in a plain RNN, a GRU and an LSTM
#
# [From RNNs to gates](../rnn.html#the-product-of-jacobians) shows that the gradient reaching a
# state $k$ steps back is multiplied by a product of $k$ Jacobians,
#
# $$
# \frac{\partial H_T}{\partial H_{T-k}} = J_{T-k+1} J_{T-k+2} \cdots J_T,
# \qquad J_s = \frac{\partial H_s}{\partial H_{s-1}},
# $$
#
# and that for a plain RNN this product tends to shrink geometrically with $k$. This notebook
# measures the size of that product for the three cells of `gru_ref`, first as they are
# initialised, then with the gate that keeps the old state pushed towards keeping.

# %%
import base64
import html
import io

import numpy as np
from IPython.display import HTML, display
from matplotlib.figure import Figure

import gru_ref
from gru_ref import convert, registry

# %% [markdown]
# Figures are shown through a small helper that displays the PNG together with a text
# alternative, which screen readers read out in place of the picture.

# %%
def show(fig, alt):
    """Display a figure as a PNG with a text alternative, `alt`, for
    readers who cannot see it."""
    png = io.BytesIO()
    # no "Software" entry (matplotlib's version): the same bytes everywhere
    fig.savefig(png, format="png", metadata={"Software": None})
    data = base64.b64encode(png.getvalue()).decode("ascii")
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    display(HTML(f'<img src="data:image/png;base64,{data}" width="{width}" '
                 f'height="{height}" alt="{html.escape(alt)}">'))


# %% [markdown]
# ## The setup
#
# Each cell has $n = 16$ units and reads inputs of size 16, drawn from a standard normal
# distribution, for $T = 40$ steps, in 8 independent sequences. The weights are `gru_ref`'s
# default initialisation, PyTorch's: uniform between $-1/\sqrt{n}$ and $1/\sqrt{n}$. Everything
# is seeded, so every run gives the same numbers.

# %%
n, T, sequences = 16, 40, 8
xs = np.random.default_rng(1).standard_normal((T, sequences, n))

# %% [markdown]
# ## The whole Jacobian, by backpropagation
#
# The layers of `gru_ref` compute gradients like PyTorch's: after a forward pass,
# `layer.backward(None, d_state)` returns the gradient that a vector `d_state` on the final state
# sends back to the initial state, that is `d_state` times the Jacobian of the step. Sending back
# each of the $n$ unit vectors gives the $n$ rows of the Jacobian, and sending the result back
# through the step before multiplies by the next Jacobian. So each sequence is copied $n$ times in
# the batch, one copy per unit vector, and the steps are run backwards one at a time from $T$.
#
# The LSTM's state is the pair $(H, C)$: its rows are the gradients on $H_{T-k}$ and $C_{T-k}$
# side by side, an $n \times 2n$ matrix. The size of a Jacobian is its largest singular value
# (its spectral norm), averaged over the 8 sequences.

# %%
def jacobian_norms(layer):
    """Mean spectral norm of dH_T / d(state_{T-k}) for k = 1 .. T."""
    lstm = isinstance(layer, gru_ref.LSTM)
    # each sequence n times: one copy per row of the Jacobian
    batch = np.repeat(xs, n, axis=1)
    zeros = np.zeros((1, sequences * n, n))
    before = [(zeros, zeros) if lstm else zeros]  # the state before each step
    for t in range(T - 1):
        before.append(layer(batch[t:t + 1], before[-1])[1])
    rows = np.tile(np.eye(n), (sequences, 1))[None]  # unit vectors on H_T
    v = (rows, np.zeros_like(rows)) if lstm else rows
    norms = []
    for t in reversed(range(T)):
        # the step again, so that backward has its intermediates
        layer(batch[t:t + 1], before[t])
        v = layer.backward(None, v).state
        parts = v if lstm else (v,)
        jacobians = np.concatenate(parts, axis=-1).reshape(sequences, n, -1)
        norm = np.linalg.norm(jacobians, ord=2, axis=(1, 2))
        norms.append(norm.mean())
    return np.array(norms)


# %% [markdown]
# ## Biased towards keeping
#
# Both gated cells have a gate that decides how much of the old state is kept: the GRU's update
# gate $u_t$, which multiplies $H_{t-1}$ in $H_t = u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t$,
# and the LSTM's forget gate $f_t$, which multiplies $C_{t-1}$. At initialisation their biases are
# near 0, so the gates sit near $\sigma(0) = 0.5$. Adding 1 to the bias moves them to about
# $\sigma(1) \approx 0.73$: the forget-gate bias of 1 that Jozefowicz et al. (2015) recommend for
# the LSTM, and for the GRU the same push on $u_t$ (positive, because in the notes' convention
# $u_t$ weighs the old state). `gru_ref.registry` says which gate keeps, and
# `gru_ref.convert.with_keep_bias` shifts its rows of PyTorch's packed bias.

# %%
def layer(cell, keep_bias=0.0):
    entry = registry.cell(cell)
    layer = entry.layer(n, n, seed=0, dtype=np.float64)
    if keep_bias:
        state = convert.with_keep_bias(cell, layer.state_dict(), keep_bias)
        layer.load_state_dict(state)
    return layer


for cell in ("gru", "lstm"):
    entry = registry.cell(cell)
    print(f"{entry.title} keeps with its {entry.block(entry.keep_gate).name}")
runs = {
    "RNN": jacobian_norms(layer("rnn")),
    "GRU": jacobian_norms(layer("gru")),
    "LSTM": jacobian_norms(layer("lstm")),
    "GRU, update-gate bias +1": jacobian_norms(layer("gru", 1.0)),
    "LSTM, forget-gate bias +1": jacobian_norms(layer("lstm", 1.0)),
}
k = np.arange(1, T + 1)

# %% [markdown]
# ## The plot
#
# The vertical axis is logarithmic, so a geometric decay is a straight falling line.

# %%
colours = {"RNN": "#1b9e77", "GRU": "#d95f02", "LSTM": "#7570b3"}
markers = {"GRU": "o", "LSTM": "s"}
fig = Figure(figsize=(6.6, 4.2), dpi=100, facecolor="white",
             layout="constrained")
ax = fig.add_subplot()
for name, norms in runs.items():
    cell, biased = name.split(",")[0], "bias" in name
    ax.semilogy(k, norms, "--" if biased else "-", color=colours[cell],
                marker=markers[cell] if biased else None, markevery=5,
                label=name)
ax.set_xlabel("distance k (steps back from T)")
ax.set_ylabel(r"$\Vert \partial H_T / \partial H_{T-k} \Vert_2$, mean")
ax.grid(True, which="both", alpha=0.3)
ax.legend(frameon=False)
ends = "; ".join(f"{name}: {v[0]:.2g} at k = 1, {v[-1]:.1e} at k = {T}"
                 for name, v in runs.items())
show(fig, "Line plot, logarithmic vertical axis: the norm of the Jacobian "
          f"of H_T with respect to the state k steps back, k from 1 to {T}. "
          f"{ends}. Every line falls; the gated cells with the keep bias "
          "fall the slowest.")

# %% [markdown]
# ## How fast each line falls
#
# A straight line on the log scale means the norm loses the same factor at every step. The
# factor per step, from a least-squares fit of $\log \lVert \partial H_T / \partial H_{T-k} \rVert$
# against $k$ over $k = 10$ to $T$, and the number of steps it takes to lose a factor of 10:

# %%
tail = k >= 10
factor = {}
for name, norms in runs.items():
    slope = np.polyfit(k[tail], np.log(norms[tail]), 1)[0]
    factor[name] = np.exp(slope)
    print(f"{name:<26} {factor[name]:.3f} per step, "
          f"a factor of 10 in {np.log(10) / -slope:4.1f} steps")

# %% [markdown]
# ## Gates mitigate; they do not eliminate
#
# The checks below hold for the numbers above. Every cell's gradient still shrinks with the
# distance: the factor per step is below 1 for all five. The gated cells shrink more slowly than
# the plain RNN, and biasing the keeping gate slows the decay further, because a gate nearer to 1
# makes the copy path's factor $\text{diag}(u_t)$ or $\text{diag}(f_t)$ nearer to the identity. But
# a sigmoid never reaches 1, and a product of many factors below 1 still vanishes: at
# initialisation, before training has learned when to keep, a bias only buys a longer reach.
# Training can push the gates closer to 1 where the data needs it, which is how gated cells learn
# dependencies that a plain RNN cannot.

# %%
# every gradient still vanishes
assert all(f < 1 for f in factor.values())
# gates slow the decay
assert factor["GRU"] > factor["RNN"] and factor["LSTM"] > factor["RNN"]
# and a bias towards keeping slows it further
assert factor["GRU, update-gate bias +1"] > factor["GRU"]
assert factor["LSTM, forget-gate bias +1"] > factor["LSTM"]
