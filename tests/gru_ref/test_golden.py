"""gru_ref against outputs and gradients recorded from torch and keras (tests/gru_ref/golden/record.py).

Needs neither torch nor keras: this module imports only numpy, gru_ref and the recorder's file writer.
The recorded values all come from torch or keras, never from gru_ref.
"""
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gru_ref

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
FILES = sorted(GOLDEN.glob("*.npz"))
LAYERS = {"rnn": gru_ref.RNN, "gru": gru_ref.GRU, "lstm": gru_ref.LSTM}
REPO = GOLDEN.parents[2]


def load(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def recorder():
    spec = importlib.util.spec_from_file_location("golden_record", GOLDEN / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_files_are_there_and_small():
    names = {path.stem for path in FILES}
    assert {"torch_rnn_tanh", "torch_rnn_relu", "torch_gru", "torch_lstm", "keras_simple_rnn",
            "keras_gru_reset_after", "keras_gru_reset_before", "keras_lstm"} <= names
    assert sum(path.stat().st_size for path in FILES) < 300_000


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_gru_ref_reproduces_the_recording(path):
    info, data = load(path)
    cell, tolerance = info["cell"], info["tolerance"]
    layer = LAYERS[cell](**info["options"])
    if info["source"] == "torch":
        layer.load_state_dict({name[len("param."):]: v for name, v in data.items() if name.startswith("param.")})
    else:
        layer.load_keras_weights([data[f"keras.{i}"] for i in range(sum(k.startswith("keras.") for k in data))])
    lstm = cell == "lstm"
    if lstm:
        state = (data["h0"], data["c0"]) if "h0" in data else None
        out, (h_n, c_n) = layer(data["x"], state)
        d_state = (data["d_h_n"], data["d_c_n"]) if "d_h_n" in data else None
        results = {"out": out, "h_n": h_n, "c_n": c_n}
    else:
        out, h_n = layer(data["x"], data.get("h0"))
        d_state = data.get("d_h_n")
        results = {"out": out, "h_n": h_n}
    grads = layer.backward(data["d_out"], d_state)
    results["grad.x"] = grads.x
    results["grad.h0"], results["grad.c0"] = grads.state if lstm else (grads.state, None)
    results.update({f"grad.{name}": value for name, value in grads.params.items()})
    results = {k: v for k, v in results.items() if v is not None}

    recorded = {k for k in data if k in ("out", "h_n", "c_n") or k.startswith("grad.")}
    assert recorded == set(results)
    for name in sorted(recorded):
        got, expected = results[name], data[name]
        assert got.shape == expected.shape and got.dtype == np.float64, name
        scale = max(1.0, float(np.abs(expected).max()))
        error = float(np.abs(got - expected).max())
        assert error <= tolerance * scale, f"{path.stem} {name}: error {error:.3e} > {tolerance:g} * {scale:.3g}"


def test_writer_is_byte_reproducible(tmp_path):
    write_npz = recorder().write_npz
    arrays = {"b": np.arange(6.0).reshape(2, 3), "a": np.array("text"), "c": np.float32(1.5)}
    write_npz(tmp_path / "one.npz", arrays)
    write_npz(tmp_path / "two.npz", dict(reversed(list(arrays.items()))))
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    with np.load(tmp_path / "one.npz") as archive:
        assert sorted(archive.files) == ["a", "b", "c"]
        np.testing.assert_array_equal(archive["b"], arrays["b"])


def test_golden_tests_run_without_torch_and_keras():
    """Run this module's checks in a fresh interpreter in which importing torch or keras fails."""
    blocker = ("import sys; sys.modules['torch'] = None; sys.modules['keras'] = None; import pytest; "
               "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-k', 'reproduces or files_are_there', "
               f"{str(pathlib.Path(__file__))!r}]))")
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    run = subprocess.run([sys.executable, "-c", blocker], cwd=REPO, capture_output=True, text=True,
                         env=environment, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"{len(FILES) + 1} passed" in run.stdout, run.stdout[-3000:]


def test_recording_again_gives_the_committed_files(tmp_path):
    """record.py is deterministic and the committed files are what torch and keras give today."""
    missing = [name for name in ("torch", "keras") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"re-recording needs {missing} (the other golden tests do not)")
    run = subprocess.run([sys.executable, str(GOLDEN / "record.py"), "--out", str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == [p.name for p in FILES]
    for path in FILES:
        (info, committed), (info_again, again) = load(path), load(tmp_path / path.name)
        assert info == info_again and sorted(committed) == sorted(again), path.name
        for name, value in committed.items():
            # Inputs and weights come from numpy's seeded generator: identical. Results may differ in the last
            # bits between CPUs (BLAS kernels), never more.
            np.testing.assert_allclose(again[name], value, rtol=1e-12, atol=1e-14, err_msg=f"{path.name} {name}")
