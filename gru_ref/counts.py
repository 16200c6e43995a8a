"""Parameters and work per time step of each cell, as formulas.

G is the number of gate blocks: 1 for the RNN, 3 for the GRU (u, r, candidate),
4 for the LSTM (f, i, candidate, o). Each block has an input matrix (D x H), a
recurrent matrix (H x H) and biases.
"""
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
CONVENTIONS = ("notes", "torch", "keras")
COMBINE_OPS = {  # element-wise operations after the pre-activations, per hidden unit
    "rnn": 0,
    "gru": 6,  # + b_Wh, r ⊙ (.), u ⊙ H, 1 - u, (1 - u) ⊙ H̃, keep + write
    "lstm": 4,  # f ⊙ C, i ⊙ C̃, keep + write, o ⊙ tanh(C)
}


def _check(cell, convention="notes", **sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    if cell not in GATE_BLOCKS:
        raise ValueError(f"cell: expected one of {sorted(GATE_BLOCKS)}, got {cell!r}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")


def parameter_count(cell, input_size, hidden_size, num_layers=1, bidirectional=False, bias=True,
                    convention="torch", reset_after=True):
    """Trainable numbers in a (possibly stacked, bidirectional) layer."""
    _check(cell, convention, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
    G, H, directions = GATE_BLOCKS[cell], hidden_size, 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        D = input_size if layer == 0 else H * directions
        weights = G * (D * H + H * H)
        if not bias:
            biases = 0
        elif convention == "torch" or (convention == "keras" and cell == "gru" and reset_after):
            biases = 2 * G * H  # an input-side and a recurrent-side bias for every block
        elif convention == "keras":
            biases = G * H
        else:  # the notes' form: one bias per gate, plus the GRU candidate's b_Wh
            biases = G * H + (H if cell == "gru" else 0)
        total += directions * (weights + biases)
    return total


def step_cost(cell, input_size, hidden_size):
    """Work for one time step of one sequence: matmul multiply-adds and pointwise operations.

    Pointwise counts follow cells.py: every *, +, 1 - and bias addition on an H-vector is
    H operations; sigmoid and tanh are counted separately.
    """
    _check(cell, input_size=input_size, hidden_size=hidden_size)
    G, D, H = GATE_BLOCKS[cell], input_size, hidden_size
    pre_activation_sums = 2 * G  # x U + H W, then + b, for every block
    return {
        "matmul_macs": G * (D * H + H * H),
        "pointwise": (pre_activation_sums + COMBINE_OPS[cell]) * H,
        "sigmoids": {"rnn": 0, "gru": 2, "lstm": 3}[cell] * H,
        "tanhs": {"rnn": 1, "gru": 1, "lstm": 2}[cell] * H,
    }
