"""evidence/results/training.json: made by today's code and configuration, complete, and reproducible.

No __init__.py in this folder on purpose: with one, pytest would import this file as evidence.test_training
and shadow the real evidence package.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evidence import provenance, training
from gru_ref import tasks, train

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stored():
    return provenance.read(training.NAME)


def test_the_stored_results_are_not_stale(stored):
    problem = training.staleness()
    assert problem is None, problem  # "stale: run python -m evidence.training --write ..."
    assert stored["provenance"]["code"] == sorted(training.CODE)
    assert stored["config"] == json.loads(json.dumps(training.config()))


def test_the_digest_covers_every_gru_ref_module_training_runs():
    probe = ("import sys, json, evidence.training; "
             "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() "
             "if n.split('.')[0] in ('gru_ref', 'evidence') and getattr(m, '__file__', None))))")
    files = json.loads(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                                      check=True).stdout)
    used = {str(Path(f).resolve().relative_to(ROOT)) for f in files}
    used -= {"evidence/__init__.py", "evidence/provenance.py"}  # they store results; they do not make them
    assert used <= set(training.CODE), sorted(used - set(training.CODE))


@pytest.mark.parametrize("model", [training.REPRODUCE["model"], "lstm-forget-bias-1"])
def test_a_stored_run_reproduces(stored, model):
    """Re-run the first steps of one stored run (REPRODUCE: the GRU on adding, T=10; and the LSTM with a
    forget-gate bias of 1 on the same task and seed, so that its keep bias is re-applied) and compare its curve.

    Tolerance 1e-8 relative. On the same machine the numbers are the same bits (float64, fixed seeds, and
    the same results with 1 or 2 BLAS threads). Another CPU or BLAS build may round a matrix product
    differently, and training amplifies such a difference: a relative change of 1e-15 in the initial
    weights moved these 200-step curves by at most 2e-12 when measured, while later in a long run it
    can grow to the size of the loss itself (chaotic training: measured on copy, T=20, from 1e-15 to
    1e-2 by step 550). So only a short prefix is compared, and 1e-8 leaves four orders of magnitude for
    rounding while any real change (the initial weights, a batch, the update rule) moves the loss at
    step 50 by far more.
    """
    spec = dict(training.REPRODUCE, model=model)
    run = [r for r in stored["runs"] if all(r[k] == spec[k] for k in ("model", "task", "length", "seed"))]
    assert len(run) == 1, f"no stored run for {spec}"
    record, _, _ = training.run_one(spec["model"], spec["task"], spec["length"], spec["seed"], steps=spec["steps"])
    n = len(record["curve"]["step"])
    stored_curve = {key: values[:n] for key, values in run[0]["curve"].items()}
    assert record["curve"]["step"] == stored_curve["step"]
    for key in ("loss", "metric"):
        got = np.array(record["curve"][key], dtype=float)
        expected = np.array(stored_curve[key], dtype=float)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=0, err_msg=key)
    assert record["wall_seconds"] < 5, "REPRODUCE should stay a cheap run"


def test_the_models_are_the_three_cells_and_the_lstm_with_a_forget_gate_bias_of_1(stored):
    models = stored["config"]["models"]
    assert models == {"rnn": {"cell": "rnn", "keep_bias": 0}, "gru": {"cell": "gru", "keep_bias": 0},
                      "lstm": {"cell": "lstm", "keep_bias": 0},
                      "lstm-forget-bias-1": {"cell": "lstm", "keep_bias": 1}}
    assert list(training.MODELS) == ["rnn", "gru", "lstm", "lstm-forget-bias-1"]  # the order of the tables
    assert "cells" not in stored["config"]
    for task, sizes in stored["config"]["hidden_sizes"].items():
        assert set(sizes) == set(models), task
        assert sizes["lstm-forget-bias-1"] == sizes["lstm"], task  # the bias changes no parameter count


def test_every_configured_run_is_stored_once_and_complete(stored):
    config = stored["config"]
    expected = {(m, t, n, s) for t in config["tasks"] for n in config["tasks"][t]["lengths"]
                for m in config["models"] for s in config["seeds"]}
    keys = [(r["model"], r["task"], r["length"], r["seed"]) for r in stored["runs"]]
    assert len(keys) == len(set(keys)) and set(keys) == expected
    assert len(keys) == len(config["models"]) * sum(len(t["lengths"]) for t in config["tasks"].values()) \
        * len(config["seeds"])
    steps = config["training"]["steps"]
    logged = list(range(0, steps + 1, config["training"]["log_every"]))
    for r in stored["runs"]:
        what = f"{r['model']} {r['task']} T={r['length']} seed {r['seed']}"
        model = config["models"][r["model"]]
        assert (r["cell"], r["keep_bias"]) == (model["cell"], model["keep_bias"]), what
        task = tasks.get(r["task"], length=r["length"], **config["tasks"][r["task"]]["options"])
        assert r["hidden_size"] == config["hidden_sizes"][r["task"]][r["model"]], what
        assert r["parameter_count"] == train.parameter_count(r["cell"], task.input_size, r["hidden_size"],
                                                             task.output_size) <= config["budget"], what
        curve = r["curve"]
        assert curve["step"] == logged, what
        assert len(curve["loss"]) == len(curve["metric"]) == len(logged), what
        numbers = curve["loss"] + curve["metric"] + [r["final_loss"], r["final_metric"], r["seconds_per_step"]]
        assert all(isinstance(x, float) and math.isfinite(x) for x in numbers), f"{what}: NaN or missing values"
        assert r["final_metric"] == curve["metric"][-1] and r["final_loss"] == curve["loss"][-1], what
        assert r["solved"] == task.solved(r["final_metric"]), what
        reached = [s for s, m in zip(curve["step"], curve["metric"]) if task.solved(m)]
        assert r["steps_to_threshold"] == (reached[0] if reached else None), what


def test_the_forget_gate_bias_changes_the_lstm_s_start(stored):
    """Same seeds, same weights but the forget gate's bias: the untrained models already score differently."""
    runs = {(r["model"], r["task"], r["length"], r["seed"]): r for r in stored["runs"]}
    for (model, task, length, seed), r in runs.items():
        if model == "lstm-forget-bias-1":
            plain = runs["lstm", task, length, seed]
            assert r["curve"]["loss"][0] != plain["curve"]["loss"][0], (task, length, seed)


def test_the_summary_counts_the_runs(stored):
    config = stored["config"]
    keys = [(row["model"], row["task"], row["length"]) for row in stored["summary"]]
    assert keys == [(m, t, n) for t in config["tasks"] for n in config["tasks"][t]["lengths"] for m in training.MODELS]
    for row in stored["summary"]:
        group = [r for r in stored["runs"] if (r["model"], r["task"], r["length"]) == (row["model"], row["task"],
                                                                                         row["length"])]
        model = config["models"][row["model"]]
        assert (row["cell"], row["keep_bias"]) == (model["cell"], model["keep_bias"])
        assert row["seeds"] == len(group) == len(config["seeds"])
        assert row["solved"] == sum(r["solved"] for r in group)
        assert row["reached_threshold"] == sum(r["steps_to_threshold"] is not None for r in group)


def test_the_stored_gru_is_the_trained_one(stored):
    """Its weights give the stored final metric on the evaluation batch; its initial weights follow from its seed."""
    trained, config = stored["trained"], stored["config"]
    assert trained is not None, "no GRU solved copy at any length"
    task = tasks.get(**trained["task"])
    assert (trained["model"], trained["cell"], trained["keep_bias"]) == ("gru", "gru", 0)
    run = [r for r in stored["runs"] if (r["model"], r["task"], r["length"], r["seed"]) ==
           (trained["model"], task.name, task.length, trained["seed"])]
    assert len(run) == 1 and run[0]["solved"]
    solved_lengths = [r["length"] for r in stored["runs"] if (r["model"], r["task"]) == ("gru", "copy") and r["solved"]]
    assert task.length == max(solved_lengths)

    def model(weights):
        m = train.Model(trained["cell"], task.input_size, trained["hidden_size"], task.output_size,
                        keep_bias=trained["keep_bias"])
        m.load_state_dict({**weights["state_dict"], "readout.weight": weights["readout"]["weight"],
                           "readout.bias": weights["readout"]["bias"]})
        return m

    training_options = config["training"]
    evaluation = task.sample(np.random.default_rng(training_options["eval_seed"]), training_options["eval_batch_size"])
    final = model(trained["trained"])
    assert task.metric(final.predict(evaluation.inputs), evaluation.targets) == run[0]["final_metric"]
    regenerated = train.Model(trained["cell"], task.input_size, trained["hidden_size"], task.output_size,
                              seed=trained["seed"], keep_bias=trained["keep_bias"]).state_dict()
    initial = model(trained["initial"]).state_dict()
    assert all(np.array_equal(regenerated[k], initial[k]) for k in regenerated)
    sample = np.array(trained["sample"]["inputs"])
    assert sample.shape == (task.length, task.input_size)
    again = task.sample(np.random.default_rng(trained["sample"]["seed"]), 1)
    np.testing.assert_array_equal(again.inputs[:, 0], sample)
    assert again.targets[0].tolist() == trained["sample"]["targets"]
