"""The stored cost of a training step (evidence/results/step_cost.json) still describes today's code.

- Its digest is the one today's benchmark, timing helper, gru_ref and configuration give.
- Every configured cell x hidden size x implementation has a row with positive, finite times.
- Its counts are today's gru_ref/counts.py, and agree with PyTorch's own: the parameters its
  modules hold, and the multiply-adds its FLOP counter sees in a training step.

No time is asserted: times belong to the machine that measured them.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from evidence import provenance
from gru_ref import counts

ROOT = Path(__file__).resolve().parents[2]
torch = pytest.importorskip("torch")  # the benchmark times torch, and torch is the counts' oracle
pytest.importorskip("threadpoolctl")
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_train_step as bench  # noqa: E402

STALE = "stale: run python benchmarks/bench_train_step.py --write"
CELL_SIZES = [(cell, H) for cell in bench.CELLS for H in bench.HIDDEN_SIZES]


@pytest.fixture(scope="module")
def record():
    return provenance.read(bench.RESULT)


def rows_of(record, cell, hidden_size):
    return [row for row in record["rows"] if (row["cell"], row["hidden_size"]) == (cell, hidden_size)]


def test_the_stored_result_was_made_by_todays_code_and_configuration(record):
    assert record["provenance"]["digest"] == provenance.code_digest(bench.CODE_PATHS, bench.CONFIG), STALE
    assert record["provenance"]["code"] == sorted(bench.CODE_PATHS), STALE
    assert record["config"] == json.loads(json.dumps(bench.CONFIG)), STALE
    assert record["provenance"]["command"] == bench.COMMAND
    assert set(record["provenance"]["versions"]) == {"numpy", "torch"}


def test_the_digest_covers_every_gru_ref_module_the_timed_layers_import():
    probe = ("import sys, json, gru_ref.layers, gru_ref.counts; "
             "print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] == 'gru_ref')))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    files = {"gru_ref/__init__.py" if name == "gru_ref" else name.replace(".", "/") + ".py"
             for name in json.loads(run.stdout)}
    assert files <= set(bench.CODE_PATHS), sorted(files - set(bench.CODE_PATHS))


def test_every_cell_size_and_implementation_has_positive_finite_times(record):
    measured = [(row["cell"], row["hidden_size"], row["implementation"]) for row in record["rows"]]
    expected = [(cell, H, i) for cell, H in CELL_SIZES for i in bench.IMPLEMENTATIONS]
    assert sorted(measured) == sorted(expected)  # each exactly once
    for row in record["rows"]:
        assert len(row["round_ms"]) == bench.ROUNDS, row
        for ms in (*row["round_ms"], row["median_ms"]):
            assert math.isfinite(ms) and ms > 0, row
        assert row["input_size"] == row["hidden_size"]
    load = record["load_average"]
    assert all(math.isfinite(value) and value >= 0 for value in load["before"] + load["after"])
    assert record["threads"]["torch_threads"] == record["threads"]["numpy_blas_threads"] == bench.THREADS


def test_gru_ref_computed_the_gradients_torch_did(record):
    for row in record["rows"]:
        if row["implementation"] == "gru_ref":
            assert row["gradient_max_abs_difference"] <= 1e-4 * max(row["gradient_max_abs"], 1.0), row


def test_the_torch_rows_say_which_kernels_ran(record):
    """Only the LSTM with oneDNN on runs a fused layer; switched off, every cell runs ATen's per-step ops."""
    for row in record["rows"]:
        if row["implementation"] != "gru_ref":
            fused = row["cell"] == "lstm" and row["implementation"] == "torch"
            assert row["onednn_fused"] is fused, row


@pytest.mark.parametrize(("cell", "hidden_size"), CELL_SIZES)
def test_the_stored_counts_are_todays_and_torchs(record, cell, hidden_size):
    D = H = hidden_size
    module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](D, H)
    torch_parameters = sum(p.numel() for p in module.parameters())
    per_time_step = counts.step_cost(cell, D, H)
    macs = bench.GEMM_PASSES * bench.T * bench.B * per_time_step["matmul_macs"]
    for row in rows_of(record, cell, hidden_size):
        assert row["parameters"] == counts.parameter_count(cell, D, H) == torch_parameters, STALE
        assert row["step_cost"] == per_time_step, STALE
        assert row["train_step_matmul_macs"] == macs, STALE
    assert torch_flop_counter_macs(module, cell, D, H) == macs


def torch_flop_counter_macs(module, cell, D, H):
    """Multiply-adds that torch's FLOP counter sees in one step (oneDNN off: its fused LSTM is not counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    T, B = bench.T, bench.B
    x = torch.randn(T, B, D, requires_grad=True)
    states = tuple(torch.zeros(1, B, H, requires_grad=True) for _ in range(2 if cell == "lstm" else 1))
    with bench.onednn(False), FlopCounterMode(display=False) as flops:
        out, _ = module(x, states if cell == "lstm" else states[0])
        (out * torch.randn(T, B, H)).sum().backward()
    return flops.get_total_flops() // 2  # it counts the matrix products only, two FLOPs per multiply-add
