"""Named, coded misconceptions: the mistakes students make, as code that makes them.

Each misconception is a switch of one small hand model of a step, written here from the notes'
equations and independently of gru_ref, or a switch of a hand count of parameters. With no switch
on, the hand model is the notes' cell: the quiz checks compare it with gru_ref, so a bug in either
shows. With a switch on, it computes what a student holding that misconception would answer: the
wrong options of computed questions, and the feedback a numeric answer gets when it equals one.
"""
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Misconception:
    name: str  # stable key, used in quiz files and in the page's data
    title: str  # the mistake in a few words: "interpolating the wrong way"
    explanation: str  # what is right instead, shown as the feedback of an option it produced


MISCONCEPTIONS = {m.name: m for m in (
    Misconception("flipped-interpolation", "interpolating the wrong way round",
                  "In the notes' convention $u_t$ weighs the old state: $H_t = u_t \\odot H_{t-1} + "
                  "(1 - u_t) \\odot \\tilde{H}_t$. Giving $u_t$ to the candidate is Chung et al.'s convention."),
    Misconception("reset-before", "applying the reset before the recurrent product",
                  "With the reset after (PyTorch, Keras' default) $r_t$ multiplies "
                  "$H_{t-1} W_h + b_{Wh}$, not $H_{t-1}$ before $W_h$."),
    Misconception("reset-after", "applying the reset after the recurrent product",
                  "With the reset before (Cho et al. 2014) $r_t$ multiplies $H_{t-1}$, and $W_h$ comes after."),
    Misconception("dropped-bias", "leaving out the bias",
                  "Every pre-activation adds its bias: $x_t U + H_{t-1} W + b$."),
    Misconception("sigmoid-candidate", "a sigmoid where the candidate's tanh belongs",
                  "The candidate is squashed with $\\tanh$, so it can be negative; only the gates use $\\sigma$."),
    Misconception("tanh-gate", "a tanh where the gate's sigmoid belongs",
                  "Gates use the sigmoid $\\sigma$, so that they lie between 0 and 1."),
    Misconception("output-without-tanh", "$H_t = o_t \\odot C_t$, without the tanh",
                  "The LSTM squashes the cell before the output gate: $H_t = o_t \\odot \\tanh(C_t)$."),
    Misconception("swapped-forget-input", "swapping the forget and input gates",
                  "$f_t$ multiplies the old cell $C_{t-1}$ and $i_t$ the candidate $\\tilde{C}_t$."),
    Misconception("one-bias-per-gate", "one bias per gate in PyTorch",
                  "PyTorch keeps two bias vectors, `bias_ih` and `bias_hh`, each with one block per gate."),
    Misconception("forgot-gru-second-bias", "forgetting the GRU's recurrent candidate bias",
                  "PyTorch's second bias of the candidate, `bias_hh`'s n block (the notes' $b_{Wh}$), sits inside "
                  "the reset: $r_t \\odot (H_{t-1} W_h + b_{Wh})$. It cannot be folded into $b_h$."),
    Misconception("torch-order-as-keras", "reading PyTorch's gate order as Keras's",
                  "PyTorch packs a GRU's blocks as r, z, n; Keras as z, r, h."),
    Misconception("keras-order-as-torch", "reading Keras's gate order as PyTorch's",
                  "Keras packs a GRU's blocks as z, r, h; PyTorch as r, z, n."),
    Misconception("layer-input-not-doubled", "feeding the second layer the input size",
                  "Layers after the first take the previous layer's output: $n$ features, $2n$ when bidirectional."),
    Misconception("forgot-directions", "counting one direction of a bidirectional layer",
                  "A bidirectional layer has a full set of weights for each direction."),
    Misconception("lstm-three-blocks", "counting three gate blocks for the LSTM",
                  "The LSTM has four blocks: forget, input, candidate and output."),
    Misconception("gru-four-blocks", "counting four gate blocks for the GRU",
                  "The GRU has three blocks: update, reset and candidate."),
    Misconception("no-recurrent-weights", "leaving out the recurrent matrices",
                  "Every block also multiplies $H_{t-1}$ by an $n \\times n$ matrix."),
    Misconception("keras-two-biases", "counting PyTorch's two biases per gate in Keras",
                  "Keras keeps one bias per gate; only the GRU with `reset_after=True` adds a second, "
                  "recurrent row."),
    Misconception("keras-forgot-recurrent-bias", "forgetting the recurrent bias row of Keras's reset-after GRU",
                  "With `reset_after=True` (the default) a Keras GRU's bias has shape $(2, 3n)$: an input row "
                  "and a recurrent row."),
    Misconception("macs-include-biases", "counting the biases as multiply-adds",
                  "A product $x_t U$ costs one multiply-add per entry of $U$; adding a bias multiplies nothing."),
    Misconception("equal-hidden-size", "comparing at the same hidden size",
                  "At the same $n$ the LSTM has a third more parameters; at the same budget the GRU gets a "
                  "larger $n$."),
    Misconception("parameters-linear-in-n", "scaling the hidden size by the ratio of blocks, $4/3$",
                  "Parameters grow with $n^2$ (the recurrent matrices), so a GRU with the LSTM's budget gets "
                  "less than $4/3$ of its $n$."),
    Misconception("untransposed-weights", "using PyTorch's weight blocks without transposing them",
                  "PyTorch multiplies column vectors, $W_{ir} x_t$: a block has one row per unit, so the notes' "
                  "$U_r$ is the block transposed, $W_{ir}^\\top$."),
    Misconception("dropped-recurrent-term", "leaving out the recurrent term $H_{t-1} W$",
                  "Every pre-activation reads the previous state too: $x_t U + H_{t-1} W + b$."),
    Misconception("coupled-forget-input", "using $1 - f_t$ as the input gate, as in the GRU's interpolation",
                  "The LSTM's input gate is a gate of its own: $C_t = f_t \\odot C_{t-1} + i_t \\odot \\tilde{C}_t$, "
                  "and $f_t$ and $i_t$ need not add up to 1."),
    Misconception("forgot-tanh-derivative", "leaving out the derivative of $\\tanh$",
                  "Each step's factor is $w \\, \\tanh'(a_s) = w\\,(1 - H_s^2)$, not $w$ alone."),
    Misconception("derivative-at-previous-state", "taking $\\tanh'$ at the previous state",
                  "The derivative belongs to the step's own output: $\\tanh'(a_s) = 1 - H_s^2$, not $1 - H_{s-1}^2$."),
    Misconception("sum-not-product", "adding the per-step factors instead of multiplying them",
                  "The chain rule multiplies one factor per step: "
                  "$\\partial H_t / \\partial H_k = J_{k+1} \\cdots J_t$."),
)}


def named(name):
    if name not in MISCONCEPTIONS:
        raise ValueError(f"misconception: expected one of {sorted(MISCONCEPTIONS)}, got {name!r}")
    return MISCONCEPTIONS[name]


def feedback(name):
    """What an answer this misconception gives is told, on the site, in the terminal and in the exports."""
    m = named(name)
    return f"This is what {m.title} gives. {m.explanation}"


STEP_MISCONCEPTIONS = {  # which switches of the hand model make sense for a cell
    "rnn": ("dropped-bias", "sigmoid-candidate", "dropped-recurrent-term"),
    "gru": ("flipped-interpolation", "reset-before", "reset-after", "dropped-bias", "forgot-gru-second-bias",
            "sigmoid-candidate", "tanh-gate", "dropped-recurrent-term"),
    "lstm": ("output-without-tanh", "swapped-forget-input", "dropped-bias", "sigmoid-candidate", "tanh-gate",
             "dropped-recurrent-term", "coupled-forget-input"),
}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def hand_step(cell, x, states, w, reset="after", mistake=None):
    """One step of `cell` as the notes write it, every value by name; `mistake` makes one misconception.

    x (D,), states (H_prev,) or (H_prev, C_prev), w the per-gate weights as a dict of arrays.
    """
    if mistake is not None and mistake not in STEP_MISCONCEPTIONS[cell]:
        raise ValueError(f"{cell} hand step: misconception {mistake!r} does not apply; "
                         f"expected one of {STEP_MISCONCEPTIONS[cell]}")
    use_bias = mistake != "dropped-bias"
    gate = np.tanh if mistake == "tanh-gate" else _sigmoid
    squash = _sigmoid if mistake == "sigmoid-candidate" else np.tanh
    recurrent = 0.0 if mistake == "dropped-recurrent-term" else 1.0  # what of H_{t-1} the products see

    def pre(key, h):
        return x @ w[f"U_{key}" if key else "U"] + (recurrent * h) @ w[f"W_{key}" if key else "W"] + (
            w[f"b_{key}" if key else "b"] if use_bias else 0.0)

    if cell == "rnn":
        (H_prev,) = states
        a = pre("", H_prev)
        return {"a": a, "H": squash(a)}
    if cell == "gru":
        (H_prev,) = states
        u, r = gate(pre("u", H_prev)), gate(pre("r", H_prev))
        b_h = w["b_h"] if use_bias else 0.0
        b_Wh = w["b_Wh"] if use_bias and mistake != "forgot-gru-second-bias" else 0.0
        placement = {"reset-before": "before", "reset-after": "after"}.get(mistake, reset)
        if placement == "after":
            a_h = x @ w["U_h"] + b_h + r * ((recurrent * H_prev) @ w["W_h"] + b_Wh)
        else:
            a_h = x @ w["U_h"] + b_h + (r * recurrent * H_prev) @ w["W_h"] + b_Wh
        H_tilde = squash(a_h)
        if mistake == "flipped-interpolation":
            H = (1 - u) * H_prev + u * H_tilde
        else:
            H = u * H_prev + (1 - u) * H_tilde
        return {"u": u, "r": r, "a_h": a_h, "H_tilde": H_tilde, "H": H}
    H_prev, C_prev = states
    f, i, o = gate(pre("f", H_prev)), gate(pre("i", H_prev)), gate(pre("o", H_prev))
    C_tilde = squash(pre("c", H_prev))
    if mistake == "swapped-forget-input":
        f, i = i, f
    if mistake == "coupled-forget-input":
        i = 1 - f
    C = f * C_prev + i * C_tilde
    H = o * C if mistake == "output-without-tanh" else o * np.tanh(C)
    return {"f": f, "i": i, "o": o, "C_tilde": C_tilde, "C": C, "H": H}


GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}  # written here again on purpose: the hand count is an oracle


def hand_parameter_count(cell, input_size, hidden_size, num_layers=1, bidirectional=False,
                         mistake=None):
    """Parameters of a PyTorch layer (the same as Keras with reset_after=True) counted by hand;
    `mistake` makes one error."""
    blocks = GATE_BLOCKS[cell]
    if mistake == "lstm-three-blocks" and cell == "lstm":
        blocks = 3
    if mistake == "gru-four-blocks" and cell == "gru":
        blocks = 4
    directions = 2 if bidirectional and mistake != "forgot-directions" else 1
    n = hidden_size
    total = 0
    for layer in range(num_layers):
        d = input_size if layer == 0 or mistake == "layer-input-not-doubled" else n * (2 if bidirectional else 1)
        weights = blocks * d * n + (0 if mistake == "no-recurrent-weights" else blocks * n * n)
        biases = blocks * n * (1 if mistake == "one-bias-per-gate" else 2)
        total += directions * (weights + biases)
    return total


COUNT_MISCONCEPTIONS = ("one-bias-per-gate", "layer-input-not-doubled",
                        "forgot-directions", "lstm-three-blocks", "gru-four-blocks", "no-recurrent-weights")


def _hand_blocks(cell, mistake):
    if (cell, mistake) in (("lstm", "lstm-three-blocks"), ("gru", "gru-four-blocks")):
        return GATE_BLOCKS[cell] + (1 if cell == "gru" else -1)
    return GATE_BLOCKS[cell]


def hand_keras_parameter_count(cell, input_size, hidden_size, reset_after=True, mistake=None):
    """Parameters of one Keras 3 layer counted by hand: `kernel` d x Gn, `recurrent_kernel` n x Gn and a
    bias of Gn entries, in two rows for the GRU with reset_after=True; `mistake` makes one error."""
    blocks, d, n = _hand_blocks(cell, mistake), input_size, hidden_size
    weights = blocks * d * n + (0 if mistake == "no-recurrent-weights" else blocks * n * n)
    bias_rows = 2 if cell == "gru" and reset_after else 1
    if mistake == "keras-two-biases":
        bias_rows = 2
    if mistake == "keras-forgot-recurrent-bias":
        bias_rows = 1
    return weights + bias_rows * blocks * n


KERAS_COUNT_MISCONCEPTIONS = ("keras-two-biases", "keras-forgot-recurrent-bias", "lstm-three-blocks",
                              "gru-four-blocks", "no-recurrent-weights")


def hand_step_macs(cell, input_size, hidden_size, mistake=None):
    """Multiply-adds of one step's matrix products by hand: an entry of U or W is one multiply-add."""
    blocks, d, n = _hand_blocks(cell, mistake), input_size, hidden_size
    macs = blocks * d * n + (0 if mistake == "no-recurrent-weights" else blocks * n * n)
    return macs + (blocks * n if mistake == "macs-include-biases" else 0)


MAC_MISCONCEPTIONS = ("macs-include-biases", "lstm-three-blocks", "gru-four-blocks", "no-recurrent-weights")

# The libraries' block orders, written here again on purpose from their documentation: the hand
# reading of packed weights below is an oracle for gru_ref.convert.
PACKED_ORDER = {"torch": {"gru": ("r", "u", "h"), "lstm": ("i", "f", "c", "o")},
                "keras": {"gru": ("u", "r", "h"), "lstm": ("i", "f", "c", "o")}}
MISREAD_ORDER = {"torch-order-as-keras": "keras", "keras-order-as-torch": "torch"}
UNPACK_MISCONCEPTIONS = {"torch": ("torch-order-as-keras", "untransposed-weights", "forgot-gru-second-bias"),
                         "keras": ("keras-order-as-torch", "forgot-gru-second-bias")}


def hand_unpack(cell, library, packed, mistake=None):
    """The notes' per-gate weights read by hand out of a library's packed arrays, as a dict of arrays;
    `mistake` misreads them.

    packed: a PyTorch state_dict of one layer (`weight_ih_l0`, ...) or Keras's [kernel, recurrent_kernel,
    bias]. The GRU candidate's recurrent bias stays apart as b_Wh; every other block's two biases add up.
    """
    order = PACKED_ORDER[MISREAD_ORDER.get(mistake, library)][cell]
    if library == "torch":
        W_ih, W_hh, b_ih, b_hh = (np.asarray(packed[f"{name}_l0"]) for name in
                                  ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        n = W_hh.shape[1]
        flip = (lambda block: block) if mistake == "untransposed-weights" else (lambda block: block.T)
        U, W = (lambda k: flip(W_ih[k * n:(k + 1) * n])), (lambda k: flip(W_hh[k * n:(k + 1) * n]))
    else:
        kernel, recurrent, bias = (np.asarray(a) for a in packed)
        n = recurrent.shape[0]
        b_ih, b_hh = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
        U, W = (lambda k: kernel[:, k * n:(k + 1) * n]), (lambda k: recurrent[:, k * n:(k + 1) * n])
    w = {}
    for k, key in enumerate(order):
        w[f"U_{key}"], w[f"W_{key}"] = U(k), W(k)
        b_in, b_rec = b_ih[k * n:(k + 1) * n], b_hh[k * n:(k + 1) * n]
        if cell == "gru" and key == "h":
            folded = mistake == "forgot-gru-second-bias"
            w["b_h"], w["b_Wh"] = (b_in + b_rec, 0 * b_rec) if folded else (b_in, b_rec)
        else:
            w[f"b_{key}"] = b_in + b_rec
    return w


def hand_rnn_gradient(w, states, mistake=None):
    """dH_T / dH_0 of a one-unit tanh RNN with recurrent weight w, by hand from its states H_0 ... H_T:
    the product of one factor w (1 - H_s^2) per step; `mistake` makes one error."""
    derivative_at = (lambda s: states[s - 1]) if mistake == "derivative-at-previous-state" else (lambda s: states[s])
    factors = [w * (1.0 if mistake == "forgot-tanh-derivative" else 1 - derivative_at(s) ** 2)
               for s in range(1, len(states))]
    return sum(factors) if mistake == "sum-not-product" else math.prod(factors)


GRADIENT_MISCONCEPTIONS = ("forgot-tanh-derivative", "derivative-at-previous-state", "sum-not-product")


def distinct_distractors(correct, wrong, shown):
    """Keep the wrong values (name -> value) that differ from the correct one, and from each other,
    as `shown` prints them: two options that print alike would be no choice at all."""
    seen = {shown(correct)}
    kept = {}
    for name, value in wrong.items():
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            continue
        text = shown(value)
        if text not in seen:
            seen.add(text)
            kept[name] = value
    return kept
