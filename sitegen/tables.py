"""Tables computed from gru_ref: cost per step, and where each gate sits in packed weights."""

import numpy as np

from gru_ref import convert, counts, registry

from . import notation
from .inline import inline_html


def html_table(header, rows, caption=""):
    numeric = [all(str(row[i]).replace(",", "").replace(".", "", 1).isdigit() for row in rows)
               for i in range(len(header))]
    align = ['' if not n else ' class="gr-num"' for n in numeric]
    head = "".join(f"<th{a}>{inline_html(h)}</th>" for h, a in zip(header, align))
    body = "".join("<tr>" + "".join(f"<td{a}>{inline_html(c)}</td>" for c, a in zip(row, align)) + "</tr>"
                   for row in rows)
    caption = f"<caption>{inline_html(caption)}</caption>" if caption else ""
    return (f'<div class="gr-scroll"><table class="gr-table">{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></div>')


def cost_table(input_size=128, hidden_size=128):
    """Two narrow tables (they also fit a printed page): what each cell stores, and what one step costs."""
    sizes = f"input size $d = {input_size}$, hidden size $n = {hidden_size}$"
    stored, work = [], []
    for cell, entry in registry.CELLS.items():
        cost = counts.step_cost(cell, input_size, hidden_size)
        params = [counts.parameter_count(cell, input_size, hidden_size, convention=c) for c in counts.CONVENTIONS]
        state = " and ".join(f"${notation.STATES[s].tex}$" for s in entry.states)
        stored.append([entry.title, len(entry.gates), state, *(f"{p:,}" for p in params)])
        work.append([entry.title, *(f"{cost[k]:,}" for k in ("matmul_macs", "pointwise", "sigmoids", "tanhs"))])
    gru, lstm = (counts.step_cost(c, input_size, hidden_size)["matmul_macs"] for c in ("gru", "lstm"))
    return (html_table(["Cell", "Gates", "State", "Parameters (notes)", "Parameters (PyTorch)", "Parameters (Keras)"],
                       stored, f"Parameters, {sizes}")
            + html_table(["Cell", "Matmul multiply-adds", "Pointwise operations", "σ", "tanh"], work,
                         f"Work per time step and sequence, {sizes}. "
                         f"The GRU does {gru / lstm:.0%} of the LSTM's multiply-adds. A pointwise operation is "
                         f"one entry of an addition, a product or a $1 - u_t$ on vectors of $n$ entries (bias "
                         f"additions included); the σ and tanh columns count the activations."))


class Label(str):
    """A weight's name that adds like a number, so sums made by the converters stay readable."""

    def __add__(self, other):
        return self if isinstance(other, (int, float)) and other == 0 else Label(f"{self} + {other}")

    def __radd__(self, other):
        return self if isinstance(other, (int, float)) and other == 0 else Label(f"{other} + {self}")


def _labelled(cls):
    """Weights whose entries are their own names, so the converters show where each one goes."""
    def label(name):
        return np.array([Label(name)] if name[0] == "b" else [[Label(name)]], dtype=object)
    return cls(**{name: label(name) for name in cls.__dataclass_fields__})


def _tex(value, transposed=False):
    if not isinstance(value, Label):
        return "0"
    terms = []
    for term in value.split(" + "):
        kind, _, gate = term.partition("_")
        terms.append((f"{kind}_{{{gate}}}" if gate else kind) + (r"^\top" if transposed else ""))
    return "$" + " + ".join(terms) + "$"


def _blocks(array, transposed=False):
    return "; ".join(_tex(v, transposed) for v in np.ravel(array))


def gate_order_table(cell):
    """PyTorch's and Keras's packed arrays, block by block, as gru_ref.convert fills them."""
    entry = registry.cell(cell)
    weights = _labelled(entry.weights)
    rows = [[f"PyTorch `{name}`", _blocks(value, transposed=value.ndim == 2), "rows" if value.ndim == 2 else "entries"]
            for name, value in convert.to_torch(weights).items()]
    kernel, recurrent, bias = convert.to_keras(weights)
    rows += [["Keras `kernel`", _blocks(kernel), "columns"],
             ["Keras `recurrent_kernel`", _blocks(recurrent), "columns"]]
    if bias.ndim == 2:  # GRU with reset_after=True: an input row and a recurrent row
        rows += [["Keras `bias[0]` (input)", _blocks(bias[0]), "entries"],
                 ["Keras `bias[1]` (recurrent)", _blocks(bias[1]), "entries"]]
        folded = convert.to_keras(weights, reset_after=False)[2]
        rows.append(["Keras `bias` with `reset_after=False`", _blocks(folded), "entries"])
    else:
        rows.append(["Keras `bias`", _blocks(bias), "entries"])
    caption = f"Where gru_ref.convert puts each of the {entry.title}'s per-gate weights"
    return html_table(["Array", "Blocks, in order", "Blocks stacked as"], rows, caption)


# How each source writes the GRU. Library rows are completed from gru_ref (gate order, biases,
# reset placement), which the oracle tests check against PyTorch and Keras themselves.
GRU_SOURCES = [
    {"source": "These notes", "vectors": "row", "weights": "$x_t U_u$, $H_{t-1} W_u$", "update": "$u_t$",
     "candidate": r"$\tilde{H}_t$", "reset": "both (default: after)",
     "new_state": r"$u_t \odot H_{t-1} + (1 - u_t) \odot \tilde{H}_t$", "biases": "1 per gate, + $b_{Wh}$"},
    {"source": "Dive into Deep Learning", "vectors": "row", "weights": "$X_t W_{xz}$, $H_{t-1} W_{hz}$",
     "update": "$Z_t$", "candidate": r"$\tilde{H}_t$", "reset": "before",
     "new_state": r"$Z_t \odot H_{t-1} + (1 - Z_t) \odot \tilde{H}_t$", "biases": "1 per gate"},
    {"source": "PyTorch `nn.GRU`", "library": ("torch", "after"), "vectors": "column",
     "weights": "$W_{iz} x$, $W_{hz} h$", "update": "$z_t$", "candidate": "$n_t$",
     "new_state": r"$(1 - z_t) \odot n_t + z_t \odot h_{t-1}$"},
    {"source": "Keras `GRU` (`reset_after=True`)", "library": ("keras", "after"), "vectors": "row",
     "weights": "$x K_z$, $h R_z$", "update": "$z$", "candidate": r"$\tilde{h}$",
     "new_state": r"$z \odot h + (1 - z) \odot \tilde{h}$"},
    {"source": "Keras `GRU` (`reset_after=False`)", "library": ("keras", "before"), "vectors": "row",
     "weights": "$x K_z$, $h R_z$", "update": "$z$", "candidate": r"$\tilde{h}$",
     "new_state": r"$z \odot h + (1 - z) \odot \tilde{h}$"},
    {"source": "Cho et al. (2014)", "vectors": "column", "weights": "$W_z x$, $U_z h_{t-1}$", "update": "$z$",
     "candidate": r"$\tilde{h}$", "reset": "before",
     "new_state": r"$z \odot h_{t-1} + (1 - z) \odot \tilde{h}$", "biases": "not written"},
    {"source": "Chung et al. (2014)", "vectors": "column", "weights": "$W_z x_t$, $U_z h_{t-1}$", "update": "$z_t$",
     "candidate": r"$\tilde{h}_t$", "reset": "before",
     "new_state": r"$(1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$", "biases": "not written"},
    {"source": "Olah, Understanding LSTM Networks", "vectors": "column",
     "weights": "$W_z \\cdot [h_{t-1}, x_t]$", "update": "$z_t$", "candidate": r"$\tilde{h}_t$", "reset": "before",
     "new_state": r"$(1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$", "biases": "not written"},
]


def _library_columns(library, reset):
    gru = registry.cell("gru")
    order = {"torch": gru.torch_order, "keras": gru.keras_order}[library]
    params = counts.parameter_count("gru", 1, 1, convention=library, reset_after=reset == "after")
    weights = counts.parameter_count("gru", 1, 1, convention=library, bias=False)
    return {"reset": reset, "biases": f"{(params - weights) // 3} per gate",
            "order": ", ".join(getattr(gru.block(key), library) for key in order)}


def conventions_table():
    """Two tables with one row per source: how it writes the GRU, and what its GRU computes and stores.
    (One table of all nine columns is twice as wide as a page.)"""
    rows = [dict(source, **(_library_columns(*source["library"]) if "library" in source else {}))
            for source in GRU_SOURCES]
    written = html_table(["Source", "Vectors", "Input, recurrent term", "Update gate", "Candidate"],
                         [[r["source"], r["vectors"], r["weights"], r["update"], r["candidate"]] for r in rows],
                         "How each source writes the GRU")
    computed = html_table(["Source", "New state", "Reset acts", "Biases", "Packed order"],
                          [[r["source"], r["new_state"], r["reset"], r["biases"], r.get("order", "")] for r in rows],
                          "What each source's GRU computes and stores. A state update of the form "
                          "$(1 - z) \\odot h_{t-1} + z \\odot \\tilde{h}$ is the same model with $z$ renamed $1 - z$.")
    return written + computed


def table_html(table, cell="gru"):
    if table == "quiz-mutations":  # stored by `python -m quiz.mutations --write`, read here
        from quiz.mutations import matrix_html
        return matrix_html()
    return {"cost": cost_table, "conventions": conventions_table}.get(table, lambda: gate_order_table(cell))()
