"""The kernels' memory: what a forward or a backward allocates is what it keeps or returns.

A whole-sequence temporary is megabytes of fresh memory on every call at benchmark sizes, which the
allocator gives back to the system and faults in again on the next call; on the benchmark machine
those page faults cost more than the numpy calls that such a temporary saves (see gru_ref/kernels.py).
So each kernel's peak allocation is pinned here, in units of one (T, B, H) array, to its cache
(forward) or its pre-activation gradients and dX (backward), with less than one unit to spare.
"""
import tracemalloc

import numpy as np
import pytest

from gru_ref import kernels

T, B, D, H = 128, 8, 4, 16  # long sequences and a small batch: per-step scratch is far below one unit
SPARE = 0.5  # weights copied for the call, per-step scratch, the weight gradients: all far below this
# kernel, its (T, B, H)-sized arrays in the cache, and in backward (D = H/4 makes dX a quarter unit)
CASES = {
    "rnn_tanh": (lambda: kernels.RNNKernel("tanh"), 1, 2, 1 + 0.25),  # input projection, H_0..H_T; dA, dX
    "rnn_relu": (lambda: kernels.RNNKernel("relu"), 1, 2, 1 + 0.25),
    # gates r, u, H̃ (3), H_0..H_T, H_{t-1} - H̃, H W_h or r ⊙ H; dA of both sides (reset after) or one
    "gru": (lambda: kernels.GRUKernel("after"), 3, 6, 6 + 0.25),
    "gru_before": (lambda: kernels.GRUKernel("before"), 3, 6, 3 + 0.25),
    # gates o, i, f, C̃ (4), H_0..H_T, C_0..C_T, tanh C; dA, dX
    "lstm": (lambda: kernels.LSTMKernel(), 4, 7, 4 + 0.25),
}


def peak_units(fn):
    """fn()'s result and the peak of what it allocated, in units of one (T, B, H) float64 array."""
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak / (T * B * H * np.dtype(np.float64).itemsize)


@pytest.mark.parametrize("name", CASES)
def test_forward_and_backward_allocate_no_whole_sequence_temporaries(name):
    make, G, forward_units, backward_units = CASES[name]
    rng = np.random.default_rng(0)
    p = {"weight_ih": rng.uniform(-0.3, 0.3, (G * H, D)), "weight_hh": rng.uniform(-0.3, 0.3, (G * H, H)),
         "bias_ih": rng.uniform(-0.3, 0.3, G * H), "bias_hh": rng.uniform(-0.3, 0.3, G * H)}
    states = tuple(rng.standard_normal((B, H)) for _ in range(2 if name == "lstm" else 1))
    X, d_out = rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))
    kernel = make()

    (out, finals, cache), forward_peak = peak_units(lambda: kernel.forward(X, states, p))
    assert forward_peak <= forward_units + SPARE, f"{name} forward: peak {forward_peak:.2f} units"
    _, backward_peak = peak_units(lambda: kernel.backward(d_out, tuple(np.ones_like(s) for s in states), cache))
    assert backward_peak <= backward_units + SPARE, f"{name} backward: peak {backward_peak:.2f} units"
