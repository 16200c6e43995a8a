"""Per-gate named weights (the notes' U_g, W_g, b_g) <-> PyTorch packed <-> Keras packed.

The notes use row vectors (x_t U), PyTorch column vectors (W_ih x), so U_g is the
transpose of gate g's block of rows in weight_ih, and the same array as gate g's
block of columns in Keras's kernel.
"""
import numpy as np

from . import registry

# The candidate's recurrent bias has no place among the notes' one-bias-per-gate: it sits inside the
# reset (r ⊙ (H W_h + b_Wh)), so the converters keep it apart as b_Wh instead of summing it.
SEPARATE_RECURRENT_BIAS = {"gru": ("h", "b_Wh")}


def torch_names(layer=0, direction=""):
    """PyTorch's parameter names of one layer and direction: {"weight_ih": "weight_ih_l0", ...}."""
    suffix = f"_l{layer}{direction}"
    return {key: key + suffix for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def to_torch(weights, layer=0, direction=""):
    r"""Teaching weights -> PyTorch state_dict entries of one layer and direction.

    Each gate block g fills its rows (in the registry's torch_order), written $(g)$ here:

    $$W_{ih}^{(g)} = U_g^\top, \quad W_{hh}^{(g)} = W_g^\top, \quad b_{ih}^{(g)} = b_g, \quad b_{hh}^{(g)} = 0$$

    except the GRU candidate's recurrent bias: $b_{hh}^{(h)} = b_{Wh}$.
    """
    cell, w = registry.cell_of(weights), weights.arrays()
    blocks = [cell.block(key) for key in cell.torch_order]
    recurrent_bias = {key: np.zeros_like(w[cell.block(key).weight_names()[2]]) for key in cell.torch_order}
    if cell.key in SEPARATE_RECURRENT_BIAS:
        key, name = SEPARATE_RECURRENT_BIAS[cell.key]
        recurrent_bias[key] = w[name]
    names = torch_names(layer, direction)
    return {
        names["weight_ih"]: np.concatenate([w[b.weight_names()[0]].T for b in blocks]),
        names["weight_hh"]: np.concatenate([w[b.weight_names()[1]].T for b in blocks]),
        names["bias_ih"]: np.concatenate([w[b.weight_names()[2]] for b in blocks]),
        names["bias_hh"]: np.concatenate([recurrent_bias[b.key] for b in blocks]),
    }


def from_torch(cell, state_dict, layer=0, direction=""):
    r"""PyTorch state_dict entries of one layer and direction -> teaching weights.

    PyTorch keeps two biases per gate where only their sum matters, so they are summed,
    except for the GRU candidate, whose recurrent bias becomes b_Wh. Missing biases are zeros.
    With $(g)$ the rows of gate block g:

    $$U_g = (W_{ih}^{(g)})^\top, \quad W_g = (W_{hh}^{(g)})^\top, \quad b_g = b_{ih}^{(g)} + b_{hh}^{(g)}$$

    and for the GRU candidate $b_h = b_{ih}^{(h)}$, $b_{Wh} = b_{hh}^{(h)}$.
    """
    cell = registry.cell(cell)
    names = torch_names(layer, direction)
    missing = [names[k] for k in ("weight_ih", "weight_hh") if names[k] not in state_dict]
    if missing:
        raise ValueError(f"state_dict: missing {missing} for layer {layer}{direction}; it has {sorted(state_dict)}")
    W_ih, W_hh = (np.asarray(state_dict[names[k]]) for k in ("weight_ih", "weight_hh"))
    zeros = np.zeros(W_hh.shape[0], dtype=W_hh.dtype)
    b_ih, b_hh = (np.asarray(state_dict.get(names[k], zeros)) for k in ("bias_ih", "bias_hh"))
    rows = cell.packed_blocks("torch", W_hh.shape[1])
    return _unpacked(cell, {key: (W_ih[rows[key]].T, W_hh[rows[key]].T, b_ih[rows[key]], b_hh[rows[key]])
                            for key in rows})


def with_keep_bias(cell, state_dict, keep_bias, layer=0, direction=""):
    """A copy of PyTorch state_dict entries with keep_bias added to the bias of the gate that keeps the state.

    The keeping gate is the registry's keep_gate: the GRU's update gate (PyTorch's z), the LSTM's forget
    gate. Jozefowicz, Zaremba and Sutskever (2015) start an LSTM with its forget-gate bias at 1. The
    shift goes into bias_ih of that gate's rows: PyTorch adds bias_ih and bias_hh, so shifting one
    shifts their sum, the notes' b_u or b_f. Every array is copied (as numpy); the others are unchanged.
    The plain RNN has no keeping gate: any keep_bias but 0 is a ValueError.
    """
    entry = registry.cell(cell)
    if isinstance(keep_bias, (bool, np.bool_)) or not isinstance(keep_bias, (int, float, np.integer, np.floating)) \
            or not np.isfinite(keep_bias):
        raise ValueError(f"keep_bias: expected a finite number, got {keep_bias!r}")
    names = torch_names(layer, direction)
    missing = [names[k] for k in ("weight_hh", "bias_ih") if names[k] not in state_dict]
    if missing:
        raise ValueError(f"state_dict: missing {missing} for layer {layer}{direction}; it has {sorted(state_dict)}")
    shifted = {name: np.array(value) for name, value in state_dict.items()}
    if keep_bias == 0:
        return shifted
    if not entry.keep_gate:
        raise ValueError(f"keep_bias: the {entry.title} has no gate that keeps its state; expected 0, got {keep_bias}")
    rows = entry.packed_blocks("torch", shifted[names["weight_hh"]].shape[1])[entry.keep_gate]
    shifted[names["bias_ih"]][rows] += keep_bias
    return shifted


def to_keras(weights, reset_after=True):
    r"""Teaching weights -> [kernel, recurrent_kernel, bias] as Keras 3's layer.get_weights().

    Keras stores row-vector weights as the notes do, so each gate block g fills its columns (in the
    registry's keras_order), written $(g)$ here, with no transpose:

    $$\text{kernel}^{(g)} = U_g, \quad \text{recurrent}^{(g)} = W_g, \quad \text{bias}^{(g)} = b_g$$

    The GRU's b_Wh goes into the candidate's columns of a second bias row (reset_after=True); with
    reset_after=False Keras has one bias and only the sum $b_h + b_{Wh}$ counts.
    """
    cell, w = registry.cell_of(weights), weights.arrays()
    blocks = [cell.block(key) for key in cell.keras_order]
    kernel = np.concatenate([w[b.weight_names()[0]] for b in blocks], axis=1)
    recurrent = np.concatenate([w[b.weight_names()[1]] for b in blocks], axis=1)
    input_bias = np.concatenate([w[b.weight_names()[2]] for b in blocks])
    if cell.key not in SEPARATE_RECURRENT_BIAS:
        return [kernel, recurrent, input_bias]
    key, name = SEPARATE_RECURRENT_BIAS[cell.key]
    columns = cell.packed_blocks("keras", recurrent.shape[0])[key]
    if reset_after:
        recurrent_bias = np.zeros_like(input_bias)
        recurrent_bias[columns] = w[name]
        return [kernel, recurrent, np.stack([input_bias, recurrent_bias])]
    # With the reset before W_h the recurrent candidate bias only adds to the input one.
    folded = input_bias.copy()
    folded[columns] += w[name]
    return [kernel, recurrent, folded]


def from_keras(cell, arrays, reset_after=True):
    r"""Keras 3 get_weights() of SimpleRNN / GRU / LSTM -> teaching weights (no bias: zeros).

    With $(g)$ the columns of gate block g:

    $$U_g = \text{kernel}^{(g)}, \quad W_g = \text{recurrent}^{(g)}, \quad b_g = \text{bias}^{(g)}$$

    A Keras GRU with reset_after=True has two bias rows: they are summed, except in the candidate's
    columns, where $b_h$ is the first row and $b_{Wh}$ the second.
    """
    cell = registry.cell(cell)
    if len(arrays) not in (2, 3):
        raise ValueError(f"arrays: expected [kernel, recurrent_kernel] or [kernel, recurrent_kernel, bias], "
                         f"got {len(arrays)} arrays")
    kernel, recurrent = np.asarray(arrays[0]), np.asarray(arrays[1])
    bias = np.asarray(arrays[2]) if len(arrays) == 3 else np.zeros(recurrent.shape[1], dtype=recurrent.dtype)
    if cell.key == "gru" and len(arrays) == 3 and (bias.ndim == 2) != reset_after:
        expected = (2, recurrent.shape[1]) if reset_after else (recurrent.shape[1],)
        raise ValueError(f"bias: a Keras GRU with reset_after={reset_after} has a bias of shape {expected}, "
                         f"got {bias.shape}")
    input_bias, recurrent_bias = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    columns = cell.packed_blocks("keras", recurrent.shape[0])
    return _unpacked(cell, {key: (kernel[:, c], recurrent[:, c], input_bias[c], recurrent_bias[c])
                            for key, c in columns.items()})


def _unpacked(cell, blocks):
    """Teaching weights from each block's (U, W, input bias, recurrent bias)."""
    fields = {}
    for key, (U, W, input_bias, recurrent_bias) in blocks.items():
        U_name, W_name, b_name = cell.block(key).weight_names()
        fields[U_name], fields[W_name], fields[b_name] = U, W, input_bias + recurrent_bias
    if cell.key in SEPARATE_RECURRENT_BIAS:
        key, name = SEPARATE_RECURRENT_BIAS[cell.key]
        _, _, input_bias, recurrent_bias = blocks[key]
        fields[cell.block(key).weight_names()[2]], fields[name] = input_bias, recurrent_bias
    return cell.weights(**fields)
