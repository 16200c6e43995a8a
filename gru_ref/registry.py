"""The one place that says what each cell is.

A cell's step function, weights, trace and layer classes, its gate blocks (in the notes' order and
in the order PyTorch and Keras pack them), the gates' names and what they decide, its state and its
options. The converters, the counts, the layers and everything the site generates (tables,
diagrams, worked examples, quizzes, the explorable) look these facts up here.

    >>> gru = registry.cell("gru")
    >>> gru.block("u").name, gru.torch_order
    ('update gate', ('r', 'u', 'h'))
"""
import dataclasses
import importlib

from . import cells
from .checks import one_of


@dataclasses.dataclass(frozen=True)
class Block:
    """A gate block: U_key, W_key and b_key in the notes; one block of rows in PyTorch's packed weights."""
    key: str  # suffix of its weights: U_u, W_u, b_u -> "u"; the RNN's single block has none: ""
    pre_activation: str  # trace field of x U + H W + b: "a_u"
    output: str  # trace field of the activated value: "u", "H_tilde"
    activation: str  # "sigmoid" | "tanh" (the RNN's follows its nonlinearity option)
    name: str  # "update gate"
    decides: str  # what its value decides, in words
    torch: str  # the block's letter in PyTorch's documentation
    keras: str  # and in Keras's source

    def weight_names(self):
        """The field names of this block's input matrix, recurrent matrix and bias: U_u, W_u, b_u."""
        return tuple(f"{kind}_{self.key}" if self.key else kind for kind in ("U", "W", "b"))


@dataclasses.dataclass(frozen=True)
class Cell:
    """Everything the project knows about one cell; look an entry up with cell("gru")."""
    key: str  # "rnn" | "gru" | "lstm"
    title: str  # "GRU"
    step: object  # gru_ref.cells.gru_step
    weights: type  # gru_ref.cells.GRUWeights
    trace: type  # gru_ref.cells.GRUStep
    layer_name: str  # the class in gru_ref.layers
    blocks: tuple  # Block, in the notes' order
    torch_order: tuple  # block keys in PyTorch's packed weight_ih / weight_hh / biases
    keras_order: tuple  # block keys in Keras's kernel / recurrent_kernel / bias
    options: dict  # step option -> allowed values, the default first
    keep_gate: str = ""  # the block whose gate decides how much of the old state is kept; the RNN has none

    @property
    def layer(self):
        # Looked up on use: gru_ref.layers itself reads its gate blocks from this registry.
        return getattr(importlib.import_module("gru_ref.layers"), self.layer_name)

    @property
    def states(self):
        """Trace fields that carry over to the next step: ("H",), or ("H", "C") for the LSTM."""
        return self.trace.STATE

    @property
    def gates(self):
        """The blocks whose value multiplies something (sigmoid activations), in the notes' order."""
        return tuple(b for b in self.blocks if b.activation == "sigmoid")

    def block(self, key):
        for block in self.blocks:
            if block.key == key:
                return block
        raise ValueError(f"{self.key} block: expected one of {[b.key for b in self.blocks]}, got {key!r}")

    def packed_blocks(self, library, hidden_size):
        """Block key -> the slice of its rows (PyTorch) or columns (Keras) in the packed arrays."""
        order = {"torch": self.torch_order, "keras": self.keras_order}[one_of(library, "library", ("torch", "keras"))]
        H = hidden_size
        return {key: slice(k * H, (k + 1) * H) for k, key in enumerate(order)}


CELLS = {
    "rnn": Cell(
        key="rnn", title="RNN", step=cells.rnn_step, weights=cells.RNNWeights, trace=cells.RNNStep,
        layer_name="RNN",
        blocks=(Block("", "a", "H", "tanh", "new hidden state", "the whole new state, from x_t and H_{t-1}",
                      torch="", keras=""),),
        torch_order=("",), keras_order=("",),
        options={"nonlinearity": tuple(cells.NONLINEARITIES)}),
    "gru": Cell(
        key="gru", title="GRU", step=cells.gru_step, weights=cells.GRUWeights, trace=cells.GRUStep,
        layer_name="GRU",
        blocks=(Block("u", "a_u", "u", "sigmoid", "update gate", "how much of H_{t-1} is kept", "z", "z"),
                Block("r", "a_r", "r", "sigmoid", "reset gate", "how much of H_{t-1} the candidate may use", "r", "r"),
                Block("h", "a_h", "H_tilde", "tanh", "candidate state", "the new content offered for H_t", "n", "h")),
        torch_order=("r", "u", "h"), keras_order=("u", "r", "h"),
        options={"reset": cells.RESET_PLACEMENTS}, keep_gate="u"),
    "lstm": Cell(
        key="lstm", title="LSTM", step=cells.lstm_step, weights=cells.LSTMWeights, trace=cells.LSTMStep,
        layer_name="LSTM",
        blocks=(Block("f", "a_f", "f", "sigmoid", "forget gate", "how much of C_{t-1} is kept", "f", "f"),
                Block("i", "a_i", "i", "sigmoid", "input gate", "how much of the candidate is written", "i", "i"),
                Block("c", "a_c", "C_tilde", "tanh", "candidate cell content", "the new content offered for C_t",
                      "g", "c"),
                Block("o", "a_o", "o", "sigmoid", "output gate", "how much of the cell is shown as H_t", "o", "o")),
        torch_order=("i", "f", "c", "o"), keras_order=("i", "f", "c", "o"),
        options={}, keep_gate="f"),
}


def cell(key):
    """The registry entry of "rnn", "gru" or "lstm", or a ValueError naming what was expected."""
    return CELLS[one_of(key, "cell", tuple(CELLS))]


def cell_of(weights):
    """The registry entry whose weights class `weights` is an instance of."""
    for entry in CELLS.values():
        if isinstance(weights, entry.weights):
            return entry
    names = ", ".join(entry.weights.__name__ for entry in CELLS.values())
    raise ValueError(f"weights: expected one of {names}, got {type(weights).__name__}")
