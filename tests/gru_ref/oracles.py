"""Shared helpers of the gru_ref tests: random cases, torch and keras oracles, and error bookkeeping.

numpy only at import time: torch and keras are imported (through pytest.importorskip) by the helpers
that need them, so the golden tests can use this module on a machine without either.

The torch and keras layouts below are written out by hand from their documentation (torch.nn.GRU and
torch.nn.LSTM, keras.layers.GRU and keras.layers.LSTM), independently of gru_ref.convert, so that they
can check it.
"""
import dataclasses
import os

import numpy as np
import pytest

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
CELLS = ("rnn_tanh", "rnn_relu", "gru", "lstm", "gru_before")  # gru_before: GRU(reset="before")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}

# Torch packs GRU blocks as (r, z, n) and LSTM blocks as (i, f, g, o); Keras packs GRU as (z, r, h), LSTM as
# (i, f, c, o). TORCH_BLOCK_OF_KERAS_BLOCK[cell][k] is the keras block that holds torch block k.
TORCH_BLOCKS = {"rnn": ("h",), "gru": ("r", "u", "h"), "lstm": ("i", "f", "c", "o")}
KERAS_BLOCKS = {"rnn": ("h",), "gru": ("u", "r", "h"), "lstm": ("i", "f", "c", "o")}


def base_cell(cell):
    return cell.split("_")[0]


# ---------------------------------------------------------------- error bookkeeping

_largest_errors = {}  # (oracle, cell, dtype) -> (largest absolute error, what it was)


def record_error(oracle, cell, dtype, error, what):
    key = (oracle, cell, np.dtype(dtype).name)
    if key not in _largest_errors or error > _largest_errors[key][0]:
        _largest_errors[key] = (float(error), what)


def error_summary():
    return [f"{oracle:>6} {cell:<30} {dtype:<8} {error:.3e}   ({what})"
            for (oracle, cell, dtype), (error, what) in sorted(_largest_errors.items())]


def assert_close(got, expected, what, *, oracle, cell, dtype, tol=None):
    """|got - expected| <= tol * max(1, |expected|_max), with got in exactly `dtype`; records the error."""
    dtype = np.dtype(dtype)
    got = np.asarray(got)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.dtype == dtype, f"{what}: expected dtype {dtype}, got {got.dtype}"
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    tol = TOLERANCE[dtype.name] if tol is None else tol
    if got.size == 0:
        return
    difference = np.abs(got.astype(np.float64) - expected)
    error = float(difference.max())
    scale = max(1.0, float(np.abs(expected).max()))
    record_error(oracle, cell, dtype, error, what)
    where = np.unravel_index(int(difference.argmax()), difference.shape)
    assert error <= tol * scale, (f"{what}: largest error {error:.3e} > {tol:g} * {scale:.3g} at index {where}: "
                                  f"got {got[where]!r}, expected {expected[where]!r}")


# ---------------------------------------------------------------- random cases

@dataclasses.dataclass(frozen=True)
class Case:
    cell: str  # rnn_tanh | rnn_relu | gru | lstm
    seed: int
    T: int
    B: int
    D: int
    H: int
    num_layers: int = 1
    bidirectional: bool = False
    batch_first: bool = False
    unbatched: bool = False
    bias: bool = True
    give_h0: bool = True
    give_d_h_n: bool = True

    @property
    def directions(self):
        return 2 if self.bidirectional else 1

    def __str__(self):
        flags = [name for name in ("bidirectional", "batch_first", "unbatched") if getattr(self, name)]
        flags += [] if self.bias else ["no_bias"]
        flags += [] if self.give_h0 else ["h0=None"]
        flags += [] if self.give_d_h_n else ["d_h_n=None"]
        return "-".join([f"{self.cell}-s{self.seed}-T{self.T}B{self.B}D{self.D}H{self.H}L{self.num_layers}"] + flags)


def draw_case(cell, seed):
    rng = np.random.default_rng([seed, CELLS.index(cell)])
    coin = lambda p=0.5: bool(rng.random() < p)  # noqa: E731
    return Case(cell=cell, seed=seed, T=int(rng.integers(1, 6)), B=int(rng.integers(1, 4)), D=int(rng.integers(1, 5)),
                H=int(rng.integers(1, 5)), num_layers=int(rng.integers(1, 4)), bidirectional=coin(),
                batch_first=coin(), unbatched=coin(0.2), bias=coin(0.8), give_h0=coin(0.7), give_d_h_n=coin(0.7))


def state_dict_shapes(cell, D, H, num_layers=1, bidirectional=False, bias=True):
    """Torch's names and shapes, from its documentation."""
    rows = GATES[base_cell(cell)] * H
    directions = 2 if bidirectional else 1
    shapes = {}
    for layer in range(num_layers):
        for suffix in ("", "_reverse")[:directions]:
            columns = D if layer == 0 else H * directions
            shapes[f"weight_ih_l{layer}{suffix}"] = (rows, columns)
            shapes[f"weight_hh_l{layer}{suffix}"] = (rows, H)
            if bias:
                shapes[f"bias_ih_l{layer}{suffix}"] = (rows,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (rows,)
    return shapes


def random_state_dict(cell, D, H, num_layers=1, bidirectional=False, bias=True, seed=0, scale=1.0):
    rng = np.random.default_rng([seed, 7])
    bound = scale / np.sqrt(H)
    return {name: rng.uniform(-bound, bound, shape)
            for name, shape in state_dict_shapes(cell, D, H, num_layers, bidirectional, bias).items()}


def case_state_dict(case, scale=1.0):
    return random_state_dict(case.cell, case.D, case.H, case.num_layers, case.bidirectional, case.bias,
                             case.seed, scale)


@dataclasses.dataclass
class Data:
    """Input, initial states and upstream gradients of one case, in float64."""
    x: np.ndarray
    h0: np.ndarray | None
    c0: np.ndarray | None
    d_out: np.ndarray
    d_h_n: np.ndarray | None
    d_c_n: np.ndarray | None

    def astype(self, dtype):
        return Data(*(None if a is None else a.astype(dtype) for a in dataclasses.astuple(self)))


def case_data(case):
    rng = np.random.default_rng([case.seed, 11])
    lead = (case.T,) if case.unbatched else ((case.B, case.T) if case.batch_first else (case.T, case.B))
    state_shape = (case.num_layers * case.directions,) + (() if case.unbatched else (case.B,)) + (case.H,)
    is_lstm = base_cell(case.cell) == "lstm"
    x = rng.normal(size=lead + (case.D,))
    h0 = rng.uniform(-1, 1, state_shape) if case.give_h0 else None
    c0 = rng.normal(size=state_shape) if case.give_h0 and is_lstm else None
    d_out = rng.normal(size=lead + (case.directions * case.H,))
    d_h_n = rng.normal(size=state_shape) if case.give_d_h_n else None
    d_c_n = rng.normal(size=state_shape) if case.give_d_h_n and is_lstm else None
    return Data(x, h0, c0, d_out, d_h_n, d_c_n)


def zeros_state_shape(case):
    return (case.num_layers * case.directions,) + (() if case.unbatched else (case.B,)) + (case.H,)


# ---------------------------------------------------------------- gru_ref

def gru_ref_layer(case):
    import gru_ref

    cell = base_cell(case.cell)
    reset = "before" if case.cell == "gru_before" else "after"
    common = dict(num_layers=case.num_layers, bias=case.bias, batch_first=case.batch_first,
                  bidirectional=case.bidirectional)
    if cell == "rnn":
        return gru_ref.RNN(case.D, case.H, nonlinearity=case.cell.split("_")[1], **common)
    if cell == "gru":
        return gru_ref.GRU(case.D, case.H, reset=reset, **common)
    return gru_ref.LSTM(case.D, case.H, **common)


def run_gru_ref(layer, data, lstm):
    """Forward then backward; returns a flat dict of every result."""
    if lstm:
        state = None if data.h0 is None else (data.h0, data.c0)
        out, (h_n, c_n) = layer(data.x, state)
        grads = layer.backward(data.d_out, None if data.d_h_n is None else (data.d_h_n, data.d_c_n))
        d_h0, d_c0 = grads.state
        return dict(out=out, h_n=h_n, c_n=c_n, d_x=grads.x, d_h0=d_h0, d_c0=d_c0, params=grads.params)
    out, h_n = layer(data.x, data.h0)
    grads = layer.backward(data.d_out, data.d_h_n)
    return dict(out=out, h_n=h_n, d_x=grads.x, d_h0=grads.state, params=grads.params)


# ---------------------------------------------------------------- torch

def import_torch():
    torch = pytest.importorskip("torch")
    if torch.get_num_threads() > 2:
        torch.set_num_threads(2)
    return torch


def torch_layer(case, dtype):
    torch = import_torch()
    if case.cell == "gru_before":
        return torch_reset_before_gru(case, dtype)
    cell = base_cell(case.cell)
    kwargs = dict(num_layers=case.num_layers, bias=case.bias, batch_first=case.batch_first,
                  bidirectional=case.bidirectional, dtype=getattr(torch, np.dtype(dtype).name))
    if cell == "rnn":
        return torch.nn.RNN(case.D, case.H, nonlinearity=case.cell.split("_")[1], **kwargs)
    return {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](case.D, case.H, **kwargs)


def torch_reset_before_gru(case, dtype):
    """torch.nn.GRU's interface and parameters, but Cho et al.'s candidate tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).

    Torch has no such layer; this one is written in torch ops from the equations, so autograd gives its
    float64 gradients independently of gru_ref.
    """
    torch = import_torch()
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    shapes = state_dict_shapes("gru", case.D, case.H, case.num_layers, case.bidirectional, case.bias)

    class ResetBeforeGRU(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for name, shape in shapes.items():
                self.register_parameter(name, torch.nn.Parameter(torch.zeros(shape, dtype=torch_dtype)))

        def step(self, x, h, suffix):
            p = lambda name: getattr(self, f"{name}{suffix}", None)  # noqa: E731
            W_ir, W_iz, W_in = p("weight_ih").chunk(3)
            W_hr, W_hz, W_hn = p("weight_hh").chunk(3)
            zero = torch.zeros(3 * case.H, dtype=torch_dtype)
            b_ir, b_iz, b_in = (zero if p("bias_ih") is None else p("bias_ih")).chunk(3)
            b_hr, b_hz, b_hn = (zero if p("bias_hh") is None else p("bias_hh")).chunk(3)
            r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
            z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
            n = torch.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
            return (1 - z) * n + z * h

        def forward(self, x, h0):
            unbatched = x.dim() == 2
            if unbatched:
                x, h0 = x.unsqueeze(1), h0.unsqueeze(1)
            elif case.batch_first:
                x = x.transpose(0, 1)
            finals = []
            for layer in range(case.num_layers):
                outputs = []
                for d, suffix in enumerate(("", "_reverse")[:case.directions]):
                    h = h0[layer * case.directions + d]
                    steps = range(x.shape[0]) if d == 0 else reversed(range(x.shape[0]))
                    out = [None] * x.shape[0]
                    for t in steps:
                        h = out[t] = self.step(x[t], h, f"_l{layer}{suffix}")
                    outputs.append(torch.stack(out))
                    finals.append(h)
                x = torch.cat(outputs, dim=-1)
            h_n = torch.stack(finals)
            if unbatched:
                return x.squeeze(1), h_n.squeeze(1)
            return (x.transpose(0, 1) if case.batch_first else x), h_n

    return ResetBeforeGRU()


def load_torch(module, state_dict):
    torch = import_torch()
    dtype = next(module.parameters()).dtype
    module.load_state_dict({name: torch.tensor(np.asarray(value), dtype=dtype) for name, value in state_dict.items()})
    return module


def run_torch(module, data, lstm, zeros_state_shape):
    """Forward and autograd backward of torch with the loss sum(d_out*out) + sum(d_h_n*h_n) (+ d_c_n*c_n).

    When no initial state is given, torch starts from zeros; the gradient reported for the state is the
    one with respect to those zeros.
    """
    torch = import_torch()
    dtype = next(module.parameters()).dtype
    tensor = lambda a: torch.tensor(a, dtype=dtype, requires_grad=True)  # noqa: E731
    x = tensor(data.x)
    h0 = tensor(data.h0 if data.h0 is not None else np.zeros(zeros_state_shape))
    c0 = tensor(data.c0 if data.c0 is not None else np.zeros(zeros_state_shape))
    module.zero_grad()
    if lstm:
        out, (h_n, c_n) = module(x, (h0, c0))
    else:
        out, h_n = module(x, h0)
    loss = (out * torch.tensor(data.d_out, dtype=dtype)).sum()
    if data.d_h_n is not None:
        loss = loss + (h_n * torch.tensor(data.d_h_n, dtype=dtype)).sum()
    if lstm and data.d_c_n is not None:
        loss = loss + (c_n * torch.tensor(data.d_c_n, dtype=dtype)).sum()
    loss.backward()
    numpy = lambda t: t.detach().numpy().copy()  # noqa: E731
    result = dict(out=numpy(out), h_n=numpy(h_n), d_x=numpy(x.grad), d_h0=numpy(h0.grad),
                  params={name: numpy(p.grad) for name, p in module.named_parameters()})
    if lstm:
        result.update(c_n=numpy(c_n), d_c0=numpy(c0.grad))
    return result


# ---------------------------------------------------------------- keras

KERAS_LAYERS = {"rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}


def import_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import_torch()
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch", "keras must run with KERAS_BACKEND=torch"
    return keras


def keras_layer(cell, units, input_size, dtype, reset_after=True, activation="tanh", seed=0, scale=1.0):
    """A built keras layer with return_sequences and return_state, holding seeded uniform weights."""
    keras = import_keras()
    kwargs = dict(return_sequences=True, return_state=True, dtype=np.dtype(dtype).name)
    if cell == "gru":
        kwargs["reset_after"] = reset_after
    if cell == "rnn":
        kwargs["activation"] = activation
    layer = getattr(keras.layers, KERAS_LAYERS[cell])(units, **kwargs)
    layer.build((None, None, input_size))
    rng = np.random.default_rng([seed, 13])
    bound = scale / np.sqrt(units)
    layer.set_weights([rng.uniform(-bound, bound, w.shape).astype(dtype) for w in layer.get_weights()])
    return layer


def run_keras(layer, x, h0=None, c0=None, d_out=None, d_h=None, d_c=None):
    """Keras forward (and, when d_out is given, torch autograd through it), all as numpy.

    x is (B, T, D); returns out (B, T, H), h (B, H), c (B, H) for the LSTM, and the gradients
    d_x, d_h0, d_c0 and d_weights (in get_weights() order).
    """
    torch = import_torch()
    dtype = getattr(torch, layer.dtype)
    tensor = lambda a: None if a is None else torch.tensor(a, dtype=dtype, requires_grad=True)  # noqa: E731
    x_t, h0_t, c0_t = tensor(x), tensor(h0), tensor(c0)
    states = [s for s in (h0_t, c0_t) if s is not None]
    results = layer(x_t, initial_state=states) if states else layer(x_t)
    out, h, *rest = results
    numpy = lambda t: None if t is None else t.detach().cpu().numpy().copy()  # noqa: E731
    result = dict(out=numpy(out), h=numpy(h), c=numpy(rest[0]) if rest else None)
    if d_out is not None:
        for w in layer.weights:
            w.value.grad = None
        loss = (out * torch.tensor(d_out, dtype=dtype)).sum()
        if d_h is not None:
            loss = loss + (h * torch.tensor(d_h, dtype=dtype)).sum()
        if d_c is not None:
            loss = loss + (rest[0] * torch.tensor(d_c, dtype=dtype)).sum()
        loss.backward()
        result.update(d_x=numpy(x_t.grad), d_h0=numpy(h0_t.grad if h0_t is not None else None),
                      d_c0=numpy(c0_t.grad if c0_t is not None else None),
                      d_weights=[numpy(w.value.grad) for w in layer.weights])
    return result


def keras_block_permutation(cell, H):
    """Column indices that reorder keras' packed gate blocks into torch's block order."""
    blocks = [KERAS_BLOCKS[cell].index(gate) for gate in TORCH_BLOCKS[cell]]
    return np.concatenate([np.arange(k * H, (k + 1) * H) for k in blocks])


def keras_gradients_in_torch_names(cell, d_weights, reset_after=True):
    """Gradients of keras' weights, renamed like torch's parameters.

    A keras bias that torch splits into bias_ih + bias_hh (every gate, except the GRU candidate when
    reset_after=True) enters the function only through that sum, so both torch biases get its gradient.
    """
    d_kernel, d_recurrent, *d_bias = d_weights
    H = d_recurrent.shape[0]
    order = keras_block_permutation(cell, H)
    result = {"weight_ih_l0": d_kernel[:, order].T, "weight_hh_l0": d_recurrent[:, order].T}
    if d_bias:
        (d_bias,) = d_bias
        if cell == "gru" and reset_after:
            result.update(bias_ih_l0=d_bias[0][order], bias_hh_l0=d_bias[1][order])
        else:
            result.update(bias_ih_l0=d_bias[order], bias_hh_l0=d_bias[order])
    return result
