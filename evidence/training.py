"""Train RNN, GRU and LSTM with matched parameter budgets on the adding problem and on copy (delayed recall).

    python -m evidence.training --write   # train everything (6 minutes on 2 cores), store results/training.json
    python -m evidence.training --check   # is the stored file still what today's code and configuration make?

Four models: the RNN, the GRU and the LSTM with PyTorch's initialisation, and the LSTM with its forget
gate's bias raised by 1 (Jozefowicz, Zaremba and Sutskever 2015, who found that this closes most of the
LSTM's gap to the GRU). Every model gets the same budget of parameters (layer and readout together,
gru_ref.train.matched_hidden_sizes; both LSTMs the same hidden size), the same optimiser settings and the
same seeds, at every length of every task. The file stores each run's learning curve on a fixed evaluation
batch, whether and when it met the task's threshold and its time per training step; a summary per model,
task and length; and one trained GRU (copy at the longest length a GRU solved) with its initial weights and
a sample sequence, for the site to draw its gates.

The runs are spread over worker processes, each with one BLAS thread (set before the worker imports
numpy): the results do not depend on the number of threads (same bits with 1 or 2), but timings of two
runs sharing the cores would be muddled by BLAS threads competing with the other worker.
"""
import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

import numpy as np

from evidence import provenance
from gru_ref import tasks, train

NAME = "training.json"
COMMAND = "python -m evidence.training --write"
# Every file whose code a training run executes (a test checks that nothing gru_ref imports is missing).
CODE = ["evidence/training.py", "gru_ref/__init__.py", "gru_ref/activations.py", "gru_ref/cells.py",
        "gru_ref/checks.py", "gru_ref/convert.py", "gru_ref/counts.py", "gru_ref/kernels.py", "gru_ref/layers.py",
        "gru_ref/registry.py", "gru_ref/tasks.py", "gru_ref/train.py"]

# name -> the registry's cell and the bias added to its keeping gate at initialisation (gru_ref.train.Model)
MODELS = {
    "rnn": {"cell": "rnn", "keep_bias": 0.0},
    "gru": {"cell": "gru", "keep_bias": 0.0},
    "lstm": {"cell": "lstm", "keep_bias": 0.0},
    "lstm-forget-bias-1": {"cell": "lstm", "keep_bias": 1.0},
}
TASKS = {  # lengths: one every cell solves, one where the plain RNN fails, one that tests the gated cells
    "adding": {"options": {}, "lengths": [10, 50, 100]},
    "copy": {"options": {"symbols": 4, "recall": 3}, "lengths": [10, 20, 40]},
}
BUDGET = 2000  # parameters, layer and readout together
TRAINING = {"steps": 3000, "batch_size": 32, "lr": 0.01, "clip": 1.0, "log_every": 50, "eval_batch_size": 512,
            "eval_seed": 0}
SEEDS = [0, 1, 2, 3, 4]
# The test re-runs the first `steps` of this stored run (cheap, and short enough to reproduce to a tight tolerance).
REPRODUCE = {"model": "gru", "task": "adding", "length": 10, "seed": 0, "steps": 200}
TRAINED = {"model": "gru", "task": "copy", "sample_seed": 1}  # the stored model, and the seed of its sample sequence


def make_task(name, length):
    return tasks.get(name, length=length, **TASKS[name]["options"])


def hidden_sizes(name):
    """Model name -> hidden size on task `name`: the largest within BUDGET for its cell (a keep bias adds no
    parameter, so both LSTMs get the same)."""
    task = make_task(name, TASKS[name]["lengths"][0])  # the sizes of inputs and outputs do not depend on length
    cells = list(dict.fromkeys(model["cell"] for model in MODELS.values()))
    sizes = train.matched_hidden_sizes(task.input_size, BUDGET, task.output_size, cells=cells)
    return {model: sizes[spec["cell"]] for model, spec in MODELS.items()}


def config():
    """Everything that decides the results, as JSON: part of the stored digest."""
    return {
        "models": MODELS,
        "tasks": TASKS,
        "budget": BUDGET,
        "hidden_sizes": {name: hidden_sizes(name) for name in TASKS},
        "training": TRAINING,
        "optimiser": {"name": "Adam", "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0},
        "initialisation": "PyTorch's default for every weight and bias, uniform in ±1/sqrt(hidden size); then "
                          "each model's keep_bias added to the bias of its keeping gate (bias_ih_l0's rows of the "
                          "LSTM's forget gate): 1 for lstm-forget-bias-1, 0 for the others",
        "dtype": np.dtype(train.DTYPE).name,
        "seeds": SEEDS,
        "thresholds": {name: {"metric": tasks.TASKS[name].metric_name, "threshold": tasks.TASKS[name].threshold,
                              "higher_is_better": tasks.TASKS[name].higher_is_better} for name in TASKS},
        "reproduce": REPRODUCE,
        "trained": TRAINED,
    }


def order():
    """(model, task, length, seed) of every run, in the order of the stored file."""
    return [(model, name, length, seed) for name in TASKS for length in TASKS[name]["lengths"]
            for model in MODELS for seed in SEEDS]


def jobs():
    """(model, task, length, seed) of every run, the most expensive first, so that the workers finish together;
    among equally expensive runs the models take turns, so that a busy spell of the machine slows them alike."""
    cost = {"rnn": 1, "gru": 3, "lstm": 3}
    return sorted(order(), key=lambda job: (-cost[MODELS[job[0]]["cell"]] * job[2], job[3]))


def run_one(model, name, length, seed, steps=None):
    """Train one configuration; its record, and the trained and initial weights."""
    task = make_task(name, length)
    cell, keep_bias = MODELS[model]["cell"], MODELS[model]["keep_bias"]
    options = dict(TRAINING, steps=TRAINING["steps"] if steps is None else steps)
    start = time.perf_counter()
    run = train.train(cell, task, hidden_size=hidden_sizes(name)[model], seed=seed, keep_bias=keep_bias, **options)
    record = {
        "model": model, "cell": cell, "keep_bias": run.keep_bias, "task": name, "length": length, "seed": seed,
        "hidden_size": run.hidden_size, "parameter_count": run.parameter_count,
        "curve": {"step": run.steps.tolist(), "loss": run.losses.tolist(), "metric": run.metrics.tolist()},
        "solved": run.solved, "steps_to_threshold": run.steps_to_threshold,
        "final_loss": float(run.losses[-1]), "final_metric": float(run.metrics[-1]),
        "seconds_per_step": run.seconds_per_step, "wall_seconds": time.perf_counter() - start,
    }
    return record, run.model.state_dict(), run.initial


def _lists(state_dict):
    return {name: value.tolist() for name, value in state_dict.items()}


def trained_model(runs, weights):
    """The GRU (TRAINED["model"]) on copy at the longest length at which one of its seeds solved it."""
    model, name = TRAINED["model"], TRAINED["task"]
    cell, keep_bias = MODELS[model]["cell"], MODELS[model]["keep_bias"]
    solved = [r for r in runs if r["model"] == model and r["task"] == name and r["solved"]]
    if not solved:
        return None
    best = max(solved, key=lambda r: (r["length"], -r["seed"]))
    key = (model, name, best["length"], best["seed"])
    final, initial = weights[key]
    task = make_task(name, best["length"])
    sample = task.sample(np.random.default_rng(TRAINED["sample_seed"]), 1)

    def split(state_dict):
        layer = {k: v for k, v in state_dict.items() if k not in train.READOUT}
        readout = {"weight": state_dict["readout.weight"].tolist(), "bias": state_dict["readout.bias"].tolist()}
        return {"state_dict": _lists(layer), "readout": readout}

    return {
        "model": model, "cell": cell, "keep_bias": keep_bias, "task": task.config(), "seed": best["seed"],
        "hidden_size": best["hidden_size"], "input_size": task.input_size, "output_size": task.output_size,
        "final_metric": best["final_metric"],
        "regenerate": f"gru_ref.train.Model({cell!r}, {task.input_size}, {best['hidden_size']}, "
                      f"{task.output_size}, seed={best['seed']}, keep_bias={keep_bias!r}) has the initial weights; "
                      f"train.train({cell!r}, {task!r}, hidden_size={best['hidden_size']}, seed={best['seed']}, "
                      f"keep_bias={keep_bias!r}, **config['training']) the trained ones",
        "trained": split(final), "initial": split(initial),
        "sample": {"seed": TRAINED["sample_seed"], "inputs": sample.inputs[:, 0].tolist(),
                   "targets": sample.targets[0].tolist()},
    }


def summary(runs):
    """Per model, task and length: how many seeds solved it, the median step of reaching the threshold, time
    per step."""
    rows = []
    for name in TASKS:
        for length in TASKS[name]["lengths"]:
            for model, spec in MODELS.items():
                group = [r for r in runs if (r["model"], r["task"], r["length"]) == (model, name, length)]
                reached = [r["steps_to_threshold"] for r in group if r["steps_to_threshold"] is not None]
                rows.append({
                    "model": model, "cell": spec["cell"], "keep_bias": spec["keep_bias"], "task": name,
                    "length": length, "seeds": len(group),
                    "solved": sum(r["solved"] for r in group), "reached_threshold": len(reached),
                    "median_steps_to_threshold": statistics.median(reached) if reached else None,
                    "median_seconds_per_step": statistics.median(r["seconds_per_step"] for r in group),
                    "median_final_metric": statistics.median(r["final_metric"] for r in group),
                })
    return rows


def table(rows):
    lines = [f"{'task':<7}{'T':>4} {'model':<19}{'solved':>8}{'reached':>9}{'median steps':>14}"
             f"{'final metric':>14}{'ms/step':>9}"]
    for r in rows:
        steps = "-" if r["median_steps_to_threshold"] is None else f"{r['median_steps_to_threshold']:g}"
        lines.append(f"{r['task']:<7}{r['length']:>4} {r['model']:<19}{r['solved']:>5}/{r['seeds']:<2}"
                     f"{r['reached_threshold']:>6}/{r['seeds']:<2}{steps:>14}{r['median_final_metric']:>14.4f}"
                     f"{1000 * r['median_seconds_per_step']:>9.2f}")
    return "\n".join(lines)


def progress(record):
    reached = record["steps_to_threshold"]
    return (f"{record['model']:<18} {record['task']:<6} T={record['length']:<3} seed {record['seed']}: "
            f"{'solved' if record['solved'] else 'not solved'}"
            f"{'' if reached is None else f' (threshold at step {reached})'}, "
            f"final {record['final_metric']:.4f}, {1000 * record['seconds_per_step']:.2f} ms/step")


def write(workers=2):
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # read by numpy in each freshly spawned worker
    todo = jobs()
    before = os.getloadavg()
    start = time.perf_counter()
    runs, weights = [], {}
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, *job): job for job in todo}
        for done, future in enumerate(as_completed(futures), 1):
            record, final, initial = future.result()
            runs.append(record)
            weights[futures[future]] = (final, initial)
            print(f"[{done:>3}/{len(todo)}] {time.perf_counter() - start:6.0f} s  {progress(record)}", flush=True)
    position = {job: n for n, job in enumerate(order())}
    runs.sort(key=lambda r: position[(r["model"], r["task"], r["length"], r["seed"])])
    rows = summary(runs)
    record = {
        "provenance": provenance.provenance(COMMAND, CODE, config()),
        "config": config(),
        "timing": {"workers": workers, "blas_threads_per_worker": 1,
                   "total_wall_seconds": time.perf_counter() - start,
                   "load_average": {"before": before, "after": os.getloadavg()},
                   "note": "seconds_per_step is the median wall time of a training step (no evaluation), "
                           "measured while the other worker trained too, and whatever else the machine ran: "
                           "see load_average (1, 5 and 15 minutes) against the number of cores"},
        "runs": runs,
        "summary": rows,
        "trained": trained_model(runs, weights),
    }
    path = provenance.write(NAME, record)
    print(table(rows))
    print(f"wrote {path} in {time.perf_counter() - start:.0f} s")
    return record


def staleness():
    """None if the stored file matches today's code and configuration, else what to do about it."""
    try:
        stored = provenance.read(NAME)
    except FileNotFoundError as missing:
        return str(missing)
    today = provenance.code_digest(CODE, config())
    if stored["provenance"]["digest"] != today:
        return (f"stale: run {COMMAND} (stored digest {stored['provenance']['digest'][:12]}, "
                f"today's code and configuration give {today[:12]})")
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="train every configuration and store the results")
    action.add_argument("--check", action="store_true", help="report whether the stored results are stale")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    if args.write:
        write(args.workers)
        return 0
    problem = staleness()
    print(problem or f"{provenance.RESULTS / NAME} is up to date")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
