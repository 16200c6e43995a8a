"""PyTorch-compatible RNN, GRU and LSTM layers in numpy: same state_dict, shapes and results.

    m = GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, bidirectional=False)
    out, h_n = m(x, h0)            # LSTM: out, (h_n, c_n) = m(x, (h0, c0))
    g = m.backward(d_out, d_h_n)   # gradients of the last call: g.x, g.state, g.params
"""
import dataclasses

import numpy as np

from . import convert, registry
from .cells import NONLINEARITIES, RESET_PLACEMENTS
from .checks import expect_shape, float_array, one_of, positive_int, same_dtype
from .kernels import GRUKernel, LSTMKernel, RNNKernel


@dataclasses.dataclass
class Gradients:
    """What a layer's backward returns: gradients of the input, the initial state and every parameter."""
    x: np.ndarray
    state: object  # d h0, or (d h0, d c0) for the LSTM
    params: dict  # PyTorch parameter name -> gradient


class _Recurrent:
    cell = None  # "rnn", "gru" or "lstm": the registry entry this layer runs
    state_names = ("h0",)

    @property
    def gate_blocks(self):
        return len(registry.cell(self.cell).blocks)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, seed=0, dtype=np.float32):
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            positive_int(value, name)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.directions = ("", "_reverse") if bidirectional else ("",)
        self._shapes = self._parameter_shapes()
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(hidden_size)  # PyTorch's default initialisation
        self._params = {name: rng.uniform(-bound, bound, shape).astype(dtype) for name, shape in self._shapes.items()}
        self._by_dtype = {}
        self._last = None

    # -- parameters -----------------------------------------------------------------------
    def _parameter_shapes(self):
        G, H = self.gate_blocks * self.hidden_size, self.hidden_size
        shapes = {}
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else H * len(self.directions)
            for direction in self.directions:
                names = convert.torch_names(layer, direction)
                shapes[names["weight_ih"]] = (G, layer_input)
                shapes[names["weight_hh"]] = (G, H)
                if self.bias:
                    shapes[names["bias_ih"]] = (G,)
                    shapes[names["bias_hh"]] = (G,)
        return shapes

    def state_dict(self):
        """Copies of every parameter, by PyTorch name (weight_ih_l0, ..., bias_hh_l1_reverse)."""
        return {name: value.copy() for name, value in self._params.items()}

    def load_state_dict(self, state_dict):
        """Take every parameter from a PyTorch state_dict (tensors or arrays) with this layer's names and shapes."""
        missing = sorted(set(self._shapes) - set(state_dict))
        extra = sorted(set(state_dict) - set(self._shapes))
        if missing or extra:
            raise ValueError(f"state_dict: missing keys {missing}, unexpected keys {extra}")
        params = {}
        for name, shape in self._shapes.items():
            params[name] = expect_shape(float_array(_as_numpy(state_dict[name]), f"state_dict[{name!r}]"),
                                        f"state_dict[{name!r}]", shape)
        same_dtype(params, "state_dict")
        self._params = {name: value.copy() for name, value in params.items()}
        self._by_dtype = {}

    def load_keras_weights(self, arrays):
        """Weights of a single-layer, unidirectional Keras 3 layer, as layer.get_weights() returns them."""
        if self.num_layers != 1 or self.bidirectional:
            raise ValueError("load_keras_weights: only a single-layer, unidirectional layer maps to one Keras layer")
        has_bias = len(arrays) == 3
        if has_bias != self.bias:
            raise ValueError(f"arrays: this layer has bias={self.bias}, the Keras weights "
                             f"{'include' if has_bias else 'lack'} a bias")
        G, H, D = self.gate_blocks * self.hidden_size, self.hidden_size, self.input_size
        expected = [(D, G), (H, G)] + ([(2, G) if np.ndim(arrays[2]) == 2 else (G,)] if has_bias else [])
        for name, array, shape in zip(("kernel", "recurrent_kernel", "bias"), arrays, expected):
            expect_shape(float_array(_as_numpy(array), f"keras {name}"), f"keras {name}", shape)
        weights = convert.from_keras(self.cell, arrays, **self._keras_options(arrays))
        state = convert.to_torch(weights)
        self.load_state_dict({k: v for k, v in state.items() if k in self._shapes})

    def _keras_options(self, arrays):
        return {}

    def _layer_params(self, layer, direction, dtype):
        if dtype not in self._by_dtype:
            self._by_dtype[dtype] = {k: np.ascontiguousarray(v, dtype=dtype) for k, v in self._params.items()}
        params = self._by_dtype[dtype]
        names = convert.torch_names(layer, direction)
        return {key: params.get(name) for key, name in names.items()}

    # -- forward and backward -------------------------------------------------------------
    def _check_input(self, x, state):
        x = float_array(_as_numpy(x), "x")
        if x.ndim not in (2, 3):
            raise ValueError(f"x: expected shape (T, B, {self.input_size}) or unbatched (T, {self.input_size}), "
                             f"got {x.shape}")
        batched = x.ndim == 3
        batched_layout = ("B", "T") if self.batch_first else ("T", "B")
        expected = ("T", self.input_size) if x.ndim == 2 else (*batched_layout, self.input_size)
        if x.shape[-1] != self.input_size:  # checked before any reshaping, so the message shows what was passed
            raise ValueError(f"x: expected shape ({', '.join(map(str, expected))}), got {x.shape}")
        if 0 in x.shape[:-1]:
            raise ValueError(f"x: expected at least one time step and one sequence, got shape {x.shape}")
        if not batched:
            x = x[:, None, :]
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        B = x.shape[1]
        layers = self.num_layers * len(self.directions)
        if state is None:
            states = tuple(np.zeros((layers, B, self.hidden_size), dtype=x.dtype) for _ in self.state_names)
        else:
            state = (state,) if len(self.state_names) == 1 else state
            if not isinstance(state, tuple) or len(state) != len(self.state_names):
                raise ValueError(f"state: expected a tuple {self.state_names}, got {type(state).__name__}")
            shape = (layers, B, self.hidden_size) if batched else (layers, self.hidden_size)
            states = tuple(expect_shape(float_array(_as_numpy(s), n), n, shape)
                           for s, n in zip(state, self.state_names))
            same_dtype({"x": x, **dict(zip(self.state_names, states))}, type(self).__name__)
            if not batched:
                states = tuple(s[:, None, :] for s in states)
        # a copy: backward reads x from the cache, so the caller's array must not be kept there
        return np.array(x, order="C"), states, batched

    def __call__(self, x, state=None):
        """out, h_n = m(x, h0) (LSTM: out, (h_n, c_n) = m(x, (h0, c0))), as PyTorch's layer: x is (T, B, D),
        (B, T, D) with batch_first, or unbatched (T, D); a missing state is zeros."""
        x, states, batched = self._check_input(x, state)
        D = len(self.directions)
        layer_input, caches, finals = x, [], [[] for _ in self.state_names]
        for layer in range(self.num_layers):
            outputs = []
            for d, direction in enumerate(self.directions):
                index = layer * D + d
                p = self._layer_params(layer, direction, x.dtype)
                sequence = layer_input if d == 0 else layer_input[::-1]
                out, final, cache = self.kernel.forward(sequence, tuple(s[index] for s in states), p)
                outputs.append(out if d == 0 else out[::-1])
                caches.append(cache)
                for store, value in zip(finals, final):
                    store.append(value)
            layer_input = np.concatenate(outputs, axis=-1) if D == 2 else outputs[0]
        finals = tuple(np.stack(f) for f in finals)
        self._last = (caches, x.shape, batched, x.dtype)
        # a copy: the last layer's output is also what backward reads, and must not change under the caller
        return self._present(layer_input.copy(), finals, batched)

    def _present(self, out, finals, batched):
        if not batched:
            out, finals = out[:, 0], tuple(f[:, 0] for f in finals)
        elif self.batch_first:
            out = out.transpose(1, 0, 2)
        return out, (finals if len(finals) > 1 else finals[0])

    def backward(self, d_out=None, d_state=None):
        """Gradients of (d_out · out + d_state · final state) w.r.t. input, initial state and parameters."""
        if self._last is None:
            raise ValueError("backward: call the layer on an input first")
        caches, (T, B, _), batched, dtype = self._last
        H, D, layers = self.hidden_size, len(self.directions), self.num_layers * len(self.directions)
        out_shape = (T, B, D * H) if batched else (T, D * H)
        if batched and self.batch_first:
            out_shape = (B, T, D * H)
        state_shape = (layers, B, H) if batched else (layers, H)
        d_out = np.zeros(out_shape, dtype) if d_out is None else expect_shape(
            float_array(_as_numpy(d_out), "d_out"), "d_out", out_shape).astype(dtype, copy=False)
        if d_state is None:
            d_state = tuple(np.zeros(state_shape, dtype) for _ in self.state_names)
        else:
            d_state = (d_state,) if len(self.state_names) == 1 else tuple(d_state)
            names = ("d_h_n", "d_c_n")
            d_state = tuple(np.zeros(state_shape, dtype) if s is None else
                            expect_shape(float_array(_as_numpy(s), n), n, state_shape).astype(dtype, copy=False)
                            for s, n in zip(d_state, names))
        if not batched:
            d_out, d_state = d_out[:, None, :], tuple(s[:, None, :] for s in d_state)
        elif self.batch_first:
            d_out = d_out.transpose(1, 0, 2)
        d_init = [np.empty((layers, B, H), dtype) for _ in self.state_names]
        params = {}
        d_layer_out = d_out
        for layer in reversed(range(self.num_layers)):
            d_input = None
            for d, direction in enumerate(self.directions):
                index = layer * D + d
                d_seq = d_layer_out[..., d * H:(d + 1) * H]
                if d == 1:
                    d_seq = d_seq[::-1]
                dX, d_first, grads = self.kernel.backward(
                    np.ascontiguousarray(d_seq), tuple(s[index] for s in d_state), caches[index])
                dX = dX if d == 0 else dX[::-1]
                d_input = dX if d_input is None else d_input + dX
                for store, value in zip(d_init, d_first):
                    store[index] = value
                names = convert.torch_names(layer, direction)
                params.update({names[k]: v for k, v in grads.items()})
            d_layer_out = d_input
        d_x = d_layer_out
        if not batched:
            d_x, d_init = d_x[:, 0], [s[:, 0] for s in d_init]
        elif self.batch_first:
            d_x = d_x.transpose(1, 0, 2)
        state = tuple(d_init) if len(d_init) > 1 else d_init[0]
        return Gradients(np.ascontiguousarray(d_x), state, {k: params[k] for k in self._shapes})


def _as_numpy(value):
    """np.asarray for anything, including torch tensors that still require grad."""
    detach = getattr(value, "detach", None)
    return np.asarray(detach().cpu().numpy() if callable(detach) else value)


class RNN(_Recurrent):
    """torch.nn.RNN in numpy: the same arguments, state_dict, shapes and results, and a backward pass."""
    cell = "rnn"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, bidirectional=False, seed=0, dtype=np.float32):
        self.nonlinearity = one_of(nonlinearity, "nonlinearity", tuple(NONLINEARITIES))
        self.kernel = RNNKernel(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, seed, dtype)


class GRU(_Recurrent):
    """torch.nn.GRU in numpy; reset="before" gives the GRU of Cho et al. (2014), Keras's reset_after=False."""
    cell = "gru"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, reset="after", seed=0, dtype=np.float32):
        self.reset = one_of(reset, "reset", RESET_PLACEMENTS)
        self.kernel = GRUKernel(reset)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, seed, dtype)

    def _keras_options(self, arrays):
        reset_after = len(arrays) < 3 or np.ndim(arrays[2]) == 2
        if len(arrays) == 3 and reset_after != (self.reset == "after"):
            wanted = "after" if reset_after else "before"
            raise ValueError(f"arrays: this Keras GRU has reset_after={reset_after}; load it into "
                             f"gru_ref.GRU(..., reset={wanted!r}), not reset={self.reset!r}")
        return {"reset_after": reset_after}


class LSTM(_Recurrent):
    """torch.nn.LSTM in numpy (no proj_size): out, (h_n, c_n) = m(x, (h0, c0)), and a backward pass."""
    cell = "lstm"
    state_names = ("h0", "c0")
    kernel = LSTMKernel()
