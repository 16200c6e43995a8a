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
# # The same GRU step checked against PyTorch
#
# This notebook needs PyTorch, which the site's own dependencies leave out, so the site shows it
# without outputs; the project's tests run it (with PyTorch 2.13) and fail if any cell fails.
# Download it and run it where PyTorch is installed.
#
# It takes the GRU step of [A GRU step by hand](gru-step-by-hand.html), the chapter's worked
# example, and runs it through `torch.nn.GRU`. PyTorch writes the cell with column vectors and
# its own letters (its documentation calls the update gate $z_t$ and the candidate $n_t$), and packs
# the three gate blocks of each kind of weight into one matrix, in the order reset, update,
# candidate. `gru_ref.convert.to_torch` does that packing; the checks at the end compare every
# value PyTorch can be asked for.

# %%
import numpy as np
import torch

import gru_ref
from gru_ref import convert

# %% [markdown]
# ## The chapter's step in gru_ref

# %%
x = np.array([-0.5, 0.2, 0.9])
H_prev = np.array([0.2, 0.4])
w = gru_ref.GRUWeights(
    U_u=np.array([[-0.2, 0.2], [-0.5, -0.2], [0.8, -0.3]]),
    W_u=np.array([[0.5, 0.5], [-0.1, -0.8]]),
    b_u=np.array([0.9, -0.9]),
    U_r=np.array([[0.9, -0.1], [0.2, -0.8], [0.8, -0.9]]),
    W_r=np.array([[-0.8, 0.7], [-0.6, 0.2]]),
    b_r=np.array([-0.7, 0.9]),
    U_h=np.array([[-0.8, -0.2], [-0.9, 0.1], [-0.6, 0.7]]),
    W_h=np.array([[-0.6, -0.3], [-0.1, -0.8]]),
    b_h=np.array([0.3, 0.3]),
    b_Wh=np.array([-0.9, 0.1]),
)
trace = gru_ref.gru_step(x, H_prev, w, reset="after")
print(trace.H)

# %% [markdown]
# ## The same weights in PyTorch's layout
#
# `weight_ih_l0` stacks $U_r^\top$, $U_u^\top$ and $U_h^\top$; `weight_hh_l0` stacks the $W$s the
# same way. PyTorch has two biases per gate and adds them; the candidate's recurrent bias sits
# inside the reset, which is the site's $b_{Wh}$.

# %%
state_dict = convert.to_torch(w)
for name, value in state_dict.items():
    print(name, value.shape)
# rows 2 and 3 of weight_ih_l0: the update gate, z in PyTorch's letters
np.testing.assert_array_equal(state_dict["weight_ih_l0"][2:4], w.U_u.T)

# %%
torch_gru = torch.nn.GRU(input_size=3, hidden_size=2, dtype=torch.float64)
torch_gru.load_state_dict(
    {name: torch.from_numpy(value) for name, value in state_dict.items()})
x_t, h = torch.from_numpy(x), torch.from_numpy(H_prev)
with torch.no_grad():  # PyTorch's shapes: (steps, batch, size)
    out, h_n = torch_gru(x_t[None, None, :], h[None, None, :])
print(h_n)

# %% [markdown]
# ## The checks
#
# PyTorch's new state is the site's $H_t$. Its gates are not returned, but its documented
# equations, evaluated with its packed weights, give them, and they are the site's $u_t$, $r_t$
# and $\tilde{H}_t$. Both libraries compute in float64 with their own order of operations, so the
# comparisons allow $10^{-15}$.

# %%
np.testing.assert_allclose(h_n.numpy()[0, 0], trace.H, rtol=0, atol=1e-15)

W_ih, W_hh = torch_gru.weight_ih_l0, torch_gru.weight_hh_l0
b_ih, b_hh = torch_gru.bias_ih_l0, torch_gru.bias_hh_l0
with torch.no_grad():
    gi, gh = W_ih @ x_t + b_ih, W_hh @ h + b_hh
    r_t = torch.sigmoid(gi[0:2] + gh[0:2])
    z_t = torch.sigmoid(gi[2:4] + gh[2:4])
    n_t = torch.tanh(gi[4:6] + r_t * gh[4:6])
    h_t = (1 - z_t) * n_t + z_t * h
pairs = ((z_t, trace.u), (r_t, trace.r), (n_t, trace.H_tilde), (h_t, trace.H))
for torch_value, site_value in pairs:
    np.testing.assert_allclose(torch_value.numpy(), site_value,
                               rtol=0, atol=1e-15)
print("PyTorch agrees with gru_ref on u (z), r, the candidate (n) and H")
