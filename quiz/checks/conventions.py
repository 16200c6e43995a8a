"""Deciders for the Conventions chapter: how libraries pack and name what the notes write."""
import numpy as np

from gru_ref import convert, registry

from . import decides


@decides("torch-block-order")
def torch_block_order(question):
    """The order gru_ref.convert stacks a cell's blocks in PyTorch's weight_hh, read off marked weights.

    params: cell. Answer: the notes' block keys (u, r, h / f, i, c, o) in PyTorch's order."""
    entry = registry.cell(question.params["cell"])
    names = list(entry.weights.random(1, 1).arrays())
    marked = entry.weights(**{name: np.full((1, 1) if name[0] in "UW" else (1,), float(k))
                              for k, name in enumerate(names)})
    rows = convert.to_torch(marked)["weight_hh_l0"][:, 0]  # one row per block when H = 1
    return [names[int(v)].removeprefix("W_") for v in rows]
