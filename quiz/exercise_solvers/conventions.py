"""Solvers of the Conventions chapter's exercises (quizzes/exercises/conventions.yml)."""
import numpy as np

from gru_ref import cells, convert, registry

from .. import misconceptions as mis
from ..checks import CheckFailed, board_numbers, hand_agrees, one_decimal, tex_values
from . import Solution, agree, solves, tex


def board_state_dict(cell, rng, d, n):
    """One layer's PyTorch state_dict of `cell` in one-decimal numbers, as one writes it on a board."""
    rows = len(registry.cell(cell).blocks) * n
    shapes = {"weight_ih_l0": (rows, d), "weight_hh_l0": (rows, n), "bias_ih_l0": (rows,), "bias_hh_l0": (rows,)}
    return {name: one_decimal(rng, shape) for name, shape in shapes.items()}


def sizes(d, n):
    """The layer's sizes as the task states them, d inputs and n units."""
    return {"d": str(d), "n": str(n)}


def tex_state_dict(state_dict):
    return {name.removesuffix("_l0"): tex(value, 1) for name, value in state_dict.items()}


def read_state_dict(cell, params, rng):
    """The notes' per-gate weights read out of a PyTorch `cell` layer's state_dict (one-decimal numbers):
    by gru_ref.convert, checked against the reading by hand of quiz.misconceptions."""
    d, n = int(params.get("input", 2)), int(params.get("hidden", 2))
    state_dict = board_state_dict(cell, rng, d, n)
    weights = convert.from_torch(cell, state_dict).arrays()
    by_hand = mis.hand_unpack(cell, "torch", state_dict)
    for name, value in weights.items():
        agree(name, value, by_hand[name])
    values = tex_state_dict(state_dict) | sizes(d, n) | {name: tex(value, 1) for name, value in weights.items()}
    return Solution(values, weights, {"state_dict": state_dict})


@solves("lstm-from-state-dict")
def lstm_from_state_dict(params, rng):
    return read_state_dict("lstm", params, rng)


@solves("keras-gru-to-torch")
def keras_gru_to_torch(params, rng):
    """A Keras GRU's [kernel, recurrent_kernel, bias] (reset_after=True, one-decimal numbers) as PyTorch's
    state_dict: each library's blocks of columns and rows found in the registry, the blocks transposed,
    the bias rows kept apart. Checked: both arrays read by gru_ref.convert give the same notes' weights,
    and so do both read by hand (quiz.misconceptions)."""
    d, n = int(params.get("input", 2)), int(params.get("hidden", 2))
    gru = registry.cell("gru")
    width = len(gru.blocks) * n  # Keras's arrays hold the blocks side by side
    kernel, recurrent, bias = one_decimal(rng, (d, width)), one_decimal(rng, (n, width)), one_decimal(rng, (2, width))
    blocks, order = gru.packed_blocks("keras", n), gru.torch_order

    def torch_rows(array):
        return np.concatenate([array[..., blocks[key]].T for key in order])  # (Gn, k) from (k, Gn)

    state_dict = {"weight_ih_l0": torch_rows(kernel), "weight_hh_l0": torch_rows(recurrent),
                  "bias_ih_l0": torch_rows(bias[0][None, :])[:, 0], "bias_hh_l0": torch_rows(bias[1][None, :])[:, 0]}
    from_keras = convert.from_keras("gru", [kernel, recurrent, bias]).arrays()
    from_torch = convert.from_torch("gru", state_dict).arrays()
    keras_by_hand = mis.hand_unpack("gru", "keras", [kernel, recurrent, bias])
    torch_by_hand = mis.hand_unpack("gru", "torch", state_dict)
    for name, value in from_keras.items():
        agree(f"{name} read from Keras and from PyTorch", from_torch[name], value)
        agree(f"{name} read by hand from Keras and from PyTorch", torch_by_hand[name], keras_by_hand[name])
        agree(f"{name} by gru_ref.convert and by hand", value, keras_by_hand[name])
    values = {"kernel": tex(kernel, 1), "recurrent_kernel": tex(recurrent, 1), "bias": tex(bias, 1)}
    values |= tex_state_dict(state_dict)
    values.update({f"{key}_columns": tex(kernel[:, blocks[key]], 1) for key in order}, **sizes(d, n),
                  keras_letters=", ".join(gru.block(key).keras for key in gru.keras_order),
                  torch_letters=", ".join(gru.block(key).torch for key in order))
    return Solution(values, state_dict, {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias})


@solves("update-flip")
def update_flip(params, rng):
    """The notes' GRU step and Chung et al.'s: the update gate z_t = 1 - u_t from the negated weights of
    u_t (gru_ref's step with them gives 1 - u_t), and the new state by Chung et al.'s interpolation,
    which must equal the notes' step."""
    weights, x, (H_prev,) = board_numbers("gru", rng, int(params.get("input", 2)), int(params.get("hidden", 2)))
    step = cells.gru_step(x, H_prev, weights)
    for field in ("u", "H_tilde", "H"):
        hand_agrees("gru", field, x, (H_prev,), weights, {"reset": "after"}, getattr(step, field))
    w = weights.arrays()
    negated = {"U_z": -w["U_u"], "W_z": -w["W_u"], "b_z": -w["b_u"]}
    flipped = cells.gru_step(x, H_prev, registry.cell("gru").weights(
        **w | {"U_u": negated["U_z"], "W_u": negated["W_z"], "b_u": negated["b_z"]}))
    z = flipped.u
    agree("z = 1 - u", z, 1 - step.u)
    H = (1 - z) * H_prev + z * step.H_tilde  # Chung et al. (2014): z takes the candidate
    agree("H by Chung et al.'s interpolation", H, step.H)
    values = tex_values("gru", weights, x, (H_prev,))
    values = {k: v for k, v in values.items() if k in ("U_u", "W_u", "b_u", "x", "H_prev")}
    values.update({name: tex(value, 1) for name, value in negated.items()},
                  a_u=tex(step.a_u), u=tex(step.u), a_z=tex(flipped.a_u), z=tex(z), H_tilde=tex(step.H_tilde),
                  H=tex(H))
    return Solution(values, negated | {"z": z, "H": H}, {"weights": w, "x": x, "H_prev": H_prev})


def apply_fix(code, fix, where="fix"):
    """The code with each (wrong line, right lines) pair of `fix` put in; each wrong line must be a whole
    line of the code, once."""
    lines = code.strip().splitlines()
    for wrong, right in fix:
        if lines.count(wrong) != 1:
            raise ValueError(f"{where}: expected the line {wrong!r} once in the snippet, found it {lines.count(wrong)} "
                             "times")
        k = lines.index(wrong)
        lines[k:k + 1] = right.strip().splitlines()
    return "\n".join(lines)


def run_snippet(code, namespace):
    """What the snippet assigns to H, run on a copy of `namespace` with numpy and a sigmoid and no builtins:
    it is the very text the page shows."""
    scope = dict(namespace)
    exec(code, {"__builtins__": {}, "np": np, "sigmoid": lambda a: 1 / (1 + np.exp(-a))}, scope)
    if "H" not in scope:
        raise ValueError("the snippet assigns no H")
    return scope["H"]


def shown_code(code):
    """Code as the exercise texts show it: a fenced block, which quiz.exercises highlights."""
    return f"```python\n{code.strip()}\n```"


@solves("snippet-fix")
def snippet_fix(params, rng):
    """A GRU step coded from a PyTorch state_dict (params.code, shown on the page and run here on
    one-decimal numbers) and the same code with params.fix put in: the fixed code must give what gru_ref's
    PyTorch-compatible layer loaded with the state_dict gives, and the shown code must not."""
    d, n = int(params.get("input", 2)), int(params.get("hidden", 2))
    state_dict = board_state_dict("gru", rng, d, n)
    x, H_prev = one_decimal(rng, (d,), 10), one_decimal(rng, (n,), 5)
    fixed = apply_fix(params["code"], params["fix"])
    namespace = {"sd": state_dict, "x": x, "H_prev": H_prev, "n": n}
    H_buggy, H_fixed = run_snippet(params["code"], namespace), run_snippet(fixed, namespace)
    layer = registry.cell("gru").layer(d, n, dtype=np.float64)
    layer.load_state_dict(state_dict)
    H_layer = layer(x[None, :], H_prev[None, :])[0][0]
    agree("the fixed snippet", H_fixed, H_layer)
    if np.allclose(H_buggy, H_layer, rtol=0, atol=1e-6):
        raise CheckFailed(f"the shown snippet gives what the layer gives, {np.round(H_layer, 6).tolist()}: "
                         "its bug does not show on these numbers")
    values = tex_state_dict(state_dict) | {"x": tex(x, 1), "H_prev": tex(H_prev, 1), "H_buggy": tex(H_buggy),
                                           "H_fixed": tex(H_fixed), "code": shown_code(params["code"]),
                                           "fixed_lines": shown_code("\n".join(right for _, right in params["fix"]))}
    values |= sizes(d, n)
    return Solution(values, {"H_buggy": H_buggy, "H_fixed": H_fixed}, {"state_dict": state_dict, "x": x,
                                                                       "H_prev": H_prev})
