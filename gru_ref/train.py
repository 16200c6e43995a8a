"""Train one gru_ref recurrent layer and a linear readout on a memory task, in numpy.

    task = tasks.get("adding", length=20)
    run = train.train("gru", task, hidden_size=16, steps=300, seed=0)
    run.steps, run.losses, run.metrics  # the curve on a fixed evaluation batch
    run.model.predict(inputs)           # (T, B, task.output_size)
    run.model.trace(inputs[:, 0])       # every gate, step by step, one sequence
    # the forget gate's bias raised by 1:
    train.train("lstm", task, hidden_size=8, steps=300, keep_bias=1.0)

The optimiser is Adam with PyTorch's update rule and defaults, after clipping the gradients' global
norm as torch.nn.utils.clip_grad_norm_ does. Everything random (the initial weights, the training
batches) comes from one seed, so a run is the same numbers every time.

Float64 throughout. These models are so small that a step's time goes mostly on numpy's per-call
overhead: float64 made the layer's forward and backward only 1.2 to 1.5 times as slow as float32
(T = 50, B = 32, H about 20 to 40, one BLAS thread, measured when this was written). In exchange
the gradients agree with PyTorch and finite differences to rounding, and a stored learning curve can
be re-run and compared to a tight tolerance.
"""
import dataclasses
import time

import numpy as np

from . import cells, convert, counts, registry
from .checks import expect_shape, float_array, positive_int

DTYPE = np.float64
READOUT = ("readout.weight", "readout.bias")  # as an nn.Linear named `readout` would call them


# -- the model ------------------------------------------------------------------------------------


class Model:
    r"""One recurrent layer (gru_ref.RNN, GRU or LSTM) and a linear readout of its every output.

    $y_t = H_t V^\top + c$ with $V$ = readout.weight and $c$ = readout.bias, like torch.nn.Linear on
    the layer's output.
    Both parts start as PyTorch initialises them: uniform in ±1/sqrt(hidden_size). keep_bias is then
    added to the bias of the gate that keeps the state (the GRU's update gate, the LSTM's forget gate;
    gru_ref.convert.with_keep_bias): keep_bias=1.0 on an LSTM is Jozefowicz et al.'s (2015) forget-gate
    bias of 1. The RNN has no such gate and takes only 0.
    """

    def __init__(self, cell, input_size, hidden_size, output_size, seed=0, keep_bias=0.0):
        self.cell = registry.cell(cell).key
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)):
            positive_int(value, name)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        layer_seed, readout_seed, _ = _streams(seed)
        self.layer = registry.cell(cell).layer(input_size, hidden_size, seed=layer_seed, dtype=DTYPE)
        # PyTorch's names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0
        self.params = convert.with_keep_bias(self.cell, self.layer.state_dict(), keep_bias)
        self.keep_bias = float(keep_bias)
        bound = 1.0 / np.sqrt(hidden_size)
        rng = np.random.default_rng(readout_seed)
        self.params["readout.weight"] = rng.uniform(-bound, bound, (output_size, hidden_size))
        self.params["readout.bias"] = rng.uniform(-bound, bound, (output_size,))
        self._last_hidden = None

    @property
    def parameter_count(self):
        return sum(p.size for p in self.params.values())

    def state_dict(self):
        """Copies of every parameter, by PyTorch name (the readout's as `readout.weight`, `readout.bias`)."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state_dict):
        missing, extra = sorted(set(self.params) - set(state_dict)), sorted(set(state_dict) - set(self.params))
        if missing or extra:
            raise ValueError(f"state_dict: missing keys {missing}, unexpected keys {extra}")
        loaded = {}
        for name, value in self.params.items():
            array = float_array(np.asarray(state_dict[name], dtype=DTYPE), f"state_dict[{name!r}]")
            loaded[name] = expect_shape(array, f"state_dict[{name!r}]", value.shape)
        for name, value in loaded.items():  # in place: an optimiser holding self.params sees the new values
            self.params[name][...] = value

    def _recurrent(self):
        return {name: value for name, value in self.params.items() if name not in READOUT}

    def forward(self, inputs):
        """Outputs (T, B, output_size) for inputs (T, B, input_size); remembered for backward."""
        inputs = expect_shape(float_array(inputs, "inputs"), "inputs", (None, None, self.input_size))
        self.layer.load_state_dict(self._recurrent())  # the layer runs today's parameters
        hidden, _ = self.layer(inputs.astype(DTYPE, copy=False))  # (T, B, H)
        self._last_hidden = hidden
        return hidden @ self.params["readout.weight"].T + self.params["readout.bias"]

    predict = forward  # the same call, under the name a notebook reaches for

    def backward(self, d_outputs):
        """Gradients of sum(d_outputs * outputs) of the last forward call, by parameter name."""
        if self._last_hidden is None:
            raise ValueError("backward: call forward on an input first")
        hidden = self._last_hidden
        d_outputs = expect_shape(float_array(d_outputs, "d_outputs"), "d_outputs",
                                 hidden.shape[:2] + (self.output_size,))
        flat_d, flat_h = d_outputs.reshape(-1, self.output_size), hidden.reshape(-1, self.hidden_size)
        grads = self.layer.backward(d_outputs @ self.params["readout.weight"]).params
        grads["readout.weight"] = flat_d.T @ flat_h
        grads["readout.bias"] = flat_d.sum(axis=0)
        return {name: grads[name] for name in self.params}

    def trace(self, inputs):
        """Every intermediate of the cell (gates, candidate, state), step by step, for one sequence (T, D).

        A list of T traces (gru_ref.GRUStep etc.) from the teaching step functions of gru_ref.cells,
        run on the same weights as the layer.
        """
        inputs = expect_shape(float_array(inputs, "inputs"), "inputs", (None, self.input_size))
        entry = registry.cell(self.cell)
        weights = convert.from_torch(self.cell, self._recurrent())
        states = tuple(np.zeros(self.hidden_size, dtype=DTYPE) for _ in entry.states)
        return cells.run_sequence(entry.step, inputs.astype(DTYPE, copy=False), states, weights)


def _seed(seed, name="seed"):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {seed!r}")
    return int(seed)


def _streams(seed):
    """Three independent random streams from one seed: the layer's weights, the readout's, the training batches."""
    return np.random.SeedSequence(_seed(seed)).spawn(3)


def _positive_number(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return float(value)


def parameter_count(cell, input_size, hidden_size, output_size):
    """Trainable numbers of a Model: the layer in PyTorch's form (two biases per block) and the readout."""
    positive_int(output_size, "output_size")
    return counts.parameter_count(cell, input_size, hidden_size, convention="torch") + (hidden_size + 1) * output_size


def matched_hidden_sizes(input_size, budget, output_size=1, cells=("rnn", "gru", "lstm")):
    """For each cell, the largest hidden size whose Model has at most `budget` parameters.

    So each count is below the budget by less than what one more hidden unit would add.
    """
    budget = positive_int(budget, "budget")
    sizes = {}
    for cell in cells:
        if parameter_count(cell, input_size, 1, output_size) > budget:
            raise ValueError(f"budget: expected at least {parameter_count(cell, input_size, 1, output_size)} "
                             f"parameters (a {cell} with one hidden unit), got {budget}")
        hidden = 1
        while parameter_count(cell, input_size, hidden + 1, output_size) <= budget:
            hidden += 1
        sizes[cell] = hidden
    return sizes


# -- the optimiser --------------------------------------------------------------------------------


class Adam:
    r"""torch.optim.Adam's update with weight_decay=0 and amsgrad=False, on a dict of numpy arrays.

    At step $t$, for each parameter $p$ with gradient $g_t$, $\eta$ = lr, $\epsilon$ = eps and
    $(\beta_1, \beta_2)$ = betas:

    $$
    \begin{aligned}
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    p_t &= p_{t-1} - \frac{\eta}{1 - \beta_1^t} \cdot \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
    \end{aligned}
    $$
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        lr = _positive_number(lr, "lr")
        if not (len(betas) == 2 and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}")
        if not (isinstance(eps, (int, float)) and eps >= 0):
            raise ValueError(f"eps: expected a non-negative number, got {eps!r}")
        self.params, self.lr, self.betas, self.eps = params, lr, tuple(map(float, betas)), float(eps)
        self.t = 0
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads):
        """Update every parameter in place from its gradient."""
        if set(grads) != set(self.params):
            raise ValueError(f"grads: expected gradients of {sorted(self.params)}, got {sorted(grads)}")
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1 - beta1 ** self.t)
        correction2_sqrt = (1 - beta2 ** self.t) ** 0.5
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            m += (1 - beta1) * (g - m)  # torch's lerp_(g, 1 - β1)
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / correction2_sqrt + self.eps)


def clip_grad_norm(grads, max_norm):
    r"""Scale all gradients in place so that their global 2-norm is at most max_norm; returns the norm before.

    As torch.nn.utils.clip_grad_norm_: every gradient is multiplied by $\min(1, c / (\lVert g \rVert + 10^{-6}))$,
    with $c$ = max_norm and $\lVert g \rVert$ the 2-norm of all the gradients together.
    """
    max_norm = _positive_number(max_norm, "max_norm")
    total = float(np.linalg.norm([np.linalg.norm(g.ravel()) for g in grads.values()]))
    factor = min(max_norm / (total + 1e-6), 1.0)
    for g in grads.values():
        g *= factor
    return total


# -- training -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """A finished training run: the learning curve, and the trained model."""
    cell: str
    task: object
    hidden_size: int
    seed: int
    keep_bias: float  # added to the keeping gate's initial bias (Model's keep_bias)
    parameter_count: int
    model: Model
    initial: dict  # the model's parameters before training (its state_dict)
    steps: np.ndarray  # training steps at which the curve was measured, 0 (untrained) first
    losses: np.ndarray  # the task's loss on the evaluation batch at those steps
    metrics: np.ndarray  # the task's metric (MSE, accuracy) on the evaluation batch
    train_losses: np.ndarray  # the loss of the training batch of that step (nan at step 0)
    # the median wall time of a training step (batch, forward, backward, clip, Adam; no evaluation): the
    # median, so that a moment when another process has the core does not count
    seconds_per_step: float

    @property
    def solved(self):
        """Whether the final metric meets the task's threshold."""
        return self.task.solved(self.metrics[-1])

    @property
    def steps_to_threshold(self):
        """The first measured step at which the metric met the threshold, or None."""
        for step, metric in zip(self.steps, self.metrics):
            if self.task.solved(metric):
                return int(step)
        return None


def training_step(model, optimiser, task, batch, clip):
    """One step on one batch: forward, the task's loss, backward, clip the global norm, Adam. Returns the loss."""
    loss, d_outputs = task.loss_and_gradient(model.forward(batch.inputs), batch.targets)
    grads = model.backward(d_outputs)
    clip_grad_norm(grads, clip)
    optimiser.step(grads)
    return loss


def train(cell, task, hidden_size, steps, seed=0, *, keep_bias=0.0, batch_size=32, lr=0.01, clip=1.0,
          log_every=50, eval_batch_size=512, eval_seed=0):
    """Train Model(cell) on `task` for `steps` Adam steps; measure the loss every `log_every` steps.

    Initial weights and training batches come from `seed`; the evaluation batch, the same for every
    run on a task, from `eval_seed` (np.random.default_rng(eval_seed)). The keeping gate's bias starts
    raised by `keep_bias` (see Model: 1.0 for an LSTM with a forget-gate bias of 1).

    The learning rate defaults to 0.01, ten times Adam's own default: with 1e-3 a GRU needed several
    times as many steps on these tasks (measured: copy at length 20 still below 0.8 accuracy after
    3000 steps, solved by 1250 with 0.01).
    """
    registry.cell(cell)
    for name, value in (("hidden_size", hidden_size), ("steps", steps), ("batch_size", batch_size),
                        ("log_every", log_every), ("eval_batch_size", eval_batch_size)):
        positive_int(value, name)
    if not hasattr(task, "sample"):
        raise ValueError(f"task: expected a task from gru_ref.tasks.get(name, length=...), got {type(task).__name__}")
    seed, clip = _seed(seed), _positive_number(clip, "clip")
    model = Model(cell, task.input_size, hidden_size, task.output_size, seed=seed, keep_bias=keep_bias)
    initial = model.state_dict()
    optimiser = Adam(model.params, lr=lr)
    batches = np.random.default_rng(_streams(seed)[2])
    evaluation = task.sample(np.random.default_rng(_seed(eval_seed, "eval_seed")), eval_batch_size)

    def evaluate():
        outputs = model.forward(evaluation.inputs)
        return task.loss_and_gradient(outputs, evaluation.targets)[0], task.metric(outputs, evaluation.targets)

    curve = [(0, *evaluate(), np.nan)]
    seconds = np.empty(steps)
    for step in range(1, steps + 1):
        start = time.perf_counter()
        loss = training_step(model, optimiser, task, task.sample(batches, batch_size), clip)
        seconds[step - 1] = time.perf_counter() - start
        if step % log_every == 0 or step == steps:
            curve.append((step, *evaluate(), loss))
    columns = list(zip(*curve))
    return Run(cell=model.cell, task=task, hidden_size=hidden_size, seed=seed, keep_bias=model.keep_bias,
               parameter_count=model.parameter_count, model=model, initial=initial, steps=np.array(columns[0]),
               losses=np.array(columns[1]), metrics=np.array(columns[2]), train_losses=np.array(columns[3]),
               seconds_per_step=float(np.median(seconds)))
