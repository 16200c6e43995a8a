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


def test_a_stored_run_reproduces(stored):
    """Re-run the first steps of one stored run (REPRODUCE: the GRU on adding, T=10) and compare its curve.

    Tolerance 1e-8 relative. On the same machine the numbers are the same bits (float64, fixed seeds, and
    the same results with 1 or 2 BLAS threads). Another CPU or BLAS build may round a matrix product
    differently, and training amplifies such a difference: a relative change of 1e-15 in the initial
    weights moved these 200-step curves by at most 2e-12 when measured, while later in a long run it
    can grow to the size of the loss itself (chaotic training: measured on copy, T=20, from 1e-15 to
    1e-2 by step 550). So only a short prefix is compared, and 1e-8 leaves four orders of magnitude for
    rounding while any real change (the initial weights, a batch, the update rule) moves the loss at
    step 50 by far more.
    """
    spec = training.REPRODUCE
    run = [r for r in stored["runs"] if all(r[k] == spec[k] for k in ("cell", "task", "length", "seed"))]
    assert len(run) == 1, f"no stored run for {spec}"
    record, _, _ = training.run_one(spec["cell"], spec["task"], spec["length"], spec["seed"], steps=spec["steps"])
    n = len(record["curve"]["step"])
    stored_curve = {key: values[:n] for key, values in run[0]["curve"].items()}
    assert record["curve"]["step"] == stored_curve["step"]
    for key in ("loss", "metric"):
        got = np.array(record["curve"][key], dtype=float)
        expected = np.array(stored_curve[key], dtype=float)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=0, err_msg=key)
    assert record["wall_seconds"] < 5, "REPRODUCE should stay a cheap run"


def test_every_configured_run_is_stored_once_and_complete(stored):
    config = stored["config"]
    expected = {(c, t, n, s) for t in config["tasks"] for n in config["tasks"][t]["lengths"]
                for c in config["cells"] for s in config["seeds"]}
    keys = [(r["cell"], r["task"], r["length"], r["seed"]) for r in stored["runs"]]
    assert len(keys) == len(set(keys)) and set(keys) == expected
    steps = config["training"]["steps"]
    logged = list(range(0, steps + 1, config["training"]["log_every"]))
    for r in stored["runs"]:
        what = f"{r['cell']} {r['task']} T={r['length']} seed {r['seed']}"
        task = tasks.get(r["task"], length=r["length"], **config["tasks"][r["task"]]["options"])
        assert r["hidden_size"] == config["hidden_sizes"][r["task"]][r["cell"]], what
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


def test_the_summary_counts_the_runs(stored):
    for row in stored["summary"]:
        group = [r for r in stored["runs"] if (r["cell"], r["task"], r["length"]) == (row["cell"], row["task"],
                                                                                        row["length"])]
        assert row["seeds"] == len(group) == len(stored["config"]["seeds"])
        assert row["solved"] == sum(r["solved"] for r in group)
        assert row["reached_threshold"] == sum(r["steps_to_threshold"] is not None for r in group)


def test_the_stored_gru_is_the_trained_one(stored):
    """Its weights give the stored final metric on the evaluation batch; its initial weights follow from its seed."""
    trained, config = stored["trained"], stored["config"]
    assert trained is not None, "no GRU solved copy at any length"
    task = tasks.get(**trained["task"])
    run = [r for r in stored["runs"] if (r["cell"], r["task"], r["length"], r["seed"]) ==
           (trained["cell"], task.name, task.length, trained["seed"])]
    assert len(run) == 1 and run[0]["solved"]
    solved_lengths = [r["length"] for r in stored["runs"] if (r["cell"], r["task"]) == ("gru", "copy") and r["solved"]]
    assert task.length == max(solved_lengths)

    def model(weights):
        m = train.Model(trained["cell"], task.input_size, trained["hidden_size"], task.output_size)
        m.load_state_dict({**weights["state_dict"], "readout.weight": weights["readout"]["weight"],
                           "readout.bias": weights["readout"]["bias"]})
        return m

    training_options = config["training"]
    evaluation = task.sample(np.random.default_rng(training_options["eval_seed"]), training_options["eval_batch_size"])
    final = model(trained["trained"])
    assert task.metric(final.predict(evaluation.inputs), evaluation.targets) == run[0]["final_metric"]
    regenerated = train.Model(trained["cell"], task.input_size, trained["hidden_size"], task.output_size,
                              seed=trained["seed"]).state_dict()
    initial = model(trained["initial"]).state_dict()
    assert all(np.array_equal(regenerated[k], initial[k]) for k in regenerated)
    sample = np.array(trained["sample"]["inputs"])
    assert sample.shape == (task.length, task.input_size)
    again = task.sample(np.random.default_rng(trained["sample"]["seed"]), 1)
    np.testing.assert_array_equal(again.inputs[:, 0], sample)
    assert again.targets[0].tolist() == trained["sample"]["targets"]
