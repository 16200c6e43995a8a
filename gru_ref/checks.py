"""Input validation: every bad argument becomes a ValueError that names it."""
import functools

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def one_of(value, name, allowed):
    """`value` if it is one of `allowed`, else a ValueError naming the argument and the choices."""
    if isinstance(value, str) and value in allowed:
        return value
    raise ValueError(f"{name}: expected one of {', '.join(repr(a) for a in allowed)}, got {value!r}")


def positive_int(value, name):
    """`value` as an int if it is a positive integer (a bool is not), else a ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def float_array(value, name):
    """`value` as a float32/float64 array with only finite entries."""
    array = np.asarray(value)
    if array.dtype.type not in FLOAT_DTYPES:
        raise ValueError(f"{name}: expected a float32 or float64 array, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{name}: expected finite values, found {array[where]} at index {where}")
    return array


def expect_shape(array, name, expected):
    """Compare a shape with `expected`, where None matches any size."""
    ok = array.ndim == len(expected) and all(e is None or e == a for e, a in zip(expected, array.shape))
    if not ok:
        sizes = ["any" if e is None else str(e) for e in expected]
        shown = "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"
        raise ValueError(f"{name}: expected shape {shown}, got {tuple(array.shape)}")
    return array


def same_dtype(arrays, context):
    """Refuse to mix float32 and float64: the result dtype would be a silent guess."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name}={dtype}" for name, dtype in dtypes.items())
        raise ValueError(f"{context}: all arrays must share one dtype, got {listed}")


def check_step(step):
    """Validate a teaching step's arrays so that the step itself reads like the equations.

    The decorated step takes (x, *states, weights, ...); shapes are checked against the
    weights: x is (D,) or (B, D), every state is (H,) or (B, H).
    """
    @functools.wraps(step)
    def checked(x, *args, **kwargs):
        *states, weights = args
        w = weights.checked()
        D, H = w.input_size, w.hidden_size
        x = float_array(x, "x")
        batch = x.shape[:-1] if x.ndim == 2 else ()
        expect_shape(x, "x", batch + (D,))
        state_names = step.__code__.co_varnames[1:1 + len(states)]
        states = [expect_shape(float_array(s, n), n, batch + (H,)) for s, n in zip(states, state_names)]
        same_dtype({"x": x, **dict(zip(state_names, states)), **w.arrays()}, step.__name__)
        return step(x, *states, w, **kwargs)

    return checked
