"""What one training step costs, GRU against LSTM (and the plain RNN as a reference line), in gru_ref and in torch.

    python benchmarks/bench_train_step.py [--repeats 20] [--rounds 3] [--threads 2]   # prints a table
    python benchmarks/bench_train_step.py --write          # the same, stored in evidence/results/step_cost.json

A step here is: a forward pass of one layer over a whole sequence (T=50, B=32, from a zero initial
state) and full backpropagation through time of the scalar L = sum(out * R), R a fixed random
array, giving the gradients of every parameter, of the input sequence and of the initial state.
Not included: a loss function beyond that scalar, the optimizer's update, data loading, and
anything a framework does around a step (torch's old gradients are set to None before each step,
as zero_grad does by default; gru_ref returns fresh ones). Each cell runs at hidden sizes 32 to 256 with
input size = hidden size: the input of every stacked layer after the first has that size, and one
size then sets all the work, so the rows read as a curve. (The GRU/LSTM ratio of parameters and of
multiply-adds is 3/4 whatever the input size.)

What makes the comparison fair, and what does not:

- Same numbers in, same work out: both libraries get the same float32 weights (torch's default
  initialisation, loaded into gru_ref), the same input, the same R; both return the gradients of
  the parameters, of the input and of h0 (and c0): torch's h0/c0 are passed with requires_grad,
  because gru_ref always computes them. Before timing, gru_ref's gradients are compared with
  torch's (oneDNN on) and the largest difference is stored; above 1e-4 of the largest gradient
  the run stops, so no row times code that computes something else.
- gru_ref's backward is handed dL/d out = R directly; torch computes out * R, sums it and
  backpropagates through both (B*T*H elementwise operations, small next to the GEMMs).
- Same threads: torch's intra-op threads and numpy's BLAS threads are pinned to one number
  (threadpoolctl, as in bench_layers.py), and each library is timed on its own, one after the
  other, so neither's spinning thread pool gets in the other's way.
- Not the same kernels, and that is part of what is measured: gru_ref runs the input projections
  of all steps as one GEMM, then one GEMM on the state plus numpy elementwise calls per step
  (kernels.py). torch's GRU and RNN run ATen's per-step operations and autograd's graph of them;
  torch's LSTM in float32 on the CPU runs oneDNN's fused LSTM layer, forward and backward, a code
  path its GRU does not get. So torch's GRU/LSTM time ratio compares two different
  implementations. The third implementation, torch_no_onednn, switches oneDNN off
  (torch.backends.mkldnn.enabled = False) so that torch's LSTM runs the same per-step ATen path as
  its GRU; for the GRU and the RNN it is the same path as "torch" timed a second time, which shows
  the run-to-run noise. Each torch row stores which path ran (read from the autograd graph).

Timing: before each measurement the machine is left idle for 0.3 s (the other library's thread
pool stops spinning on the cores: OpenBLAS's and OpenMP's threads keep spinning for a while after
a call, and at H=32 a step is shorter than that), then the step runs for 0.2 s to warm up, then
bench_layers.median_seconds takes the median of `repeats` steps. The whole grid is measured
`rounds` times over, and a row's median_ms is the median of its rounds' medians; round_ms keeps
all of them, so the spread is on record. Stored beside them: the load average before and after,
and the CPU seconds other processes used during the run (from /proc/stat; the load average alone
cannot tell, since this run raises it itself), with a warning when they used more than 5% of the cores.
Each row also stores the exact counts from gru_ref/counts.py: parameters, the work per time step of
one sequence, and the GEMM multiply-adds of the whole step (the forward's, and backward's two GEMMs
of the same size: one for d input/state, one for d weights), so the page can show time beside work.
"""
import argparse
import contextlib
import json
import os
import statistics
import time
from pathlib import Path

import bench_layers
import numpy as np
import torch
from threadpoolctl import threadpool_limits

from evidence import provenance
from gru_ref import registry
from gru_ref.counts import parameter_count, step_cost

RESULT = "step_cost.json"
COMMAND = "python benchmarks/bench_train_step.py --write"
CELLS = ("rnn", "gru", "lstm")
HIDDEN_SIZES = (32, 64, 128, 256)
IMPLEMENTATIONS = ("gru_ref", "torch", "torch_no_onednn")
T, B = 50, 32
REPEATS, ROUNDS, THREADS = 20, 3, 2  # 2 threads: bench_layers.py's default, and all the cores this was written on
SETTLE_SECONDS, WARM_UP_SECONDS = 0.3, 0.2
BUSY = 0.05  # a run during which other processes used more of the cores than this is reported as disturbed
GEMM_PASSES = 3  # the forward's GEMMs, then backward's two of the same size (d input/state, d weights)
CONFIG = {
    "cells": list(CELLS), "hidden_sizes": list(HIDDEN_SIZES), "input_size": "hidden_size",
    "implementations": list(IMPLEMENTATIONS), "T": T, "B": B, "dtype": "float32", "seed": 0,
    "repeats": REPEATS, "rounds": ROUNDS, "threads": THREADS, "settle_seconds": SETTLE_SECONDS,
    "warm_up_seconds": WARM_UP_SECONDS, "rnn_nonlinearity": "tanh", "gru_reset": "after", "loss": "sum(out * R)",
    "gemm_passes": GEMM_PASSES,
}
# The code timed: this file, the timing helper it imports, gru_ref.layers with everything it imports
# (the package's __init__, kernels, convert, registry, checks, cells -> activations), and the counts.
CODE_PATHS = sorted(["benchmarks/bench_train_step.py", "benchmarks/bench_layers.py"]
                    + [f"gru_ref/{name}.py" for name in ("__init__", "layers", "kernels", "convert", "registry",
                                                         "checks", "cells", "activations", "counts")])
TORCH_LAYERS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


@contextlib.contextmanager
def onednn(enabled):
    """torch's oneDNN (mkldnn) kernels on or off for the duration, restored afterwards."""
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = enabled
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before


def counts(cell, hidden_size):
    """The row's counts, from gru_ref/counts.py: parameters, per-time-step work, GEMM multiply-adds of a step."""
    D = H = hidden_size
    per_time_step = step_cost(cell, D, H)
    return {"parameters": parameter_count(cell, D, H), "step_cost": per_time_step,
            "train_step_matmul_macs": GEMM_PASSES * T * B * per_time_step["matmul_macs"]}


def autograd_nodes(tensor):
    """Class names of the autograd graph's nodes behind `tensor`, one entry per node."""
    seen, stack, names = set(), [tensor.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(type(node).__name__)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return names


def setup(cell, hidden_size):
    """Both layers with the same weights, the input and R; and one step of each as a function."""
    D = H = hidden_size
    torch.manual_seed(CONFIG["seed"])
    theirs = TORCH_LAYERS[cell](D, H)
    ours = registry.cell(cell).layer(D, H)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(CONFIG["seed"])
    x = rng.standard_normal((T, B, D), dtype=np.float32)
    R = rng.standard_normal((T, B, H), dtype=np.float32)
    x_torch, R_torch = torch.from_numpy(x).requires_grad_(), torch.from_numpy(R)
    states = [torch.zeros(1, B, H, requires_grad=True) for _ in range(2 if cell == "lstm" else 1)]
    state = tuple(states) if cell == "lstm" else states[0]

    def step_ours():
        ours(x)
        return ours.backward(R)

    def step_torch():
        theirs.zero_grad(set_to_none=True)
        for tensor in (x_torch, *states):
            tensor.grad = None
        out, _ = theirs(x_torch, state)
        (out * R_torch).sum().backward()
        return out

    def gradients_torch():
        return {"x": x_torch.grad.numpy(), **{name: p.grad.numpy() for name, p in theirs.named_parameters()},
                **{f"state{k}": s.grad[0].numpy() for k, s in enumerate(states)}}

    return step_ours, step_torch, gradients_torch


def largest_difference(step_ours, step_torch, gradients_torch):
    """Largest absolute difference between gru_ref's and torch's gradients, and the largest gradient."""
    g = step_ours()
    step_torch()
    theirs = gradients_torch()
    state = g.state if isinstance(g.state, tuple) else (g.state,)
    ours = {"x": g.x, **g.params, **{f"state{k}": s[0] for k, s in enumerate(state)}}
    assert ours.keys() == theirs.keys(), (sorted(ours), sorted(theirs))
    difference = max(float(np.max(np.abs(ours[k] - theirs[k]))) for k in ours)
    scale = max(float(np.max(np.abs(theirs[k]))) for k in theirs)
    return difference, scale


def timed(step, repeats):
    """Median seconds and page faults per step, after the machine settles and the step warms up."""
    time.sleep(SETTLE_SECONDS)  # the other library's thread pool stops spinning on the cores
    deadline = time.perf_counter() + WARM_UP_SECONDS
    while time.perf_counter() < deadline:
        step()
    return bench_layers.median_seconds(step, repeats)


def measure(steps, implementation, repeats):
    """ms per step and page faults per step of one implementation; for torch also what its autograd graph ran."""
    step_ours, step_torch, _ = steps
    if implementation == "gru_ref":
        seconds, faults = timed(step_ours, repeats)
        return seconds * 1e3, faults, {}
    with onednn(implementation == "torch"):
        seconds, faults = timed(step_torch, repeats)
        nodes = autograd_nodes(step_torch())
    return seconds * 1e3, faults, {"autograd_nodes": len(nodes), "onednn_fused": any("Mkldnn" in n for n in nodes)}


def measure_all(repeats, rounds):
    """Every cell, size and implementation, `rounds` times over; a row's time is the median of its rounds.

    Rounds make slow drift of the machine (another tenant, the clock) show as spread within a row's
    round_ms instead of as a difference between rows measured at different moments.
    """
    setups = {(cell, H): setup(cell, H) for cell in CELLS for H in HIDDEN_SIZES}
    rows = {}
    for (cell, H), steps in setups.items():
        difference, scale = largest_difference(*steps)
        if difference > 1e-4 * max(scale, 1.0):
            raise AssertionError(f"{cell} H={H}: gru_ref's gradients differ from torch's by {difference:.3g}")
        for implementation in IMPLEMENTATIONS:
            rows[cell, H, implementation] = {"cell": cell, "hidden_size": H, "input_size": H,
                                             "implementation": implementation, **counts(cell, H),
                                             "round_ms": [], "page_faults_per_step": []}
        rows[cell, H, "gru_ref"].update(gradient_max_abs_difference=difference, gradient_max_abs=scale)
    for _ in range(rounds):
        for (cell, H), steps in setups.items():
            for implementation in IMPLEMENTATIONS:
                row = rows[cell, H, implementation]
                ms, faults, ran = measure(steps, implementation, repeats)
                row["round_ms"].append(ms)
                row["page_faults_per_step"].append(faults)
                row.update(ran)
    for row in rows.values():
        row["median_ms"] = statistics.median(row["round_ms"])
    return list(rows.values())


def load_average():
    return [float(value) for value in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_seconds():
    """CPU seconds used so far by the whole machine (busy, and taken by the hypervisor) and by this process.

    The load average cannot say whether others ran during the run, since this run raises it itself;
    the machine's busy time minus this process's can.
    """
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    own = os.times()
    return {"machine": (user + nice + system + irq + softirq) / tick, "steal": steal / tick,
            "own": own.user + own.system}


def run(repeats, threads, rounds):
    torch.set_num_threads(threads)
    with threadpool_limits(limits=threads, user_api="blas"):
        blas_threads, blas = bench_layers.numpy_blas()
        info = {"torch_threads": torch.get_num_threads(), "numpy_blas_threads": blas_threads, "numpy_blas": blas}
        before, cpu_before, start = load_average(), cpu_seconds(), time.perf_counter()
        rows = measure_all(repeats, rounds)
        seconds = time.perf_counter() - start
        cpu = {key: value - cpu_before[key] for key, value in cpu_seconds().items()}
    others = cpu["machine"] - cpu["own"]
    return {"rows": rows, "threads": info, "seconds": round(seconds, 1),
            "load_average": {"before": before, "after": load_average()},
            "cpu_seconds": {"this_run": round(cpu["own"], 1), "other_processes": round(others, 1),
                            "stolen_by_the_hypervisor": round(cpu["steal"], 1),
                            "other_processes_share_of_the_cores": round(others / (seconds * os.cpu_count()), 3)}}


def table(result):
    """The measurements as text: ms per step, gru_ref/torch, and GRU/LSTM beside the parameter ratio."""
    ms = {(r["cell"], r["hidden_size"], r["implementation"]): r["median_ms"] for r in result["rows"]}
    params = {(r["cell"], r["hidden_size"]): r["parameters"] for r in result["rows"]}
    threads = result["threads"]
    lines = [f"T={T} B={B} D=H float32; torch {torch.__version__}, numpy {np.__version__}; threads: torch "
             f"{threads['torch_threads']}, numpy BLAS {threads['numpy_blas_threads']} ({threads['numpy_blas']})",
             f"ms per step (median); load average before {result['load_average']['before']}, "
             f"after {result['load_average']['after']}; {result['seconds']} s; CPU seconds {result['cpu_seconds']}",
             f"{'cell':5}{'H':>5}{'params':>9}{'GEMM MMAC':>11}" + "".join(f"{i:>17}" for i in IMPLEMENTATIONS)
             + f"{'gru_ref/torch':>15}{'gru_ref/no_onednn':>19}"]
    for cell in CELLS:
        for H in HIDDEN_SIZES:
            row = next(r for r in result["rows"] if (r["cell"], r["hidden_size"]) == (cell, H))
            times = [ms[cell, H, i] for i in IMPLEMENTATIONS]
            lines.append(f"{cell:5}{H:>5}{row['parameters']:>9}{row['train_step_matmul_macs'] / 1e6:>11.1f}"
                         + "".join(f"{t:>17.2f}" for t in times)
                         + f"{times[0] / times[1]:>15.2f}{times[0] / times[2]:>19.2f}")
    for H in HIDDEN_SIZES:
        lines.append(f"GRU/LSTM at H={H}: parameters {params['gru', H] / params['lstm', H]:.3f}, time "
                     + ", ".join(f"{i} {ms['gru', H, i] / ms['lstm', H, i]:.2f}" for i in IMPLEMENTATIONS))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--threads", type=int, default=THREADS, help="for torch and for numpy's BLAS alike")
    parser.add_argument("--write", action="store_true", help=f"store the result in evidence/results/{RESULT}")
    args = parser.parse_args()
    if args.write and (args.repeats, args.rounds, args.threads) != (REPEATS, ROUNDS, THREADS):
        parser.error("--write stores the configured run only: leave --repeats, --rounds and --threads as they are")
    result = run(args.repeats, args.threads, args.rounds)
    print(table(result))
    if result["cpu_seconds"]["other_processes_share_of_the_cores"] > BUSY:
        print(f"warning: other processes used more than {BUSY:.0%} of the cores during the run: "
              "these times are not the machine's own")
    if args.write:
        record = {"provenance": provenance.provenance(COMMAND, CODE_PATHS, CONFIG, packages=("numpy", "torch")),
                  "config": json.loads(json.dumps(CONFIG)), **result}
        print(f"wrote {provenance.write(RESULT, record)}")


if __name__ == "__main__":
    main()
