"""Parameters and work per time step of each cell, as formulas.

G is the number of gate blocks (the registry's: 1 for the RNN, 3 for the GRU, 4 for the LSTM).
Each block has an input matrix (D x H), a recurrent matrix (H x H) and biases.
"""
from . import registry
from .checks import one_of, positive_int

CONVENTIONS = ("notes", "torch", "keras")
AFTER_THE_BLOCKS = {  # per hidden unit, what a step does once the blocks are activated
    "rnn": {"pointwise": 0, "tanhs": 0},
    "gru": {"pointwise": 6, "tanhs": 0},  # + b_Wh, r ⊙ (.), u ⊙ H, 1 - u, (1 - u) ⊙ H̃, keep + write
    "lstm": {"pointwise": 4, "tanhs": 1},  # f ⊙ C, i ⊙ C̃, keep + write, o ⊙ tanh(C); and tanh(C)
}


def _check(cell, convention="notes", **sizes):
    for name, value in sizes.items():
        positive_int(value, name)
    one_of(convention, "convention", CONVENTIONS)
    return registry.cell(cell)


def parameter_count(cell, input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                    convention="torch", reset_after=True):
    r"""Trainable numbers in a (possibly stacked, bidirectional) layer.

    With $d$ = input_size, $n$ = hidden_size, $L$ = num_layers, $k$ directions and $G$ gate blocks:

    $$P = k \sum_{l=1}^{L} \left(G (d_l n + n^2) + \beta n\right), \qquad d_1 = d, \quad d_l = k n \text{ for } l > 1$$

    where $\beta$ counts the biases per hidden unit: $2G$ in PyTorch's form and in a Keras GRU with
    reset_after, $G$ in Keras's other layers, $G + 1$ for the notes' GRU (its $b_{Wh}$) and $G$ for
    the notes' other cells, 0 with bias=False.
    """
    entry = _check(cell, convention, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
    G, H, directions = len(entry.blocks), hidden_size, 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        D = input_size if layer == 0 else H * directions
        weights = G * (D * H + H * H)
        if not bias:
            biases = 0
        elif convention == "torch" or (convention == "keras" and entry.key == "gru" and reset_after):
            biases = 2 * G * H  # an input-side and a recurrent-side bias for every block
        elif convention == "keras":
            biases = G * H
        else:  # the notes' form: one bias per gate, plus the GRU candidate's b_Wh
            biases = G * H + (H if entry.key == "gru" else 0)
        total += directions * (weights + biases)
    return total


def step_cost(cell, input_size, hidden_size):
    r"""Work for one time step of one sequence: matmul multiply-adds and pointwise operations.

    Pointwise counts follow cells.py: every *, +, 1 - and bias addition on an H-vector is
    H operations; sigmoid and tanh are counted separately. With $d$ = input_size, $n$ = hidden_size
    and $G$ gate blocks, the matrix products take $G(dn + n^2)$ multiply-adds.
    """
    entry = _check(cell, input_size=input_size, hidden_size=hidden_size)
    G, D, H = len(entry.blocks), input_size, hidden_size
    pre_activation_sums = 2 * G  # x U + H W, then + b, for every block
    after = AFTER_THE_BLOCKS[entry.key]
    activations = [block.activation for block in entry.blocks]
    return {
        "matmul_macs": G * (D * H + H * H),
        "pointwise": (pre_activation_sums + after["pointwise"]) * H,
        "sigmoids": activations.count("sigmoid") * H,
        "tanhs": (activations.count("tanh") + after["tanhs"]) * H,
    }
