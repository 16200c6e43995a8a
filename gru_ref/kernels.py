"""Forward and backward over time for one layer and one direction, in PyTorch's packed layout.

This is where the speed is: the input projections of all T steps are one GEMM, each step
adds one GEMM for the recurrent part, and the weight gradients are accumulated after the
time loop in a few large GEMMs. The teaching version of the same math is in cells.py.

Shapes: X (T, B, D); states (B, H); W_ih (G*H, D); W_hh (G*H, H); biases (G*H,) or None,
where G is the number of gate blocks (1 RNN, 3 GRU, 4 LSTM).
"""
import numpy as np


def _sigmoid_(a):
    """sigmoid in place, the same arithmetic as activations.sigmoid."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _transposed(W):
    """W.T laid out contiguously: the per-step GEMM h @ W.T runs about a third faster on it."""
    return np.ascontiguousarray(W.T)


def _input_projection(X, p):
    T, B, D = X.shape
    G = X.reshape(T * B, D) @ p["weight_ih"].T
    if p["bias_ih"] is not None:
        G += p["bias_ih"]
    return G.reshape(T, B, -1)


def _input_gradients(X, dG, p, grads):
    """dX and the input-side weight gradients from the gate pre-activation gradients of all steps."""
    T, B, D = X.shape
    dG2 = dG.reshape(T * B, -1)
    grads["weight_ih"] = dG2.T @ X.reshape(T * B, D)
    if p["bias_ih"] is not None:
        grads["bias_ih"] = dG2.sum(axis=0)
    return (dG2 @ p["weight_ih"]).reshape(T, B, D)


def _recurrent_gradients(dG, inputs, p, grads):
    """Recurrent weight gradients, where `inputs` (T, B, H) is what multiplied W_hh at each step."""
    T, B, H = inputs.shape
    dG2 = dG.reshape(T * B, -1)
    grads["weight_hh"] = dG2.T @ inputs.reshape(T * B, H)
    if p["bias_hh"] is not None:
        grads["bias_hh"] = dG2.sum(axis=0)


class RNNKernel:
    def __init__(self, nonlinearity="tanh"):
        self.relu = nonlinearity == "relu"

    def forward(self, X, states, p):
        (h0,) = states
        Gi = _input_projection(X, p)
        T = X.shape[0]
        Hs = np.empty((T + 1,) + h0.shape, dtype=X.dtype)
        Hs[0] = h0
        W_hh_T = _transposed(p["weight_hh"])
        for t in range(T):
            a = Hs[t] @ W_hh_T
            a += Gi[t]
            if p["bias_hh"] is not None:
                a += p["bias_hh"]
            if self.relu:
                np.maximum(a, 0.0, out=Hs[t + 1])
            else:
                np.tanh(a, out=Hs[t + 1])
        return Hs[1:], (Hs[T],), (p, X, Hs)

    def backward(self, d_out, d_finals, cache):
        p, X, Hs = cache
        T = X.shape[0]
        dA = np.empty_like(d_out)
        dh = d_finals[0].copy()
        W_hh = p["weight_hh"]
        for t in reversed(range(T)):
            dh += d_out[t]
            h = Hs[t + 1]
            if self.relu:
                np.multiply(dh, h > 0, out=dA[t])
            else:
                np.multiply(dh, 1.0 - h * h, out=dA[t])
            dh = dA[t] @ W_hh
        grads = {}
        _recurrent_gradients(dA, Hs[:-1], p, grads)
        dX = _input_gradients(X, dA, p, grads)
        return dX, (dh,), grads


class GRUKernel:
    """Gate blocks in PyTorch order r, z, n; z is the notes' update gate u, n the candidate H̃."""

    def __init__(self, reset="after"):
        self.reset_after = reset == "after"

    def forward(self, X, states, p):
        (h0,) = states
        T, B, _ = X.shape
        H = h0.shape[-1]
        Gi = _input_projection(X, p)
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Hs[0] = h0
        gates = np.empty((T, B, 3 * H), dtype=X.dtype)  # r, z, n after their activations
        hidden_term = np.empty((T, B, H), dtype=X.dtype)  # W_hn h + b_hn (after) or r * h (before)
        W_hh, b_hh = p["weight_hh"], p["bias_hh"]
        W_hh_T, W_rz_T, W_n_T = _transposed(W_hh), _transposed(W_hh[:2 * H]), _transposed(W_hh[2 * H:])
        for t in range(T):
            h = Hs[t]
            rz, n = gates[t, :, :2 * H], gates[t, :, 2 * H:]
            if self.reset_after:
                gh = h @ W_hh_T
                if b_hh is not None:
                    gh += b_hh
                np.add(Gi[t, :, :2 * H], gh[:, :2 * H], out=rz)
                _sigmoid_(rz)
                hidden_term[t] = gh[:, 2 * H:]
                np.multiply(rz[:, :H], hidden_term[t], out=n)
            else:
                np.matmul(h, W_rz_T, out=rz)
                rz += Gi[t, :, :2 * H]
                if b_hh is not None:
                    rz += b_hh[:2 * H]
                _sigmoid_(rz)
                np.multiply(rz[:, :H], h, out=hidden_term[t])
                np.matmul(hidden_term[t], W_n_T, out=n)
                if b_hh is not None:
                    n += b_hh[2 * H:]
            n += Gi[t, :, 2 * H:]
            np.tanh(n, out=n)
            h_new = Hs[t + 1]  # h' = (1 - z) n + z h, written as n + z (h - n)
            np.subtract(h, n, out=h_new)
            h_new *= rz[:, H:]
            h_new += n
        return Hs[1:], (Hs[T],), (p, X, Hs, gates, hidden_term)

    def backward(self, d_out, d_finals, cache):
        p, X, Hs, gates, hidden_term = cache
        T, B, H = d_out.shape
        dGi = np.empty((T, B, 3 * H), dtype=X.dtype)  # gradients of the input-side pre-activations
        # reset after: what W_hh produced gets its own gradient (the n block is scaled by r)
        dGh = np.empty((T, B, 3 * H), dtype=X.dtype) if self.reset_after else dGi
        W_hh = p["weight_hh"]
        W_rz, W_n = W_hh[:2 * H], W_hh[2 * H:]
        dh = d_finals[0].copy()
        for t in reversed(range(T)):
            dh += d_out[t]
            h = Hs[t]
            r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            da_r, da_z, da_n = dGi[t, :, :H], dGi[t, :, H:2 * H], dGi[t, :, 2 * H:]
            np.multiply(dh, 1.0 - z, out=da_n)
            da_n *= 1.0 - n * n
            np.subtract(h, n, out=da_z)
            da_z *= dh
            da_z *= z * (1.0 - z)
            dh_prev = dh * z
            if self.reset_after:
                np.multiply(da_n, hidden_term[t], out=da_r)
                da_r *= r * (1.0 - r)
                dGh[t, :, :2 * H] = dGi[t, :, :2 * H]
                np.multiply(da_n, r, out=dGh[t, :, 2 * H:])
                dh_prev += dGh[t] @ W_hh
            else:
                d_rh = da_n @ W_n
                np.multiply(d_rh, h, out=da_r)
                da_r *= r * (1.0 - r)
                dh_prev += d_rh * r
                dh_prev += dGi[t, :, :2 * H] @ W_rz
            dh = dh_prev
        grads = {}
        if self.reset_after:
            _recurrent_gradients(dGh, Hs[:-1], p, grads)
        else:
            TB = T * B
            dG2 = dGi.reshape(TB, 3 * H)
            grads["weight_hh"] = np.concatenate([
                dG2[:, :2 * H].T @ Hs[:-1].reshape(TB, H),
                dG2[:, 2 * H:].T @ hidden_term.reshape(TB, H)])
            if p["bias_hh"] is not None:
                grads["bias_hh"] = dG2.sum(axis=0)
        dX = _input_gradients(X, dGi, p, grads)
        return dX, (dh,), grads


class LSTMKernel:
    """PyTorch stores the gate blocks as i, f, g, o (g is the candidate C̃). Inside, the rows are
    reordered to o, i, f, g: the three sigmoid gates form one block, and the three blocks whose
    gradient comes from dC (i, f, g) another, so each is one numpy call per step."""

    def _inner(self, p):
        H = p["weight_hh"].shape[1]
        order = np.r_[3 * H:4 * H, 0:3 * H]
        bias = None if p["bias_ih"] is None else (p["bias_ih"] + p["bias_hh"])[order]
        return {"weight_ih": p["weight_ih"][order], "weight_hh": p["weight_hh"][order],
                "bias_ih": bias, "bias_hh": None}, order

    def forward(self, X, states, p):
        h0, c0 = states
        T, B, _ = X.shape
        H = h0.shape[-1]
        inner, order = self._inner(p)
        Gi = _input_projection(X, inner)  # both biases folded in: only their sum matters
        Hs = np.empty((T + 1, B, H), dtype=X.dtype)
        Cs = np.empty((T + 1, B, H), dtype=X.dtype)
        tanh_Cs = np.empty((T, B, H), dtype=X.dtype)
        Hs[0], Cs[0] = h0, c0
        gates = np.empty((T, B, 4 * H), dtype=X.dtype)  # o, i, f, g after their activations
        W_hh_T = _transposed(inner["weight_hh"])
        for t in range(T):
            a = gates[t]
            np.matmul(Hs[t], W_hh_T, out=a)
            a += Gi[t]
            _sigmoid_(a[:, :3 * H])
            np.tanh(a[:, 3 * H:], out=a[:, 3 * H:])
            o, i, f, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c = Cs[t + 1]
            np.multiply(f, Cs[t], out=c)
            c += i * g
            np.tanh(c, out=tanh_Cs[t])
            np.multiply(o, tanh_Cs[t], out=Hs[t + 1])
        return Hs[1:], (Hs[T], Cs[T]), (p, inner, order, X, Hs, Cs, tanh_Cs, gates)

    def backward(self, d_out, d_finals, cache):
        p, inner, order, X, Hs, Cs, tanh_Cs, gates = cache
        T, B, H = d_out.shape
        o, i, f, g = (gates[..., k * H:(k + 1) * H] for k in range(4))
        # Everything that does not depend on the incoming gradients, for all steps at once:
        # d a_gate = d gate * gate'(a), and d gate = dc * (g, c_prev, i) or dh * tanh(C).
        slope = gates * (1.0 - gates)
        slope[..., 3 * H:] = 1.0 - g * g
        from_dc = np.concatenate([g, Cs[:-1], i], axis=-1)  # d i, d f, d g = dC * these
        from_dc *= slope[..., H:]
        from_dc = from_dc.reshape(T, B, 3, H)
        from_dh = tanh_Cs * slope[..., :H]  # d o = dH * tanh(C)
        dc_from_dh = o * (1.0 - tanh_Cs * tanh_Cs)
        dA = np.empty((T, B, 4 * H), dtype=X.dtype)  # in the inner order o, i, f, g
        dA_ifg = dA.reshape(T, B, 4, H)[:, :, 1:]
        W_hh = inner["weight_hh"]
        dh, dc = (d.copy() for d in d_finals)
        for t in reversed(range(T)):
            dh += d_out[t]
            np.multiply(dh, from_dh[t], out=dA[t, :, :H])
            dc += dh * dc_from_dh[t]
            np.multiply(dc[:, None, :], from_dc[t], out=dA_ifg[t])
            dc *= f[t]
            dh = dA[t] @ W_hh
        grads = {}
        _recurrent_gradients(dA, Hs[:-1], inner, grads)
        dX = _input_gradients(X, dA, inner, grads)
        back = np.argsort(order)  # inner order -> PyTorch order
        grads = {k: v[back] for k, v in grads.items()}
        if p["bias_ih"] is not None:
            grads["bias_hh"] = grads["bias_ih"].copy()  # both biases enter as one sum
        return dX, (dh, dc), grads
