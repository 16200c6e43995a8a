"""How the site writes each value of a step: the one notation table.

A trace field (and a step input) has TeX for equations and tables, a label for the SVG diagrams
(plain text with `_` for a subscript, as the diagram's text renderer takes it) and words for
its role. A gate's words come from gru_ref's registry, which says what each gate is; everything
the registry does not know (inputs, states, the products a step combines) is written here.

    >>> notation.of("gru", "H_tilde").tex
    '\\tilde{H}_t'
"""
import dataclasses

from gru_ref import registry


@dataclasses.dataclass(frozen=True)
class Notation:
    tex: str  # "u_t"
    label: str  # "u_t" for the SVG: `_` starts the subscript, {} groups it
    words: str  # "update gate"

    def titled(self):
        """Words then symbol, for plot titles and captions: 'update gate $u_t$'."""
        return f"{self.words} ${self.tex}$"


def _same(tex, words):
    """A value whose SVG label is its TeX (no accents, no operators)."""
    return Notation(tex, tex, words)


STATES = {
    "x": _same("x_t", "input"),
    "H_prev": _same("H_{t-1}", "previous hidden state"),
    "C_prev": _same("C_{t-1}", "previous cell state"),
    "H": _same("H_t", "new hidden state"),
    "C": _same("C_t", "new cell state"),
}
RESET_H = {
    "after": Notation(r"r_t \odot (H_{t-1} W_h + b_{Wh})", "r_t ⊙ (H_{t-1} W_h + b_{Wh})",
                      "reset gate applied to the recurrent candidate term"),
    "before": Notation(r"r_t \odot H_{t-1}", "r_t ⊙ H_{t-1}", "reset gate applied to the previous state"),
}
COMBINED = {  # cell -> field -> notation of the products and sums after the gate blocks
    "rnn": {},
    "gru": {
        "keep": Notation(r"u_t \odot H_{t-1}", "u_t ⊙ H_{t-1}", "part of the previous state kept"),
        "write": Notation(r"(1 - u_t) \odot \tilde{H}_t", "(1 − u_t) ⊙ H̃_t", "part of the candidate written"),
    },
    "lstm": {
        "keep": Notation(r"f_t \odot C_{t-1}", "f_t ⊙ C_{t-1}", "part of the previous cell kept"),
        "write": Notation(r"i_t \odot \tilde{C}_t", "i_t ⊙ C̃_t", "part of the candidate written"),
        "tanh_C": Notation(r"\tanh(C_t)", "tanh(C_t)", "squashed cell state"),
    },
}
SYMBOLS = {  # a block's output field -> (TeX, SVG label) where they differ from plain `letter_t`
    "H_tilde": (r"\tilde{H}_t", "H̃_t"),
    "C_tilde": (r"\tilde{C}_t", "C̃_t"),
}


def _block_notations(block):
    """The notation of a gate block's pre-activation and output, from its registry entry."""
    if block.output in STATES:  # the RNN's single block computes the new state itself
        return {block.pre_activation: _same("a_t", "pre-activation"), block.output: STATES[block.output]}
    tex, label = SYMBOLS.get(block.output, (f"{block.output}_t",) * 2)
    return {block.pre_activation: _same(f"a_{{{block.key},t}}", f"pre-activation of the {block.name}"),
            block.output: Notation(tex, label, block.name)}


def table(cell, reset="after"):
    """Every field of `cell`'s step (inputs and trace) -> Notation, in the order the step computes them."""
    entry = registry.cell(cell)
    names = {}
    for block in entry.blocks:
        names.update(_block_notations(block))
    names.update(COMBINED[entry.key])
    if entry.key == "gru":
        names["reset_H"] = RESET_H[reset]
    names.update({k: v for k, v in STATES.items() if k not in names})
    fields = ["x", *(f"{s}_prev" for s in entry.states), *(f.name for f in dataclasses.fields(entry.trace))]
    missing = [f for f in fields if f not in names]
    if missing:
        raise ValueError(f"notation: no entry for {cell} field(s) {missing}; add them to sitegen/notation.py")
    return {f: names[f] for f in fields}


def of(cell, field, reset="after"):
    """The notation of one field of `cell`'s step, or a ValueError naming the fields there are."""
    entries = table(cell, reset)
    if field not in entries:
        raise ValueError(f"notation of {cell}: expected one of {list(entries)}, got {field!r}")
    return entries[field]
