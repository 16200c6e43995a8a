"""gru_ref.train against PyTorch: Adam's steps, gradient clipping, the model's gradients (layer and readout, with
each task's loss) and whole training steps; seeded determinism, matched budgets, that training learns, and
errors that name the bad argument.

Expected values come from torch (torch.optim.Adam, torch.nn.utils.clip_grad_norm_, nn.RNN/GRU/LSTM + nn.Linear
with autograd) or from formulas written out here, never from gru_ref. Everything is float64, so agreement is to
rounding (1e-12 relative) rather than to a float32 tolerance.
"""
import inspect

import numpy as np
import pytest

from gru_ref import tasks, train

CELLS = ["rnn", "gru", "lstm"]
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
TOL = 1e-12


def value_error(function, *fragments):
    with pytest.raises(ValueError) as info:
        function()
    message = str(info.value)
    assert all(f in message for f in fragments), f"message {message!r} lacks one of {fragments}"


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_model(torch, model):
    """nn.RNN/GRU/LSTM and nn.Linear in float64 holding the model's weights, by the same PyTorch names."""
    layer_class = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[model.cell]
    layer = layer_class(model.input_size, model.hidden_size, dtype=torch.float64)
    readout = torch.nn.Linear(model.hidden_size, model.output_size, dtype=torch.float64)
    state = model.state_dict()
    layer.load_state_dict({k: torch.tensor(v) for k, v in state.items() if not k.startswith("readout.")})
    readout.load_state_dict({"weight": torch.tensor(state["readout.weight"]),
                             "bias": torch.tensor(state["readout.bias"])})
    named = dict(layer.named_parameters())
    named.update({f"readout.{k}": v for k, v in readout.named_parameters()})
    return layer, readout, named


def torch_loss(torch, task, layer, readout, batch):
    """The task's loss written in torch: MSE of the last output (adding), cross-entropy over the recall window."""
    hidden, _ = layer(torch.tensor(batch.inputs))
    outputs = readout(hidden)
    if task.name == "adding":
        return ((outputs[-1] - torch.tensor(batch.targets)) ** 2).mean()
    window = outputs[task.length - task.recall:]  # (recall, B, symbols)
    logits = window.permute(1, 0, 2).reshape(-1, task.symbols)  # sequence by sequence, in recall order
    return torch.nn.functional.cross_entropy(logits, torch.tensor(batch.targets.reshape(-1)))


def close(got, expected, what, tol=TOL):
    got, expected = np.asarray(got), np.asarray(expected)
    scale = max(1.0, float(np.abs(expected).max()))
    error = float(np.abs(got - expected).max())
    assert error <= tol * scale, f"{what}: largest difference {error:.3e} (scale {scale:.3g})"


# ---------------------------------------------------------------- Adam and clipping


def test_adam_defaults_are_pytorchs(torch):
    defaults = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults
    ours = {k: v.default for k, v in inspect.signature(train.Adam).parameters.items() if k != "params"}
    assert ours == {"lr": defaults["lr"], "betas": tuple(defaults["betas"]), "eps": defaults["eps"]}
    assert defaults["weight_decay"] == 0 and defaults["amsgrad"] is False  # what train.Adam implements


@pytest.mark.parametrize("lr, betas, eps", [(1e-3, (0.9, 0.999), 1e-8), (0.05, (0.5, 0.9), 1e-3)])
def test_adam_steps_match_torch(torch, lr, betas, eps):
    rng = np.random.default_rng(0)
    shapes = {"w": (4, 3), "b": (4,), "v": (2, 2, 2)}
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ours = train.Adam(params, lr=lr, betas=betas, eps=eps)
    theirs = torch.optim.Adam(list(tensors.values()), lr=lr, betas=betas, eps=eps)
    for step in range(6):
        grads = {k: rng.normal(size=s) * 10.0 ** (step - 3) for k, s in shapes.items()}  # tiny to large
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        theirs.step()
        ours.step(grads)
        for k in shapes:
            close(params[k], tensors[k].detach().numpy(), f"step {step + 1}: {k}")


@pytest.mark.parametrize("max_norm", [0.5, 1.0, 1e3])  # the gradients' norm is about 6: clipped, clipped, not
def test_clipping_matches_torch(torch, max_norm):
    rng = np.random.default_rng(1)
    grads = {"a": rng.normal(size=(5, 3)), "b": rng.normal(size=(7,)), "c": rng.normal(size=(2, 2))}
    tensors = []
    for g in grads.values():
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g)
        tensors.append(t)
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    norm = train.clip_grad_norm(grads, max_norm)
    assert norm == pytest.approx(expected_norm.item(), rel=1e-14)
    for (name, g), t in zip(grads.items(), tensors):
        close(g, t.grad.numpy(), f"clipped {name}", tol=1e-15)
    if max_norm < 6:
        assert np.sqrt(sum(np.sum(g ** 2) for g in grads.values())) == pytest.approx(max_norm, rel=1e-6)


# ---------------------------------------------------------------- the model


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("task_name", ["adding", "copy"])
def test_model_loss_and_every_gradient_match_torch(torch, cell, task_name):
    task = tasks.get(task_name, length=7)
    model = train.Model(cell, task.input_size, 5, task.output_size, seed=3)
    batch = task.sample(np.random.default_rng(4), 6)
    loss, d_outputs = task.loss_and_gradient(model.forward(batch.inputs), batch.targets)
    grads = model.backward(d_outputs)
    layer, readout, named = torch_model(torch, model)
    expected = torch_loss(torch, task, layer, readout, batch)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-13)
    assert set(grads) == set(named)
    for name, parameter in named.items():
        close(grads[name], parameter.grad.numpy(), f"{cell} {task_name}: d loss / d {name}")


def test_model_gradient_matches_finite_differences():
    """The same check without torch: central differences of the task's loss along random directions."""
    task = tasks.get("copy", length=6, recall=2)
    model = train.Model("gru", task.input_size, 4, task.output_size, seed=5)
    batch = task.sample(np.random.default_rng(6), 3)
    model.forward(batch.inputs)
    grads = model.backward(task.loss_and_gradient(model.forward(batch.inputs), batch.targets)[1])
    start = model.state_dict()
    rng = np.random.default_rng(7)

    def loss_at(name, delta):
        model.load_state_dict({**start, name: start[name] + delta})
        return task.loss_and_gradient(model.forward(batch.inputs), batch.targets)[0]

    for name in start:
        v = rng.normal(size=start[name].shape)
        numeric = (loss_at(name, 1e-6 * v) - loss_at(name, -1e-6 * v)) / 2e-6
        exact = float(np.sum(grads[name] * v))
        assert numeric == pytest.approx(exact, rel=1e-6, abs=1e-9), name


def test_training_steps_match_torch(torch):
    """Three whole steps (forward, loss, backward, clip, Adam) on the same batches as in PyTorch."""
    task = tasks.get("adding", length=8)
    model = train.Model("lstm", task.input_size, 6, task.output_size, seed=8)
    layer, readout, named = torch_model(torch, model)
    optimiser = train.Adam(model.params, lr=0.05)
    theirs = torch.optim.Adam(list(named.values()), lr=0.05)
    rng = np.random.default_rng(9)
    for step in range(3):
        batch = task.sample(rng, 4)
        train.training_step(model, optimiser, task, batch, clip=0.1)  # 0.1: the clipping is active
        theirs.zero_grad()
        torch_loss(torch, task, layer, readout, batch).backward()
        torch.nn.utils.clip_grad_norm_(list(named.values()), 0.1)
        theirs.step()
        for name, parameter in named.items():
            close(model.params[name], parameter.detach().numpy(), f"step {step + 1}: {name}")


@pytest.mark.parametrize("cell", CELLS)
def test_parameter_count_matches_torch(torch, cell):
    model = train.Model(cell, 3, 7, 2, seed=0)
    layer, readout, _ = torch_model(torch, model)
    expected = sum(p.numel() for p in layer.parameters()) + sum(p.numel() for p in readout.parameters())
    assert model.parameter_count == expected == train.parameter_count(cell, 3, 7, 2)


@pytest.mark.parametrize("input_size, budget, output_size", [(2, 2000, 1), (5, 2000, 4), (1, 500, 1)])
def test_matched_hidden_sizes_are_the_largest_within_the_budget(input_size, budget, output_size):
    def count(cell, H):  # G blocks of (input and recurrent matrix, two biases), and the readout
        return GATE_BLOCKS[cell] * (H * input_size + H * H + 2 * H) + H * output_size + output_size

    sizes = train.matched_hidden_sizes(input_size, budget, output_size)
    assert set(sizes) == set(CELLS)
    for cell, H in sizes.items():
        assert count(cell, H) <= budget < count(cell, H + 1), cell
    assert sizes["rnn"] > sizes["gru"] > sizes["lstm"]


@pytest.mark.parametrize("cell", CELLS)
def test_trace_follows_the_layer(torch, cell):
    """The gate trace (the teaching step functions) on the trained weights gives the layer's states."""
    task = tasks.get("copy", length=8, recall=2)
    model = train.Model(cell, task.input_size, 4, task.output_size, seed=1)
    inputs = task.sample(np.random.default_rng(2), 1).inputs
    layer, _, _ = torch_model(torch, model)
    expected, _ = layer(torch.tensor(inputs))
    trace = model.trace(inputs[:, 0])
    assert len(trace) == 8
    close(np.stack([step.H for step in trace]), expected.detach().numpy()[:, 0], f"{cell} trace H")
    gates = {"rnn": [], "gru": ["u", "r"], "lstm": ["f", "i", "o"]}[cell]
    for gate in gates:
        values = np.stack([getattr(step, gate) for step in trace])
        assert values.shape == (8, 4) and ((values > 0) & (values < 1)).all()


# ---------------------------------------------------------------- training


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_keep_bias_raises_the_keeping_gate_s_initial_bias(cell):
    """PyTorch's initialisation, then keep_bias on bias_ih_l0's rows of the update gate (torch's GRU packs
    r, z, n) or the forget gate (LSTM: i, f, g, o): the second block of H rows in both."""
    H = 5
    plain = train.Model(cell, 2, H, 1, seed=3).state_dict()
    biased = train.Model(cell, 2, H, 1, seed=3, keep_bias=1.0)
    assert biased.keep_bias == 1.0
    expected = {k: v.copy() for k, v in plain.items()}
    expected["bias_ih_l0"][H:2 * H] += 1.0
    for name, value in biased.state_dict().items():
        np.testing.assert_array_equal(value, expected[name], err_msg=name)
    task = tasks.get("adding", length=5)
    run = train.train(cell, task, hidden_size=H, steps=3, seed=3, keep_bias=1.0, log_every=1)
    assert run.keep_bias == 1.0
    start = train.Model(cell, task.input_size, H, task.output_size, seed=3, keep_bias=1.0).state_dict()
    assert all(np.array_equal(run.initial[k], start[k]) for k in start)
    assert train.train(cell, task, hidden_size=H, steps=3, seed=3, log_every=1).keep_bias == 0.0


def test_training_is_deterministic_for_a_seed():
    task = tasks.get("copy", length=6, recall=2)
    first = train.train("gru", task, hidden_size=6, steps=40, seed=3, log_every=10)
    again = train.train("gru", task, hidden_size=6, steps=40, seed=3, log_every=10)
    other = train.train("gru", task, hidden_size=6, steps=40, seed=4, log_every=10)
    for field in ("steps", "losses", "metrics", "train_losses"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    for name, value in first.model.state_dict().items():
        np.testing.assert_array_equal(value, again.model.state_dict()[name])
    assert not np.array_equal(first.losses, other.losses)
    initial = train.Model("gru", task.input_size, 6, task.output_size, seed=3).state_dict()
    assert all(np.array_equal(initial[k], first.initial[k]) for k in initial)


def test_the_curve_is_logged_every_n_steps_and_at_the_end():
    run = train.train("rnn", tasks.get("adding", length=4), hidden_size=3, steps=25, seed=0, log_every=10)
    assert run.steps.tolist() == [0, 10, 20, 25]
    assert run.losses.shape == run.metrics.shape == run.train_losses.shape == (4,)
    assert np.isnan(run.train_losses[0]) and np.isfinite(run.train_losses[1:]).all()
    assert run.seconds_per_step > 0 and run.parameter_count == run.model.parameter_count


@pytest.mark.parametrize("cell", CELLS)
def test_training_beats_the_adding_baseline(cell):
    task = tasks.get("adding", length=6)
    run = train.train(cell, task, hidden_size=8, steps=600, seed=0, lr=0.01, eval_batch_size=256)
    assert run.losses[0] > task.baseline.loss / 2  # untrained, no better than predicting 1.0 by much
    assert run.losses[-1] < task.baseline.loss / 4, run.losses


def test_training_beats_chance_on_copy():
    task = tasks.get("copy", length=6, symbols=3, recall=2)
    run = train.train("gru", task, hidden_size=8, steps=300, seed=0, lr=0.01, eval_batch_size=256)
    assert run.losses[-1] < task.baseline.loss / 2, run.losses
    assert run.metrics[-1] > task.baseline.metric + 0.4, run.metrics
    assert run.solved == task.solved(run.metrics[-1])
    reached = run.steps_to_threshold
    assert reached is None or task.solved(run.metrics[list(run.steps).index(reached)])


# ---------------------------------------------------------------- errors


def test_bad_arguments_name_the_argument_and_what_was_expected():
    task = tasks.get("adding", length=5)
    value_error(lambda: train.train("transformer", task, hidden_size=4, steps=1), "cell", "'gru'", "'transformer'")
    value_error(lambda: train.train("gru", "adding", hidden_size=4, steps=1), "task", "tasks.get", "str")
    value_error(lambda: train.train("gru", task, hidden_size=0, steps=1), "hidden_size", "positive integer")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=2.5), "steps", "positive integer")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, seed=-1), "seed", "non-negative integer")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, seed=1.5), "seed", "non-negative integer")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, lr=0), "lr", "positive number")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, clip=-1.0), "clip", "positive number")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, batch_size=0), "batch_size", "positive")
    value_error(lambda: train.train("gru", task, hidden_size=4, steps=1, eval_seed=-2), "eval_seed", "non-negative")
    value_error(lambda: train.train("rnn", task, hidden_size=4, steps=1, keep_bias=1.0), "keep_bias",
                "the RNN has no gate that keeps its state", "expected 0")
    value_error(lambda: train.Model("lstm", 2, 3, 1, keep_bias=float("inf")), "keep_bias", "finite number")
    value_error(lambda: train.matched_hidden_sizes(2, 10), "budget", "at least", "got 10")
    value_error(lambda: train.Adam({}, betas=(0.9, 1.0)), "betas", "[0, 1)")
    value_error(lambda: train.clip_grad_norm({}, float("nan")), "max_norm", "positive number")
    model = train.Model("gru", 2, 3, 1)
    value_error(lambda: model.backward(np.zeros((5, 1, 1))), "backward", "forward")
    value_error(lambda: model.forward(np.zeros((5, 1, 3))), "inputs", "(any, any, 2)")
    value_error(lambda: model.load_state_dict({"readout.bias": np.zeros(1)}), "state_dict", "missing", "weight_ih_l0")
    value_error(lambda: model.load_state_dict({**model.state_dict(), "readout.bias": np.zeros(2)}),
                "state_dict['readout.bias']", "(1,)")
    model.forward(np.zeros((5, 1, 2)))
    value_error(lambda: model.backward(np.zeros((5, 1, 2))), "d_outputs", "(5, 1, 1)")
    value_error(lambda: model.trace(np.zeros((5, 1, 2))), "inputs", "(any, 2)")
    value_error(lambda: train.Adam(model.params).step({}), "grads", "weight_ih_l0")
