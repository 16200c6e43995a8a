"""Classic memory tasks for recurrent networks, in numpy: the adding problem and copy (delayed recall).

A task makes batches of sequences from a np.random.Generator the caller passes in, and scores a
readout's outputs: one output vector per time step, of which the task reads only the steps that
matter (the last step of the adding problem, the recall window of copy).

    task = tasks.get("adding", length=50)
    # batch.inputs (T, B, D), batch.targets:
    batch = task.sample(np.random.default_rng(0), batch_size=32)
    # outputs (T, B, task.output_size):
    loss, d_outputs = task.loss_and_gradient(outputs, batch.targets)
    task.metric(outputs, batch.targets), task.solved(metric), task.baseline

`length` is always the whole sequence length T: the distance the memory has to bridge grows with it.
"""
import dataclasses

import numpy as np

from .checks import expect_shape, float_array, one_of, positive_int


@dataclasses.dataclass(frozen=True)
class Batch:
    """A task's sequences and what the model should answer for them."""
    inputs: np.ndarray  # (T, B, input_size), float64
    targets: np.ndarray  # adding: (B, 1) float64 sums; copy: (B, symbols_to_recall) int64 symbol indices


@dataclasses.dataclass(frozen=True)
class Baseline:
    """What a model that ignores its input scores: the bar a trained model has to clear."""
    description: str
    loss: float
    metric: float


class _Task:
    name = None
    metric_name = None
    higher_is_better = None  # of the metric
    threshold = None  # the metric at which the task counts as solved
    input_size = None
    output_size = None

    def solved(self, metric):
        """Whether a metric value meets the task's threshold."""
        return bool(metric >= self.threshold) if self.higher_is_better else bool(metric <= self.threshold)

    def _rng(self, rng):
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), "
                             f"got {type(rng).__name__}")
        return rng

    def _outputs(self, outputs, batch_size=None):
        outputs = float_array(outputs, "outputs")
        return expect_shape(outputs, "outputs", (self.length, batch_size, self.output_size))

    def config(self):
        """The task's name and options: tasks.get(**task.config()) makes the same task."""
        return {"name": self.name, "length": self.length, **self._options()}

    def _options(self):
        return {}

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self._options().items())
        return f"tasks.get({self.name!r}, length={self.length}{options})"


class AddingProblem(_Task):
    """The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015).

    Two input channels per step: a value drawn uniformly from [0, 1], and a marker that is 1 at
    exactly two steps and 0 elsewhere, one marked step in the first half of the sequence and one in
    the second half. After the last step the model outputs one number, the sum of the two marked
    values; the loss is the mean squared error of that output.

    Predicting 1.0 whatever the input (the mean of the sum) scores the variance of a sum of two
    independent U(0, 1) values, 2/12 = 1/6 ≈ 0.167. Remembering only the later marked value and
    guessing 0.5 for the other scores 1/12 ≈ 0.083. The task counts as solved at MSE <= 0.01, well
    below both: the model then uses both marked values (it explains 94 % of the target's variance),
    and 0.01 is still reachable for a small network in a few thousand steps.
    """
    name = "adding"
    metric_name = "mse"
    higher_is_better = False
    threshold = 0.01
    input_size = 2
    output_size = 1

    def __init__(self, length):
        self.length = positive_int(length, "length")
        if self.length < 2:
            raise ValueError(f"length: expected at least 2 steps (a marker in each half), got {length!r}")

    @property
    def baseline(self):
        return Baseline("always predict 1.0, the mean of the sum", 1 / 6, 1 / 6)

    def sample(self, rng, batch_size):
        rng, B, T = self._rng(rng), positive_int(batch_size, "batch_size"), self.length
        half = T // 2
        values = rng.uniform(0.0, 1.0, size=(T, B))
        first = rng.integers(0, half, size=B)  # a step in [0, T//2)
        second = rng.integers(half, T, size=B)  # a step in [T//2, T)
        markers = np.zeros((T, B))
        sequences = np.arange(B)
        markers[first, sequences] = 1.0
        markers[second, sequences] = 1.0
        inputs = np.stack([values, markers], axis=-1)  # (T, B, 2)
        targets = (values[first, sequences] + values[second, sequences])[:, None]  # (B, 1)
        return Batch(inputs, targets)

    def prediction(self, outputs):
        """The model's answer: its output after the last step, (B, 1)."""
        return self._outputs(outputs)[-1]

    def loss_and_gradient(self, outputs, targets):
        """Mean squared error over the batch, and its gradient w.r.t. every step's output."""
        outputs = self._outputs(outputs)
        targets = expect_shape(float_array(targets, "targets"), "targets", (outputs.shape[1], 1))
        error = outputs[-1] - targets  # (B, 1)
        d_outputs = np.zeros_like(outputs)
        d_outputs[-1] = 2.0 * error / error.shape[0]
        return float(np.mean(error ** 2)), d_outputs

    def metric(self, outputs, targets):
        """The mean squared error, the same number as the loss."""
        return self.loss_and_gradient(outputs, targets)[0]


class Copy(_Task):
    """Copy, or delayed recall: see a few symbols, wait, then reproduce them in order.

    Inputs have `symbols + 1` channels: a one-hot symbol out of `symbols`, and a go marker.
    The first `recall` steps each show a symbol drawn uniformly (with repetition); then come blank
    steps (all zeros); the go marker is on at step T - recall, the first of the last `recall` steps,
    the recall window. At the k-th step of the window the model's outputs are the logits of the k-th
    symbol it saw. So the delay between seeing a symbol and recalling it is T - recall steps.

    Loss: the mean cross-entropy over the recall window (the outputs at other steps are ignored).
    Metric: the fraction of recalled symbols that are right (the arg max of the logits), chance
    1/symbols. Solved at an accuracy of 0.99 or more: nearly every symbol of every sequence, which
    guessing, or remembering only some of the symbols, cannot reach.
    """
    name = "copy"
    metric_name = "accuracy"
    higher_is_better = True
    threshold = 0.99

    def __init__(self, length, symbols=4, recall=3):
        self.symbols = positive_int(symbols, "symbols")
        self.recall = positive_int(recall, "recall")
        self.length = positive_int(length, "length")
        if self.symbols < 2:
            raise ValueError(f"symbols: expected at least 2 symbols to choose from, got {symbols!r}")
        if self.length < 2 * self.recall:
            raise ValueError(f"length: expected at least 2 * recall = {2 * self.recall} steps (the symbols, "
                             f"then the recall window), got {length!r}")
        self.input_size = self.symbols + 1
        self.output_size = self.symbols

    def _options(self):
        return {"symbols": self.symbols, "recall": self.recall}

    @property
    def baseline(self):
        chance = 1 / self.symbols
        return Baseline("guess a symbol uniformly (equal logits)", float(np.log(self.symbols)), chance)

    @property
    def recall_window(self):
        """The steps at which the symbols are recalled: the last `recall` steps."""
        return slice(self.length - self.recall, self.length)

    def sample(self, rng, batch_size):
        rng, B, T = self._rng(rng), positive_int(batch_size, "batch_size"), self.length
        targets = rng.integers(0, self.symbols, size=(B, self.recall))  # (B, recall)
        inputs = np.zeros((T, B, self.input_size))
        steps, sequences = np.meshgrid(np.arange(self.recall), np.arange(B), indexing="ij")
        inputs[steps, sequences, targets.T] = 1.0  # the symbols, one per step
        inputs[T - self.recall, :, self.symbols] = 1.0  # the go marker
        return Batch(inputs, targets)

    def _targets(self, targets, batch_size):
        targets = np.asarray(targets)
        if not np.issubdtype(targets.dtype, np.integer):
            raise ValueError(f"targets: expected integer symbol indices, got dtype {targets.dtype}")
        expect_shape(targets, "targets", (batch_size, self.recall))
        if targets.min() < 0 or targets.max() >= self.symbols:
            raise ValueError(f"targets: expected symbols in 0..{self.symbols - 1}, "
                             f"got values from {targets.min()} to {targets.max()}")
        return targets

    def prediction(self, outputs):
        """The recalled symbols, (B, recall): the arg max of the logits in the recall window."""
        return self._outputs(outputs)[self.recall_window].argmax(axis=-1).T

    def loss_and_gradient(self, outputs, targets):
        """Mean cross-entropy over the recall window, and its gradient w.r.t. every step's output."""
        outputs = self._outputs(outputs)
        targets = self._targets(targets, outputs.shape[1])
        logits = outputs[self.recall_window]  # (recall, B, symbols)
        one_hot = np.eye(self.symbols)[targets.T]  # (recall, B, symbols)
        shifted = logits - logits.max(axis=-1, keepdims=True)  # for exp: the same softmax, no overflow
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        count = targets.size  # the loss is a mean over every recalled symbol of every sequence
        d_outputs = np.zeros_like(outputs)
        d_outputs[self.recall_window] = (np.exp(log_softmax) - one_hot) / count
        return float(-np.sum(one_hot * log_softmax) / count), d_outputs

    def metric(self, outputs, targets):
        """The fraction of recalled symbols that are right."""
        outputs = self._outputs(outputs)
        targets = self._targets(targets, outputs.shape[1])
        return float(np.mean(self.prediction(outputs) == targets))


TASKS = {"adding": AddingProblem, "copy": Copy}


def get(name, length, **options):
    """A task by name: "adding" (the adding problem) or "copy" (delayed recall; options symbols, recall)."""
    return TASKS[one_of(name, "task", tuple(TASKS))](length, **options)
