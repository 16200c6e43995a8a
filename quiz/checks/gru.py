"""Deciders for the GRU chapter."""
import numpy as np

from gru_ref import registry

from . import CheckFailed, decides


def saturated(cell, bias_name, sign, seed=0, **options):
    """A step with one gate's bias pushed to +-40 (the gate is 0 or 1 to double precision).
    Returns (trace, x, states, weights)."""
    entry = registry.cell(cell)
    rng = np.random.default_rng(seed)
    arrays = entry.weights.random(3, 4, seed=seed).arrays()
    arrays[bias_name] = np.full_like(arrays[bias_name], 40.0 * sign)
    weights = entry.weights(**arrays)
    x = rng.standard_normal(3)
    states = tuple(rng.uniform(-1, 1, 4) for _ in entry.states)
    return entry.step(x, *states, weights, **options), x, states, weights


def which(value, candidates):
    """The key of the one candidate equal to `value`, or a CheckFailed naming how many matched."""
    matches = [key for key, candidate in candidates.items() if np.allclose(value, candidate, rtol=0, atol=1e-12)]
    if len(matches) != 1:
        raise CheckFailed(f"expected exactly one matching quantity, found {matches or 'none'}")
    return matches[0]


@decides("gru-saturated-update")
def gru_saturated_update(question):
    """What H_t is when the update gate is 1 (params.gate_value: 1) or 0 (0), from gru_step."""
    sign = 1 if question.params.get("gate_value", 1) == 1 else -1
    trace, _, (H_prev,), _ = saturated("gru", "b_u", sign)
    return which(trace.H, {"previous-state": H_prev, "candidate": trace.H_tilde, "zero": 0 * H_prev,
                           "average": (H_prev + trace.H_tilde) / 2})
