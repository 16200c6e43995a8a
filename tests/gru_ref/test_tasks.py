"""gru_ref.tasks: the sequences are what each task says, the losses, gradients and metrics are right, a seed
gives the same batch, the baselines are what a model ignoring its input scores, bad arguments are named.

Expected values are worked out here with plain Python loops, math, or torch, never by gru_ref.
"""
import math

import numpy as np
import pytest

from gru_ref import tasks

T, B = 12, 5


def value_error(function, *fragments):
    with pytest.raises(ValueError) as info:
        function()
    message = str(info.value)
    assert all(f in message for f in fragments), f"message {message!r} lacks one of {fragments}"


def sample(name, seed=0, batch_size=B, **options):
    task = tasks.get(name, **{"length": T, **options})
    return task, task.sample(np.random.default_rng(seed), batch_size)


# ---------------------------------------------------------------- the adding problem


def test_adding_batch_shapes_and_channels():
    task, batch = sample("adding")
    assert (task.input_size, task.output_size) == (2, 1)
    assert batch.inputs.shape == (T, B, 2) and batch.inputs.dtype == np.float64
    assert batch.targets.shape == (B, 1)
    values, markers = batch.inputs[..., 0], batch.inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) == {0.0, 1.0}


def test_adding_targets_are_the_sum_of_the_two_marked_values_one_in_each_half():
    task, batch = sample("adding", batch_size=50)
    for b in range(50):
        marked = [t for t in range(T) if batch.inputs[t, b, 1] == 1.0]
        assert len(marked) == 2, f"sequence {b}: markers at {marked}"
        assert marked[0] < T // 2 <= marked[1]
        total = 0.0
        for t in marked:
            total += float(batch.inputs[t, b, 0])
        assert batch.targets[b, 0] == pytest.approx(total, abs=1e-15)


def test_adding_marker_positions_cover_both_halves():
    _, batch = sample("adding", batch_size=4000)
    first = {int(t) for t in np.argmax(batch.inputs[:, :, 1], axis=0)}
    last = {int(t) for t in T - 1 - np.argmax(batch.inputs[::-1, :, 1], axis=0)}
    assert first == set(range(T // 2)) and last == set(range(T // 2, T))


def test_adding_loss_gradient_and_metric():
    task, batch = sample("adding")
    rng = np.random.default_rng(1)
    outputs = rng.normal(size=(T, B, 1))
    loss, d_outputs = task.loss_and_gradient(outputs, batch.targets)
    expected = sum((outputs[-1, b, 0] - batch.targets[b, 0]) ** 2 for b in range(B)) / B
    assert loss == pytest.approx(expected, rel=1e-14)
    assert task.metric(outputs, batch.targets) == pytest.approx(expected, rel=1e-14)
    assert not d_outputs[:-1].any(), "only the last step's output is read"
    for b in range(B):
        assert d_outputs[-1, b, 0] == pytest.approx(2 * (outputs[-1, b, 0] - batch.targets[b, 0]) / B, rel=1e-14)
    np.testing.assert_array_equal(task.prediction(outputs), outputs[-1])


def test_adding_baseline_is_the_mse_of_always_predicting_one():
    task, batch = sample("adding", batch_size=200_000)
    assert task.baseline.loss == task.baseline.metric == pytest.approx(1 / 6, abs=1e-15)  # Var(U + V) = 2/12
    always_one = float(np.mean((batch.targets - 1.0) ** 2))
    # standard error of the mean of (U + V - 1)^2 over 200 000 draws: sqrt(Var / n), Var = 1/15 - 1/36 < 0.04
    assert always_one == pytest.approx(1 / 6, abs=5 * math.sqrt(0.04 / 200_000))
    assert task.threshold < task.baseline.metric / 10 and not task.higher_is_better
    assert task.solved(0.0099) and not task.solved(0.0101)


# ---------------------------------------------------------------- copy (delayed recall)


def test_copy_batch_shapes_and_layout():
    task, batch = sample("copy", symbols=5, recall=3)
    assert (task.input_size, task.output_size) == (6, 5)
    assert batch.inputs.shape == (T, B, 6) and batch.targets.shape == (B, 3)
    assert np.issubdtype(batch.targets.dtype, np.integer)
    assert task.recall_window == slice(T - 3, T)


def test_copy_inputs_show_the_targets_then_blanks_then_the_go_marker():
    symbols, recall = 4, 3
    task, batch = sample("copy", batch_size=40, symbols=symbols, recall=recall)
    for b in range(40):
        for t in range(T):
            row = [float(v) for v in batch.inputs[t, b]]
            if t < recall:  # the t-th symbol, one-hot
                assert sum(row) == 1.0 and row[symbols] == 0.0
                assert row.index(1.0) == batch.targets[b, t]
            elif t == T - recall:  # go
                assert row == [0.0] * symbols + [1.0]
            else:  # blank
                assert row == [0.0] * (symbols + 1), f"sequence {b} step {t}: {row}"


def test_copy_symbols_are_all_used():
    _, batch = sample("copy", batch_size=500, symbols=4)
    assert set(np.unique(batch.targets)) == {0, 1, 2, 3}


def plain_cross_entropy(outputs, targets, window):
    total, count = 0.0, 0
    for k, t in enumerate(window):
        for b in range(outputs.shape[1]):
            logits = [float(v) for v in outputs[t, b]]
            log_sum = math.log(sum(math.exp(v) for v in logits))
            total += log_sum - logits[targets[b, k]]
            count += 1
    return total / count


def test_copy_loss_and_metric():
    task, batch = sample("copy", symbols=4, recall=3)
    outputs = np.random.default_rng(2).normal(size=(T, B, 4)) * 3
    loss, _ = task.loss_and_gradient(outputs, batch.targets)
    assert loss == pytest.approx(plain_cross_entropy(outputs, batch.targets, range(T - 3, T)), rel=1e-13)
    right = sum(int(np.argmax(outputs[T - 3 + k, b])) == batch.targets[b, k] for b in range(B) for k in range(3))
    assert task.metric(outputs, batch.targets) == pytest.approx(right / (3 * B))


def test_copy_loss_and_gradient_match_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    task, batch = sample("copy", symbols=4, recall=3)
    outputs = np.random.default_rng(3).normal(size=(T, B, 4)) * 3
    loss, d_outputs = task.loss_and_gradient(outputs, batch.targets)
    logits = torch.tensor(outputs, dtype=torch.float64, requires_grad=True)
    window = logits[T - 3:].permute(1, 0, 2).reshape(-1, 4)  # (B * recall, symbols), sequence-major
    expected = torch.nn.functional.cross_entropy(window, torch.tensor(batch.targets.reshape(-1)))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-13)
    np.testing.assert_allclose(d_outputs, logits.grad.numpy(), rtol=0, atol=1e-15)


def test_copy_perfect_recall_scores_one_and_solves():
    task, batch = sample("copy", symbols=4, recall=3)
    outputs = np.zeros((T, B, 4))
    for b in range(B):
        for k in range(3):
            outputs[T - 3 + k, b, batch.targets[b, k]] = 20.0
    assert task.metric(outputs, batch.targets) == 1.0 and task.solved(1.0)
    assert task.loss_and_gradient(outputs, batch.targets)[0] < 1e-7


def test_copy_baseline_is_chance():
    task, batch = sample("copy", batch_size=20_000, symbols=4, recall=3)
    assert task.baseline.metric == 0.25 and task.baseline.loss == pytest.approx(math.log(4), rel=1e-15)
    equal_logits = np.zeros((T, 20_000, 4))
    assert task.loss_and_gradient(equal_logits, batch.targets)[0] == pytest.approx(math.log(4), rel=1e-14)
    always_zero = float(np.mean(batch.targets == 0))  # guessing one symbol: right a quarter of the time
    assert always_zero == pytest.approx(0.25, abs=5 * math.sqrt(0.25 * 0.75 / 60_000))
    assert task.higher_is_better and task.threshold > 0.9
    assert task.solved(0.99) and not task.solved(0.98)


# ---------------------------------------------------------------- both tasks


@pytest.mark.parametrize("name", ["adding", "copy"])
def test_a_seed_gives_the_same_batch_and_another_seed_another(name):
    _, first = sample(name, seed=7)
    _, again = sample(name, seed=7)
    _, other = sample(name, seed=8)
    np.testing.assert_array_equal(first.inputs, again.inputs)
    np.testing.assert_array_equal(first.targets, again.targets)
    assert not np.array_equal(first.inputs, other.inputs)


@pytest.mark.parametrize("name", ["adding", "copy"])
def test_config_makes_the_same_task(name):
    task = tasks.get(name, length=T)
    again = tasks.get(**task.config())
    assert again.config() == task.config() and repr(again) == repr(task)


def test_bad_arguments_name_the_argument_and_what_was_expected():
    value_error(lambda: tasks.get("parity", length=5), "task", "'adding'", "'copy'", "'parity'")
    value_error(lambda: tasks.get("adding", length=0), "length", "positive integer")
    value_error(lambda: tasks.get("adding", length=1), "length", "at least 2")
    value_error(lambda: tasks.get("adding", length=2.5), "length", "positive integer")
    value_error(lambda: tasks.get("copy", length=5, recall=3), "length", "at least 2 * recall = 6")
    value_error(lambda: tasks.get("copy", length=10, symbols=1), "symbols", "at least 2")
    value_error(lambda: tasks.get("copy", length=10, recall=0), "recall", "positive integer")
    task = tasks.get("copy", length=10)
    value_error(lambda: task.sample(0, 4), "rng", "numpy.random.Generator", "int")
    value_error(lambda: task.sample(np.random.default_rng(0), 0), "batch_size", "positive integer")
    batch = task.sample(np.random.default_rng(0), 4)
    value_error(lambda: task.loss_and_gradient(np.zeros((9, 4, 4)), batch.targets), "outputs", "(10, any, 4)")
    value_error(lambda: task.loss_and_gradient(np.zeros((10, 4, 4)), batch.targets[:2]), "targets", "(4, 3)")
    value_error(lambda: task.loss_and_gradient(np.zeros((10, 4, 4)), batch.targets * 1.0), "targets", "integer")
    value_error(lambda: task.loss_and_gradient(np.zeros((10, 4, 4)), batch.targets + 4), "targets", "0..3")
    value_error(lambda: task.metric(np.full((10, 4, 4), np.nan), batch.targets), "outputs", "finite")
    adding = tasks.get("adding", length=10)
    value_error(lambda: adding.loss_and_gradient(np.zeros((10, 4, 1)), np.zeros((4,))), "targets", "(4, 1)")
