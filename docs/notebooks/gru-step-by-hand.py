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
# # A GRU step by hand with gru_ref
#
# The [GRU chapter](../gru.html#following-the-numbers) works through one step of a small GRU with
# the numbers written into the equations, rounded to three decimals. This notebook computes the
# same step again in numpy, one equation at a time and without rounding anything, and then checks
# every value against the trace that `gru_ref.gru_step` returns.
#
# The cell has $d = 3$ inputs and $n = 2$ units. The vectors are rows, as everywhere on the site:
# $x_t$ is $1 \times 3$, $H_{t-1}$ is $1 \times 2$, each $U$ is $3 \times 2$ and each $W$ is
# $2 \times 2$.

# %%
import numpy as np

import gru_ref

# %% [markdown]
# ## The given numbers
#
# The input, the previous state and the weights of the chapter's example. They have one decimal,
# so that the example can be followed with pencil and paper; no training has taken place.

# %%
x = np.array([-0.5, 0.2, 0.9])  # x_t
H_prev = np.array([0.2, 0.4])  # H_{t-1}
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

# %% [markdown]
# The two squashing functions, written the way the chapter defines them:
# $\sigma(a) = 1/(1 + e^{-a})$ and $\tanh$.

# %%
def sigmoid(a):
    return 1 / (1 + np.exp(-a))


tanh = np.tanh

# %% [markdown]
# ## The update gate
#
# $$u_t = \sigma\left(x_t U_u + H_{t-1} W_u + b_u\right)$$

# %%
a_u = x @ w.U_u + H_prev @ w.W_u + w.b_u
u = sigmoid(a_u)
print(u)

# %% [markdown]
# The first unit's gate is close to 1: it will mostly keep its old value. The second unit's is
# close to 0: it will mostly take the candidate.
#
# ## The reset gate
#
# $$r_t = \sigma\left(x_t U_r + H_{t-1} W_r + b_r\right)$$

# %%
a_r = x @ w.U_r + H_prev @ w.W_r + w.b_r
r = sigmoid(a_r)
print(r)

# %% [markdown]
# ## The candidate state
#
# The reset gate scales the recurrent term after its matrix product (the "reset after" form of
# PyTorch and Keras):
#
# $$\tilde{H}_t = \tanh\left(x_t U_h + b_h + r_t \odot \left(H_{t-1} W_h + b_{Wh}\right)\right)$$

# %%
reset_H = r * (H_prev @ w.W_h + w.b_Wh)
a_h = x @ w.U_h + w.b_h + reset_H
H_tilde = tanh(a_h)
print(H_tilde)

# %% [markdown]
# ## The new state
#
# $$H_t = u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t$$

# %%
keep = u * H_prev
write = (1 - u) * H_tilde
H = keep + write
print(H)

# %% [markdown]
# Each entry of $H_t$ lies between the matching entries of $H_{t-1}$ and $\tilde{H}_t$, closer to
# $H_{t-1}$ where $u_t$ is larger.

# %%
low, high = np.minimum(H_prev, H_tilde), np.maximum(H_prev, H_tilde)
assert np.all((low <= H) & (H <= high))

# %% [markdown]
# ## The same step in gru_ref
#
# `gru_ref.gru_step` returns every intermediate under the same names. Its sigmoid is written
# $\sigma(a) = \left(1 + \tanh(a/2)\right)/2$, the same function in a form that never overflows,
# so its last binary digits may differ from ours: the checks allow a difference of a few units in
# the last place (ulp), which is about $10^{-16}$ for numbers of this size, and nothing more.

# %%
trace = gru_ref.gru_step(x, H_prev, w, reset="after")
print(trace)

# %%
by_hand = {"a_u": a_u, "u": u, "a_r": a_r, "r": r, "reset_H": reset_H,
           "a_h": a_h, "H_tilde": H_tilde, "keep": keep, "write": write,
           "H": H}
assert list(by_hand) == list(trace.as_dict())
for name, value in trace.as_dict().items():
    np.testing.assert_array_max_ulp(by_hand[name], value, maxulp=4)
print(f"all {len(by_hand)} intermediates agree with gru_ref within 4 ulp")

# %% [markdown]
# ## Back to the page's numbers
#
# Every digit of each value (the shortest decimals that give back the same binary number), and
# the same values rounded to three decimals: the numbers printed in the chapter's worked example.

# %%
for name, value in by_hand.items():
    print(f"{name:>7}  {value.tolist()}")

# %%
for name, value in by_hand.items():
    print(f"{name:>7}  {np.round(value, 3).tolist()}")
