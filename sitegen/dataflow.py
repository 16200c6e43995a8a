"""The dataflow of a gru_ref step, read off the code by running it on symbolic values.

`trace_graph("gru")` calls the raw `gru_step` with a `Symbol` for x, H_prev and every weight.
Each arithmetic operation returns a new Symbol that remembers its operation and operands, so
after the call the trace's fields (a_u, u, ...) hold the whole computation. The diagrams are
wired from this graph, so a wire appears on the site exactly when the code computes that edge.
"""
import dataclasses
import inspect
import math

import numpy as np

from gru_ref import activations, registry
from gru_ref.checks import positive_int

UFUNC_SYMBOLS = {np.add: "+", np.subtract: "-", np.multiply: "*", np.matmul: "@"}
ACTIVATIONS = {"sigmoid": activations.sigmoid, "tanh": activations.tanh, "relu": activations.relu}
KINDS = {"+": "add", "-": "sub", "*": "mul", "@": "matmul"}


class Symbol:
    """A value known by how it was computed. `tape` lists every Symbol of one trace."""

    def __init__(self, name=None, shape=(), op=None, args=(), tape=None, macs=0):
        self.name, self.shape, self.op, self.args, self.macs = name, tuple(shape), op, args, macs
        self.tape = [] if tape is None else tape
        self.tape.append(self)

    def __add__(self, other): return apply("+", self, other)
    def __radd__(self, other): return apply("+", other, self)
    def __sub__(self, other): return apply("-", self, other)
    def __rsub__(self, other): return apply("-", other, self)
    def __mul__(self, other): return apply("*", self, other)
    def __rmul__(self, other): return apply("*", other, self)
    def __matmul__(self, other): return apply("@", self, other)
    def __rmatmul__(self, other): return apply("@", other, self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise TypeError(f"dataflow: cannot trace numpy.{ufunc.__name__}.{method} with {sorted(kwargs)}")
        return apply(UFUNC_SYMBOLS.get(ufunc, ufunc.__name__), *inputs)

    def __repr__(self):
        return formula(self)


def apply(op, *args):
    shapes = [a.shape if isinstance(a, Symbol) else np.shape(a) for a in args]
    if op == "@":
        shape = np.matmul(np.zeros(shapes[0]), np.zeros(shapes[1])).shape
        macs = math.prod(shape) * shapes[0][-1]  # one multiply-add per output entry and inner index
    else:
        shape, macs = np.broadcast_shapes(*shapes), 0
    tape = next(a.tape for a in args if isinstance(a, Symbol))
    return Symbol(None, shape, op, args, tape, macs)


def formula(value, expand=False):
    """Fully parenthesised text of a value down to the nearest named values, e.g. '(0.5 * a_u)'.

    expand=True writes out a named value's own computation instead of its name.
    """
    if not isinstance(value, Symbol):
        return repr(value)
    if value.name is not None and not (expand and value.op):
        return value.name
    if value.op in KINDS:
        return f"({formula(value.args[0])} {value.op} {formula(value.args[1])})"
    return f"{value.op}({', '.join(formula(a) for a in value.args)})"


@dataclasses.dataclass(frozen=True)
class Edge:
    """Direct dataflow src -> dst through unnamed intermediates.

    via: weights multiplied on the way (matmul operands); ops: the operations from src to dst,
    a constant operand written into the token ('1-' for 1 - value, '0.5*' for 0.5 * value).
    """
    src: str
    dst: str
    via: tuple = ()
    ops: tuple = ()


@dataclasses.dataclass(frozen=True)
class Graph:
    cell: str
    options: dict
    inputs: tuple  # step arguments before the weights: x, H_prev (, C_prev)
    outputs: tuple  # the next state: H (, C), named like the state inputs without "_prev"
    kinds: dict  # name -> "input" | activation name | "add" | "mul" | ... (inputs first, then trace order)
    edges: tuple
    values: dict  # name -> Symbol, for formulas
    macs: int  # matmul multiply-adds of one unbatched step

    def edges_into(self, name):
        return [e for e in self.edges if e.dst == name]

    def edges_from(self, name):
        return [e for e in self.edges if e.src == name]


def _token(value, path_arg):
    if value.op not in KINDS:
        return value.op
    constants = [repr(a) for a in value.args if not isinstance(a, Symbol)]
    if not constants:
        return value.op
    return constants[0] + value.op if value.args[0] is not path_arg else value.op + constants[0]


def _sources(value, weights, via=(), ops=()):
    """(named source, weights, ops from source to `value`) for every path into `value`."""
    for arg in value.args:
        if not isinstance(arg, Symbol) or arg.name in weights:
            continue
        step_via = via + tuple(a.name for a in value.args if value.op == "@" and a is not arg and
                               isinstance(a, Symbol) and a.name in weights)
        step_ops = (_token(value, arg),) + ops
        if arg.name is not None:
            yield arg.name, step_via, step_ops
        else:
            yield from _sources(arg, weights, step_via, step_ops)


def _kind(value, edges_in):
    if value.op is None:
        return "input"
    if len(edges_in) == 1:
        parent = edges_in[0].src
        for name, function in ACTIVATIONS.items():
            if formula(function(Symbol(parent, value.shape))) == formula(value, expand=True):
                return name
    return KINDS.get(value.op, value.op)


def trace_graph(cell, input_size=2, hidden_size=3, **options):
    """Run the raw step of `cell` ("rnn" | "gru" | "lstm") on Symbols; options go to the step."""
    entry = registry.cell(cell)
    D, H = positive_int(input_size, "input_size"), positive_int(hidden_size, "hidden_size")
    weights_class = entry.weights
    raw = entry.step.__wrapped__  # the step without its input checks, which would refuse symbols
    *inputs, _weights = [p.name for p in inspect.signature(raw).parameters.values() if p.default is p.empty]
    tape = []
    leaves = {name: Symbol(name, (D,) if k == 0 else (H,), tape=tape) for k, name in enumerate(inputs)}
    shapes = {"U": (D, H), "W": (H, H), "b": (H,)}
    weights = {f.name: Symbol(f.name, shapes[f.name[0]], tape=tape) for f in dataclasses.fields(weights_class)}
    trace = raw(*leaves.values(), weights_class(**weights), **options)

    values = dict(leaves)
    for field in dataclasses.fields(trace):
        value = getattr(trace, field.name)
        if not isinstance(value, Symbol) or value.name is not None:
            raise ValueError(f"{cell} trace field {field.name}: expected a newly computed value, got {value!r}")
        value.name = field.name
        values[field.name] = value

    merged = {}
    for name, value in values.items():
        for src, via, ops in _sources(value, weights):
            old = merged.get((src, name), Edge(src, name))
            merged[src, name] = Edge(src, name, tuple(dict.fromkeys(old.via + via)), old.ops or ops)
    edges = tuple(merged.values())
    kinds = {name: _kind(value, [e for e in edges if e.dst == name]) for name, value in values.items()}
    outputs = tuple(name.removesuffix("_prev") for name in inputs if name.endswith("_prev"))
    missing = [name for name in outputs if name not in values]
    if missing:
        raise ValueError(f"{cell} trace: expected fields {missing} for the next state")
    return Graph(cell, dict(options), tuple(inputs), outputs, kinds, edges, values, sum(s.macs for s in tape))


def traced_matmul_macs(cell, input_size, hidden_size, **options):
    """Multiply-adds of the matrix products one unbatched step of `cell` performs, as traced."""
    return trace_graph(cell, input_size, hidden_size, **options).macs
