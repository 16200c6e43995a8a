"""One time step of a vanilla RNN, a GRU and an LSTM, in the lecture notes' notation.

Row vectors, as in the notes: x_t is (D,) or (B, D), H_{t-1} is (H,) or (B, H),
U_* (D, H) multiplies the input, W_* (H, H) the previous hidden state, b_* (H,) is a bias.
Every step returns a trace holding each intermediate under the name used on the site.
"""
import dataclasses

import numpy as np

from .activations import relu, sigmoid, tanh
from .checks import check_step, expect_shape, float_array, one_of


@dataclasses.dataclass(frozen=True)
class Weights:
    """Per-gate named weights. Field names say the role: U* input, W* recurrent, b* bias."""

    def arrays(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @property
    def input_size(self):
        return np.shape(self.arrays()[self._first_input()])[0]

    @property
    def hidden_size(self):
        return np.shape(self.arrays()[self._first_input()])[1]

    def _first_input(self):
        return next(name for name in self.arrays() if name.startswith("U"))

    def checked(self):
        """These weights as finite float arrays of consistent shapes, or a ValueError."""
        arrays = {name: float_array(value, f"{type(self).__name__}.{name}") for name, value in self.arrays().items()}
        first = arrays[self._first_input()]
        expect_shape(first, f"{type(self).__name__}.{self._first_input()}", (None, None))
        D, H = first.shape
        for name, array in arrays.items():
            expected = {"U": (D, H), "W": (H, H), "b": (H,)}[name[0]]
            expect_shape(array, f"{type(self).__name__}.{name}", expected)
        return type(self)(**arrays)

    @classmethod
    def random(cls, input_size, hidden_size, seed=0, dtype=np.float64):
        """Uniform in +-1/sqrt(H), the initialisation PyTorch uses for its recurrent layers."""
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(hidden_size)
        shapes = {"U": (input_size, hidden_size), "W": (hidden_size, hidden_size), "b": (hidden_size,)}
        return cls(**{f.name: rng.uniform(-bound, bound, shapes[f.name[0]]).astype(dtype)
                      for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class RNNWeights(Weights):
    r"""The RNN's $U$ (D, H) on the input, $W$ (H, H) on the previous state and bias $b$ (H,)."""
    U: np.ndarray
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass(frozen=True)
class GRUWeights(Weights):
    r"""The GRU's $U_g$ (D, H), $W_g$ (H, H) and $b_g$ (H,) for the update gate $u$, the reset gate $r$
    and the candidate $h$, plus $b_{Wh}$ (H,), the bias of the candidate's recurrent term."""
    U_u: np.ndarray
    W_u: np.ndarray
    b_u: np.ndarray
    U_r: np.ndarray
    W_r: np.ndarray
    b_r: np.ndarray
    U_h: np.ndarray
    W_h: np.ndarray
    b_h: np.ndarray
    b_Wh: np.ndarray  # bias of the recurrent candidate term H_{t-1} W_h; it sits inside the reset when reset="after"


@dataclasses.dataclass(frozen=True)
class LSTMWeights(Weights):
    r"""The LSTM's $U_g$ (D, H), $W_g$ (H, H) and $b_g$ (H,) for the forget gate $f$, the input gate $i$,
    the candidate $c$ and the output gate $o$."""
    U_f: np.ndarray
    W_f: np.ndarray
    b_f: np.ndarray
    U_i: np.ndarray
    W_i: np.ndarray
    b_i: np.ndarray
    U_c: np.ndarray
    W_c: np.ndarray
    b_c: np.ndarray
    U_o: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray


@dataclasses.dataclass(frozen=True)
class Trace:
    """Every intermediate of one step, by name; `str()` prints one line per value."""
    STATE = ("H",)  # the fields that carry over to the next step

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def allclose(self, other, rtol=1e-7, atol=0.0):
        return type(self) is type(other) and all(
            np.allclose(a, b, rtol=rtol, atol=atol) for a, b in zip(self.as_dict().values(), other.as_dict().values()))

    def __str__(self):
        width = max(len(name) for name in self.as_dict())
        with np.printoptions(precision=4, suppress=True):
            return "\n".join(f"{name:<{width}} = {np.asarray(value)}" for name, value in self.as_dict().items())


@dataclasses.dataclass(frozen=True, eq=False)
class RNNStep(Trace):
    """What rnn_step computed: the pre-activation a and the new state H."""
    a: np.ndarray  # pre-activation
    H: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class GRUStep(Trace):
    """What gru_step computed, in order: gates, reset-gated term, candidate, the two halves of H, H."""
    a_u: np.ndarray
    u: np.ndarray  # update gate: how much of H_{t-1} is kept
    a_r: np.ndarray
    r: np.ndarray  # reset gate: how much of H_{t-1} the candidate may use
    reset_H: np.ndarray  # r_t ⊙ (H_{t-1} W_h + b_Wh) if reset="after", r_t ⊙ H_{t-1} if "before"
    a_h: np.ndarray
    H_tilde: np.ndarray  # candidate state
    keep: np.ndarray  # u_t ⊙ H_{t-1}
    write: np.ndarray  # (1 - u_t) ⊙ H̃_t
    H: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class LSTMStep(Trace):
    """What lstm_step computed, in order: gates and candidate, the two halves of C, C, tanh(C), H."""
    STATE = ("H", "C")
    a_f: np.ndarray
    f: np.ndarray  # forget gate: how much of C_{t-1} is kept
    a_i: np.ndarray
    i: np.ndarray  # input gate: how much of the candidate is written
    a_c: np.ndarray
    C_tilde: np.ndarray  # candidate cell content
    a_o: np.ndarray
    o: np.ndarray  # output gate: how much of the cell is shown as H_t
    keep: np.ndarray  # f_t ⊙ C_{t-1}
    write: np.ndarray  # i_t ⊙ C̃_t
    C: np.ndarray
    tanh_C: np.ndarray
    H: np.ndarray


NONLINEARITIES = {"tanh": tanh, "relu": relu}
RESET_PLACEMENTS = ("after", "before")


@check_step
def rnn_step(x, H_prev, w, nonlinearity="tanh"):
    r"""One step of a vanilla RNN, returning $a_t$ and $H_t$ (an RNNStep):

    $$a_t = x_t U + H_{t-1} W + b, \qquad H_t = \tanh(a_t)$$

    or $H_t = \max(0, a_t)$ with nonlinearity="relu". x is $x_t$, (D,) or
    (B, D); H_prev is $H_{t-1}$, (H,) or (B, H); w is RNNWeights.
    """
    one_of(nonlinearity, "nonlinearity", tuple(NONLINEARITIES))
    a = x @ w.U + H_prev @ w.W + w.b
    H = NONLINEARITIES[nonlinearity](a)
    return RNNStep(a, H)


@check_step
def gru_step(x, H_prev, w, reset="after"):
    r"""One GRU step, returning every intermediate (a GRUStep). With
    reset="after" (the notes, PyTorch):

    $$
    \begin{aligned}
    u_t &= \sigma(x_t U_u + H_{t-1} W_u + b_u) \\
    r_t &= \sigma(x_t U_r + H_{t-1} W_r + b_r) \\
    \tilde{H}_t &= \tanh(x_t U_h + b_h + r_t \odot (H_{t-1} W_h + b_{Wh})) \\
    H_t &= u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t
    \end{aligned}
    $$

    reset="before" (Cho et al. 2014) applies the reset gate before $W_h$,
    changing only the candidate:
    $\tilde{H}_t = \tanh(x_t U_h + b_h + (r_t \odot H_{t-1}) W_h + b_{Wh})$.
    x is $x_t$, (D,) or (B, D); H_prev is $H_{t-1}$, (H,) or (B, H); w is
    GRUWeights.
    """
    one_of(reset, "reset", RESET_PLACEMENTS)
    a_u = x @ w.U_u + H_prev @ w.W_u + w.b_u
    u = sigmoid(a_u)
    a_r = x @ w.U_r + H_prev @ w.W_r + w.b_r
    r = sigmoid(a_r)
    if reset == "after":  # PyTorch, cuDNN, Keras reset_after=True
        reset_H = r * (H_prev @ w.W_h + w.b_Wh)
        a_h = x @ w.U_h + w.b_h + reset_H
    else:  # Cho et al. 2014, Keras reset_after=False
        reset_H = r * H_prev
        a_h = x @ w.U_h + w.b_h + reset_H @ w.W_h + w.b_Wh
    H_tilde = tanh(a_h)
    keep = u * H_prev
    write = (1 - u) * H_tilde
    H = keep + write
    return GRUStep(a_u, u, a_r, r, reset_H, a_h, H_tilde, keep, write, H)


@check_step
def lstm_step(x, H_prev, C_prev, w):
    r"""One LSTM step, returning every intermediate (an LSTMStep):

    $$
    \begin{aligned}
    f_t &= \sigma(x_t U_f + H_{t-1} W_f + b_f) \\
    i_t &= \sigma(x_t U_i + H_{t-1} W_i + b_i) \\
    \tilde{C}_t &= \tanh(x_t U_c + H_{t-1} W_c + b_c) \\
    o_t &= \sigma(x_t U_o + H_{t-1} W_o + b_o) \\
    C_t &= f_t \odot C_{t-1} + i_t \odot \tilde{C}_t \\
    H_t &= o_t \odot \tanh(C_t)
    \end{aligned}
    $$

    x is $x_t$, (D,) or (B, D); H_prev and C_prev are $H_{t-1}$ and
    $C_{t-1}$, (H,) or (B, H); w is LSTMWeights.
    """
    a_f = x @ w.U_f + H_prev @ w.W_f + w.b_f
    f = sigmoid(a_f)
    a_i = x @ w.U_i + H_prev @ w.W_i + w.b_i
    i = sigmoid(a_i)
    a_c = x @ w.U_c + H_prev @ w.W_c + w.b_c
    C_tilde = tanh(a_c)
    a_o = x @ w.U_o + H_prev @ w.W_o + w.b_o
    o = sigmoid(a_o)
    keep = f * C_prev
    write = i * C_tilde
    C = keep + write
    tanh_C = tanh(C)
    H = o * tanh_C
    return LSTMStep(a_f, f, a_i, i, a_c, C_tilde, a_o, o,
                    keep, write, C, tanh_C, H)


def run_sequence(step, xs, states, w, **options):
    """Apply `step` along the first axis of xs; returns the list of traces.

    `states` is (H0,) for RNN and GRU, (H0, C0) for the LSTM.
    """
    traces = []
    for x in xs:
        trace = step(x, *states, w, **options)
        traces.append(trace)
        states = tuple(getattr(trace, name) for name in trace.STATE)
    return traces
