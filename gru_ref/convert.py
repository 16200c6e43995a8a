"""Per-gate named weights (the notes' U_g, W_g, b_g) <-> PyTorch packed <-> Keras packed.

The notes use row vectors (x_t U), PyTorch column vectors (W_ih x), so U_g is the
transpose of gate g's block of rows in weight_ih, and the same array as gate g's
block of columns in Keras's kernel.
"""
import numpy as np

from .cells import GRUWeights, LSTMWeights, RNNWeights

WEIGHT_CLASSES = {"rnn": RNNWeights, "gru": GRUWeights, "lstm": LSTMWeights}
GATE_ORDER = {"rnn": ("",), "gru": ("u", "r", "h"), "lstm": ("f", "i", "c", "o")}
TORCH_GATE_ORDER = {"rnn": ("",), "gru": ("r", "u", "h"), "lstm": ("i", "f", "c", "o")}
KERAS_GATE_ORDER = {"rnn": ("",), "gru": ("u", "r", "h"), "lstm": ("i", "f", "c", "o")}


def cell_of(weights):
    for cell, cls in WEIGHT_CLASSES.items():
        if isinstance(weights, cls):
            return cell
    raise ValueError(f"weights: expected RNNWeights, GRUWeights or LSTMWeights, got {type(weights).__name__}")


def _field(kind, gate):
    return f"{kind}_{gate}" if gate else kind


def torch_names(layer=0, direction=""):
    suffix = f"_l{layer}{direction}"
    return {key: key + suffix for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def to_torch(weights, layer=0, direction=""):
    """Teaching weights -> PyTorch state_dict entries of one layer and direction."""
    cell, w = cell_of(weights), weights.arrays()
    order = TORCH_GATE_ORDER[cell]
    bias_hh = [np.zeros_like(w[_field("b", g)]) for g in order]
    if cell == "gru":  # the candidate's recurrent bias is not redundant: it sits inside the reset
        bias_hh[order.index("h")] = w["b_Wh"]
    names = torch_names(layer, direction)
    return {
        names["weight_ih"]: np.concatenate([w[_field("U", g)].T for g in order]),
        names["weight_hh"]: np.concatenate([w[_field("W", g)].T for g in order]),
        names["bias_ih"]: np.concatenate([w[_field("b", g)] for g in order]),
        names["bias_hh"]: np.concatenate(bias_hh),
    }


def _check_cell(cell):
    if cell not in WEIGHT_CLASSES:
        raise ValueError(f"cell: expected one of {sorted(WEIGHT_CLASSES)}, got {cell!r}")


def from_torch(cell, state_dict, layer=0, direction=""):
    """PyTorch state_dict entries of one layer and direction -> teaching weights.

    PyTorch keeps two biases per gate where only their sum matters, so they are summed,
    except for the GRU candidate, whose recurrent bias becomes b_Wh. Missing biases are zeros.
    """
    _check_cell(cell)
    names = torch_names(layer, direction)
    missing = [names[k] for k in ("weight_ih", "weight_hh") if names[k] not in state_dict]
    if missing:
        raise ValueError(f"state_dict: missing {missing} for layer {layer}{direction}; it has {sorted(state_dict)}")
    W_ih, W_hh = (np.asarray(state_dict[names[k]]) for k in ("weight_ih", "weight_hh"))
    H = W_hh.shape[1]
    zeros = np.zeros(W_hh.shape[0], dtype=W_hh.dtype)
    b_ih, b_hh = (np.asarray(state_dict.get(names[k], zeros)) for k in ("bias_ih", "bias_hh"))
    fields = {}
    for k, g in enumerate(TORCH_GATE_ORDER[cell]):
        block = slice(k * H, (k + 1) * H)
        fields[_field("U", g)] = W_ih[block].T
        fields[_field("W", g)] = W_hh[block].T
        fields[_field("b", g)] = b_ih[block] + b_hh[block]
    if cell == "gru":
        block = slice(2 * H, 3 * H)
        fields["b_h"], fields["b_Wh"] = b_ih[block], b_hh[block]
    return WEIGHT_CLASSES[cell](**fields)


def to_keras(weights, reset_after=True):
    """Teaching weights -> [kernel, recurrent_kernel, bias] as Keras 3's layer.get_weights()."""
    cell, w = cell_of(weights), weights.arrays()
    order = KERAS_GATE_ORDER[cell]
    kernel = np.concatenate([w[_field("U", g)] for g in order], axis=1)
    recurrent = np.concatenate([w[_field("W", g)] for g in order], axis=1)
    input_bias = np.concatenate([w[_field("b", g)] for g in order])
    if cell != "gru":
        return [kernel, recurrent, input_bias]
    zeros = np.zeros_like(w["b_Wh"])
    if reset_after:
        return [kernel, recurrent, np.stack([input_bias, np.concatenate([zeros, zeros, w["b_Wh"]])])]
    # With the reset before W_h the recurrent candidate bias only adds to the input one.
    return [kernel, recurrent, np.concatenate([w["b_u"], w["b_r"], w["b_h"] + w["b_Wh"]])]


def from_keras(cell, arrays, reset_after=True):
    """Keras 3 get_weights() of SimpleRNN / GRU / LSTM -> teaching weights (no bias: zeros)."""
    _check_cell(cell)
    if len(arrays) not in (2, 3):
        raise ValueError(f"arrays: expected [kernel, recurrent_kernel] or [kernel, recurrent_kernel, bias], "
                         f"got {len(arrays)} arrays")
    kernel, recurrent = np.asarray(arrays[0]), np.asarray(arrays[1])
    H = recurrent.shape[0]
    bias = np.asarray(arrays[2]) if len(arrays) == 3 else np.zeros(recurrent.shape[1], dtype=recurrent.dtype)
    if cell == "gru" and len(arrays) == 3 and (bias.ndim == 2) != reset_after:
        expected = (2, recurrent.shape[1]) if reset_after else (recurrent.shape[1],)
        raise ValueError(f"bias: a Keras GRU with reset_after={reset_after} has a bias of shape {expected}, "
                         f"got {bias.shape}")
    input_bias, recurrent_bias = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    fields = {}
    for k, g in enumerate(KERAS_GATE_ORDER[cell]):
        block = slice(k * H, (k + 1) * H)
        fields[_field("U", g)] = kernel[:, block]
        fields[_field("W", g)] = recurrent[:, block]
        fields[_field("b", g)] = input_bias[block] + recurrent_bias[block]
    if cell == "gru":
        block = slice(2 * H, 3 * H)
        fields["b_h"], fields["b_Wh"] = input_bias[block], recurrent_bias[block]
    return WEIGHT_CLASSES[cell](**fields)
