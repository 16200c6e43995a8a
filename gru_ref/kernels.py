"""Forward and backward over time for one layer and one direction, in PyTorch's packed layout.

The layout follows where the time goes. The input projections of all T steps are one GEMM before
the time loop, and the weight gradients and dX are large GEMMs after it. Inside the loop a step is
the GEMM on the recurrent state plus the elementwise calls that depend on it, each writing into a
buffer allocated once per call, as far as possible over a whole contiguous (B, G*H) row: on a
strided block of such a row numpy takes two to three times as long as on a contiguous array.

Backward works out the activations' slopes step by step too, in (B, G*H) scratch. Slopes for all
T steps at once would take fewer numpy calls, but they are megabytes of fresh memory per call,
which the allocator gives back to the system and faults in again on the next call; on the machine
bench_layers.py runs on those page faults cost more than the calls save.

The teaching version of the same math is in cells.py.

Shapes: X (T, B, D); states (B, H); W_ih (G*H, D); W_hh (G*H, H); biases (G*H,) or None, where G
is the number of gate blocks (1 RNN, 3 GRU, 4 LSTM). Blocks are named as in the registry: GRU r, u,
h (PyTorch's r, z, n); LSTM i, f, c, o (PyTorch's i, f, g, o).
"""
from typing import NamedTuple

import numpy as np

from . import registry

# -- shared pieces -------------------------------------------------------------------------------


def _span(rows, *keys):
    """One slice over the rows of adjacent blocks, so that a group of blocks is one numpy call."""
    start, stop = min(rows[k].start for k in keys), max(rows[k].stop for k in keys)
    assert stop - start == sum(rows[k].stop - rows[k].start for k in keys), f"blocks {keys} are not adjacent"
    return slice(start, stop)


def _halved(array, rows):
    """A copy of `array` with the given rows (the sigmoid blocks) halved.

    σ(a) = (1 + tanh(a/2)) / 2 is the arithmetic of activations.sigmoid. Halving the weights and
    biases once per call gives a/2 with no rounding of its own (a power of two, barring underflow),
    so a step's sigmoid is a tanh plus `_sigmoid_from_tanh_`, and the LSTM activates all four
    blocks with one tanh call.
    """
    if array is None:
        return None
    out = array.copy()
    out[rows] *= 0.5
    return out


def _sigmoid_from_tanh_(t):
    """σ(a) in place, from t = tanh(a/2)."""
    t *= 0.5
    t += 0.5


def _sigmoid_slope(s, out):
    """σ'(a) = s(1 - s), from s = σ(a)."""
    np.subtract(1.0, s, out=out)
    out *= s


def _tanh_slope(t, out):
    """tanh'(a) = 1 - t², from t = tanh(a)."""
    np.multiply(t, t, out=out)
    np.subtract(1.0, out, out=out)


def _within(block, group):
    """The rows of `block` counted from the start of `group`, a span of blocks that holds it."""
    return slice(block.start - group.start, block.stop - group.start)


def _summed_bias(p):
    """b_ih + b_hh: where both biases only add to the same pre-activation, only their sum matters."""
    return None if p["bias_ih"] is None else p["bias_ih"] + p["bias_hh"]


def _input_projection(X, W_ih, bias, rows=slice(None)):
    """x_t W_ih^T + bias for every step, in one GEMM; only the given rows of W_ih and bias."""
    T, B, D = X.shape
    A = X.reshape(T * B, D) @ W_ih[rows].T  # (T*B, G*H)
    if bias is not None:
        A += bias[rows]
    return A.reshape(T, B, -1)  # (T, B, G*H)


def _input_gradient(dA, W_ih):
    """dX_t = dA_t W_ih for every step, in one GEMM."""
    T, B, _ = dA.shape
    return (dA.reshape(T * B, -1) @ W_ih).reshape(T, B, -1)  # (T, B, D)


def _weight_gradient(dA, inputs):
    """Σ_t dA_t^T inputs_t in one GEMM, where `inputs` (T, B, K) is what the weights multiplied."""
    T, B, _ = dA.shape
    return dA.reshape(T * B, -1).T @ inputs.reshape(T * B, -1)  # (G*H, K)


def _bias_gradient(dA):
    """Σ over steps and sequences of dA, as a GEMV: here about twice as fast as .sum(axis=0)."""
    T, B, _ = dA.shape
    return np.ones(T * B, dtype=dA.dtype) @ dA.reshape(T * B, -1)  # (G*H,)


# -- RNN -----------------------------------------------------------------------------------------


class RNNCache(NamedTuple):
    p: dict  # the parameters, in PyTorch's layout
    X: np.ndarray  # (T, B, D)
    Hs: np.ndarray  # (T+1, B, H): the initial state, then every step's output


class RNNKernel:
    """H_t = tanh (or relu) of x_t W_ih^T + H_{t-1} W_hh^T + b_ih + b_hh."""

    def __init__(self, nonlinearity="tanh"):
        self.relu = nonlinearity == "relu"

    def forward(self, X, states, p):
        (h0,) = states
        X = np.ascontiguousarray(X)
        T, B, _ = X.shape
        A = _input_projection(X, p["weight_ih"], _summed_bias(p))  # (T, B, H)
        Hs = np.empty((T + 1,) + h0.shape, dtype=X.dtype)
        Hs[0] = h0
        W_hh_T = p["weight_hh"].T
        for t in range(T):
            h = Hs[t + 1]
            np.matmul(Hs[t], W_hh_T, out=h)
            h += A[t]
            if self.relu:
                np.maximum(h, 0.0, out=h)
            else:
                np.tanh(h, out=h)
        return Hs[1:], (Hs[T],), RNNCache(p, X, Hs)

    def backward(self, d_out, d_finals, cache):
        p, X, Hs = cache
        T = len(d_out)
        dA = np.empty_like(d_out)  # (T, B, H): gradients of the pre-activations
        W_hh = p["weight_hh"]
        dh = d_finals[0].copy()
        for t in reversed(range(T)):
            dh += d_out[t]
            if self.relu:
                np.multiply(dh, Hs[t + 1] > 0, out=dA[t])
            else:
                _tanh_slope(Hs[t + 1], dA[t])
                dA[t] *= dh
            np.matmul(dA[t], W_hh, out=dh)
        grads = {"weight_ih": _weight_gradient(dA, X), "weight_hh": _weight_gradient(dA, Hs[:-1])}
        if p["bias_ih"] is not None:
            grads["bias_ih"] = _bias_gradient(dA)
            grads["bias_hh"] = grads["bias_ih"].copy()
        return _input_gradient(dA, p["weight_ih"]), (dh,), grads


# -- GRU -----------------------------------------------------------------------------------------


class GRUCache(NamedTuple):
    p: dict  # the parameters, in PyTorch's layout
    X: np.ndarray  # (T, B, D)
    Hs: np.ndarray  # (T+1, B, H): the initial state, then every step's output
    gates: np.ndarray  # (T, B, 2H): r and u after their activations, in PyTorch's row order
    H_tilde: np.ndarray  # (T, B, H): the candidate
    prev_minus_H_tilde: np.ndarray  # (T, B, H): H_{t-1} - H̃_t, which u scales
    HW_h: np.ndarray  # (T, B, H): H_{t-1} W_h + b_Wh, which r scales (reset after; else None)
    reset_H: np.ndarray  # (T, B, H): r ⊙ H_{t-1}, which W_h multiplies (reset before; else None)


class GRUKernel:
    """H_t = u ⊙ H_{t-1} + (1 - u) ⊙ H̃, computed as H̃ + u ⊙ (H_{t-1} - H̃) like PyTorch's kernel.

    The gates r and u see x_t and H_{t-1} the same way in both placements of the reset; only the
    candidate's recurrent term differs:
    reset after (PyTorch): H̃ = tanh(x U_h + b_h + r ⊙ (H_{t-1} W_h + b_Wh)),
    reset before (Cho et al.): H̃ = tanh(x U_h + b_h + (r ⊙ H_{t-1}) W_h + b_Wh).
    The gates and the candidate are kept in separate arrays, so that each step's rows of either are
    contiguous for the elementwise calls.
    """

    def __init__(self, reset="after"):
        self.reset_after = reset == "after"

    def forward(self, X, states, p):
        (h0,) = states
        X = np.ascontiguousarray(X)
        T, B, _ = X.shape
        H = h0.shape[-1]
        rows = registry.cell("gru").packed_blocks("torch", H)
        ru, h_rows = _span(rows, "r", "u"), rows["h"]
        # Every bias goes into the input projection, except b_Wh with the reset after: r scales it.
        bias, b_Wh = _summed_bias(p), None
        if bias is not None and self.reset_after:
            bias[h_rows], b_Wh = p["bias_ih"][h_rows], p["bias_hh"][h_rows]
        # Each step turns its rows of the input projections into the activated values, in place.
        W_ih, bias = _halved(p["weight_ih"], ru), _halved(bias, ru)
        gates = _input_projection(X, W_ih, bias, ru)  # (T, B, 2H)
        H_tilde = _input_projection(X, W_ih, bias, h_rows)  # (T, B, H)
        r, u = (gates[..., _within(rows[k], ru)] for k in ("r", "u"))  # (T, B, H) each
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Hs[0] = h0
        prev_minus_H_tilde = np.empty((T, B, H), dtype=X.dtype)
        HW_h = np.empty((T, B, H), dtype=X.dtype) if self.reset_after else None
        reset_H = None if self.reset_after else np.empty((T, B, H), dtype=X.dtype)
        W_hh = _halved(p["weight_hh"], ru)
        W_ru_T, W_h_T = W_hh[ru].T, W_hh[h_rows].T
        HW_ru = np.empty((B, 2 * H), dtype=X.dtype)
        recurrent_h = np.empty((B, H), dtype=X.dtype)
        for t in range(T):
            h_prev = Hs[t]
            # r, u = σ(x U + H_{t-1} W + b), both gates in one call
            np.matmul(h_prev, W_ru_T, out=HW_ru)  # (B, 2H)
            gates[t] += HW_ru
            np.tanh(gates[t], out=gates[t])
            _sigmoid_from_tanh_(gates[t])
            # H̃ = tanh(x U_h + b_h + the recurrent term, reset after or before the product)
            if self.reset_after:  # r ⊙ (H_{t-1} W_h + b_Wh)
                np.matmul(h_prev, W_h_T, out=HW_h[t])
                if b_Wh is not None:
                    HW_h[t] += b_Wh
                np.multiply(r[t], HW_h[t], out=recurrent_h)
            else:  # (r ⊙ H_{t-1}) W_h
                np.multiply(r[t], h_prev, out=reset_H[t])
                np.matmul(reset_H[t], W_h_T, out=recurrent_h)
            H_tilde[t] += recurrent_h
            np.tanh(H_tilde[t], out=H_tilde[t])
            # H_t = H̃ + u ⊙ (H_{t-1} - H̃)
            np.subtract(h_prev, H_tilde[t], out=prev_minus_H_tilde[t])
            np.multiply(u[t], prev_minus_H_tilde[t], out=Hs[t + 1])
            Hs[t + 1] += H_tilde[t]
        cache = GRUCache(p, X, Hs, gates, H_tilde, prev_minus_H_tilde, HW_h, reset_H)
        return Hs[1:], (Hs[T],), cache

    def backward(self, d_out, d_finals, cache):
        p, X, Hs, gates, H_tilde, prev_minus_H_tilde, HW_h, reset_H = cache
        T, B, H = d_out.shape
        rows = registry.cell("gru").packed_blocks("torch", H)
        ru, h_rows = _span(rows, "r", "u"), rows["h"]
        r, u = (gates[..., _within(rows[k], ru)] for k in ("r", "u"))  # (T, B, H) each
        W_hh = p["weight_hh"]
        W_ru, W_h = W_hh[ru], W_hh[h_rows]
        # Gradients of the pre-activations: dA_in of x U + b, dA_rec of what W_hh produced. Their
        # r and u blocks are the same; with the reset after, dA_rec's h block is scaled by r.
        dA_in = np.empty((T, B, 3 * H), dtype=X.dtype)
        dA_rec = np.empty((T, B, 3 * H), dtype=X.dtype) if self.reset_after else dA_in
        dA_h = dA_in[..., h_rows]
        # One step's gradients of the activated r, u, H̃, their slopes, and dH_t's share for H_{t-1}
        # through u ⊙ H_{t-1}, which needs no matrix.
        d_gates, slope = np.empty((B, 3 * H), dtype=X.dtype), np.empty((B, 3 * H), dtype=X.dtype)
        d_r, d_u, d_H_tilde = (d_gates[:, rows[k]] for k in ("r", "u", "h"))
        dh_direct, d_reset_H = np.empty((B, H), dtype=X.dtype), np.empty((B, H), dtype=X.dtype)
        dh = d_finals[0].copy()
        for t in reversed(range(T)):
            dh += d_out[t]
            _sigmoid_slope(gates[t], slope[:, ru])
            _tanh_slope(H_tilde[t], slope[:, h_rows])
            # H_t = H̃ + u ⊙ (H_{t-1} - H̃)
            np.multiply(dh, prev_minus_H_tilde[t], out=d_u)
            np.multiply(dh, u[t], out=dh_direct)
            np.subtract(dh, dh_direct, out=d_H_tilde)  # dH ⊙ (1 - u)
            np.multiply(d_H_tilde, slope[:, h_rows], out=dA_h[t])  # first, as r's gradient needs it
            if self.reset_after:  # a_h = x U_h + b_h + r ⊙ HW_h
                np.multiply(dA_h[t], HW_h[t], out=d_r)
                np.multiply(d_gates, slope, out=dA_rec[t])  # through the activations
                dA_rec[t, :, h_rows] *= r[t]
                np.matmul(dA_rec[t], W_hh, out=dh)
            else:  # a_h = x U_h + b_h + (r ⊙ H_{t-1}) W_h + b_Wh
                np.matmul(dA_h[t], W_h, out=d_reset_H)
                np.multiply(d_reset_H, Hs[t], out=d_r)
                np.multiply(d_gates, slope, out=dA_in[t])  # through the activations
                d_reset_H *= r[t]
                dh_direct += d_reset_H
                np.matmul(dA_in[t, :, ru], W_ru, out=dh)
            dh += dh_direct
        if self.reset_after:
            dA_in[..., ru] = dA_rec[..., ru]
            dW_hh = _weight_gradient(dA_rec, Hs[:-1])
        else:
            dW_hh = np.empty_like(W_hh)
            dW_hh[ru] = _weight_gradient(dA_in[..., ru], Hs[:-1])
            dW_hh[h_rows] = _weight_gradient(dA_h, reset_H)
        grads = {"weight_ih": _weight_gradient(dA_in, X), "weight_hh": dW_hh}
        if p["bias_ih"] is not None:
            grads["bias_ih"] = _bias_gradient(dA_in)
            grads["bias_hh"] = _bias_gradient(dA_rec) if self.reset_after else grads["bias_ih"].copy()
        return _input_gradient(dA_in, p["weight_ih"]), (dh,), grads


# -- LSTM ----------------------------------------------------------------------------------------


class LSTMCache(NamedTuple):
    p: dict  # the parameters, in PyTorch's layout
    order: np.ndarray  # (4H,): the PyTorch row of each inner row
    W_ih: np.ndarray  # (4H, D), rows in the inner order
    W_hh: np.ndarray  # (4H, H), rows in the inner order
    X: np.ndarray  # (T, B, D)
    Hs: np.ndarray  # (T+1, B, H): the initial state, then every step's output
    Cs: np.ndarray  # (T+1, B, H): the initial cell, then every step's
    tanh_C: np.ndarray  # (T, B, H)
    gates: np.ndarray  # (T, B, 4H): o, i, f, C̃ after their activations


class LSTMKernel:
    """C_t = f ⊙ C_{t-1} + i ⊙ C̃, H_t = o ⊙ tanh(C_t).

    Inside, the rows are in the order o, i, f, c (PyTorch's i, f, c, o turned by one), so that the
    sigmoid gates o, i, f are adjacent and activated by one numpy call per step.
    """
    ORDER = ("o", "i", "f", "c")

    def _rows(self, H):
        """Block key -> its rows in the inner order, and the PyTorch row of each inner row."""
        torch_rows = registry.cell("lstm").packed_blocks("torch", H)
        order = np.r_[tuple(torch_rows[k] for k in self.ORDER)]
        return {k: slice(n * H, (n + 1) * H) for n, k in enumerate(self.ORDER)}, order

    def forward(self, X, states, p):
        h0, c0 = states
        X = np.ascontiguousarray(X)
        T, B, _ = X.shape
        H = h0.shape[-1]
        rows, order = self._rows(H)
        sigmoids = _span(rows, "o", "i", "f")
        W_ih, W_hh = p["weight_ih"][order], p["weight_hh"][order]
        bias = _summed_bias(p)
        bias = None if bias is None else bias[order]
        # Each step turns its row of the input projection into its activated gates, in place.
        gates = _input_projection(X, _halved(W_ih, sigmoids), _halved(bias, sigmoids))  # (T, B, 4H)
        o, i, f, C_tilde = (gates[..., rows[k]] for k in self.ORDER)  # (T, B, H) each
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Cs = np.empty((T + 1, B, H), dtype=X.dtype)
        tanh_C = np.empty((T, B, H), dtype=X.dtype)
        Hs[0], Cs[0] = h0, c0
        W_hh_T = _halved(W_hh, sigmoids).T
        HW = np.empty((B, 4 * H), dtype=X.dtype)
        write = np.empty((B, H), dtype=X.dtype)
        for t in range(T):
            a = gates[t]  # (B, 4H): x U + b so far
            np.matmul(Hs[t], W_hh_T, out=HW)
            a += HW
            np.tanh(a, out=a)  # C̃, and tanh of the halved o, i, f
            _sigmoid_from_tanh_(a[:, sigmoids])
            # C_t = f ⊙ C_{t-1} + i ⊙ C̃, H_t = o ⊙ tanh(C_t)
            np.multiply(f[t], Cs[t], out=Cs[t + 1])
            np.multiply(i[t], C_tilde[t], out=write)
            Cs[t + 1] += write
            np.tanh(Cs[t + 1], out=tanh_C[t])
            np.multiply(o[t], tanh_C[t], out=Hs[t + 1])
        return Hs[1:], (Hs[T], Cs[T]), LSTMCache(p, order, W_ih, W_hh, X, Hs, Cs, tanh_C, gates)

    def backward(self, d_out, d_finals, cache):
        p, order, W_ih, W_hh, X, Hs, Cs, tanh_C, gates = cache
        T, B, H = d_out.shape
        rows, _ = self._rows(H)
        o, i, f, C_tilde = (gates[..., rows[k]] for k in self.ORDER)  # (T, B, H) each
        dA = np.empty((T, B, 4 * H), dtype=X.dtype)  # gradients of the pre-activations, inner order
        # One step's gradients of the activated blocks, and their slopes
        d_gates, slope = np.empty((B, 4 * H), dtype=X.dtype), np.empty((B, 4 * H), dtype=X.dtype)
        d_o, d_i, d_f, d_c = (d_gates[:, rows[k]] for k in self.ORDER)
        dc_via_h = np.empty((B, H), dtype=X.dtype)
        dh, dc = (state.copy() for state in d_finals)
        for t in reversed(range(T)):
            dh += d_out[t]
            # H_t = o ⊙ tanh(C_t): dH_t reaches o, and C_t through the tanh
            np.multiply(dh, tanh_C[t], out=d_o)
            _tanh_slope(tanh_C[t], dc_via_h)
            dc_via_h *= o[t]
            dc_via_h *= dh
            dc += dc_via_h
            # C_t = f ⊙ C_{t-1} + i ⊙ C̃
            np.multiply(dc, C_tilde[t], out=d_i)
            np.multiply(dc, Cs[t], out=d_f)
            np.multiply(dc, i[t], out=d_c)
            dc *= f[t]
            # through the activations, then back through W_hh to H_{t-1}
            _sigmoid_slope(gates[t], slope)  # over the whole row, contiguous; then the c block's:
            _tanh_slope(C_tilde[t], slope[:, rows["c"]])
            np.multiply(d_gates, slope, out=dA[t])
            np.matmul(dA[t], W_hh, out=dh)
        inner = {"weight_ih": _weight_gradient(dA, X), "weight_hh": _weight_gradient(dA, Hs[:-1])}
        if p["bias_ih"] is not None:
            inner["bias_ih"] = inner["bias_hh"] = _bias_gradient(dA)  # both biases enter as one sum
        grads = {}
        for name, gradient in inner.items():  # back to PyTorch's row order
            grads[name] = np.empty_like(gradient)
            grads[name][order] = gradient
        return _input_gradient(dA, W_ih), (dh, dc), grads
