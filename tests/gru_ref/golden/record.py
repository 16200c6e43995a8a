"""Record the golden files that test_golden.py checks gru_ref against on machines without torch or keras.

Run from the repository root with torch and keras installed (KERAS_BACKEND=torch is set here):

    .venv/bin/python tests/gru_ref/golden/record.py            # rewrites tests/gru_ref/golden/*.npz
    .venv/bin/python tests/gru_ref/golden/record.py --out DIR  # writes elsewhere (test_golden compares the two)

Every value comes from torch or keras (gradients by torch autograd, through the Keras layer for Keras
cases), never from gru_ref. Deterministic: seeded inputs and weights, and .npz files written with fixed
zip timestamps, so that recording twice gives identical bytes.

File layout (float64 arrays, torch conventions): meta (JSON: source, cell, layer options, tolerance),
x, h0, c0, d_out, d_h_n, d_c_n (the absent ones are omitted), param.<torch name> or keras.<i>
(layer.get_weights()[i]), out, h_n, c_n, grad.x, grad.h0, grad.c0, grad.<torch name>.
"""
import argparse
import io
import json
import os
import pathlib
import sys
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
FIXED_DATE = (1980, 1, 1, 0, 0, 0)

# (file stem, oracles.Case fields) for torch; the draws are fixed so that the files never change.
TORCH_CASES = [
    ("torch_rnn_tanh", dict(cell="rnn_tanh", seed=101, T=4, B=2, D=3, H=3, num_layers=2, bidirectional=True)),
    ("torch_rnn_relu", dict(cell="rnn_relu", seed=102, T=3, B=2, D=2, H=3, batch_first=True, give_d_h_n=False)),
    ("torch_gru", dict(cell="gru", seed=103, T=4, B=2, D=3, H=3, num_layers=2, bidirectional=True)),
    ("torch_gru_unbatched_no_bias", dict(cell="gru", seed=104, T=5, B=1, D=2, H=3, unbatched=True, bias=False)),
    ("torch_lstm", dict(cell="lstm", seed=105, T=4, B=2, D=3, H=3, num_layers=2, bidirectional=True)),
    ("torch_lstm_batch_first", dict(cell="lstm", seed=106, T=3, B=3, D=2, H=2, batch_first=True, give_h0=False,
                                    give_d_h_n=False)),
]
# (file stem, cell, keras options, gru_ref layer options, tolerance). SimpleRNN and GRU(reset_after=False)
# run keras.ops.matmul, which Keras 3.15 computes in float32 even in float64 layers (see test_layers_keras.py).
KERAS_CASES = [
    ("keras_simple_rnn", "rnn", {"activation": "tanh"}, {"nonlinearity": "tanh"}, 1e-6),
    ("keras_gru_reset_after", "gru", {"reset_after": True}, {"reset": "after"}, 1e-10),
    ("keras_gru_reset_before", "gru", {"reset_after": False}, {"reset": "before"}, 1e-6),
    ("keras_lstm", "lstm", {}, {}, 1e-10),
]


def write_npz(path, arrays):
    """np.savez, but byte-reproducible: sorted members with a fixed timestamp."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    pathlib.Path(path).write_bytes(buffer.getvalue())


def meta(**fields):
    return np.array(json.dumps(fields, sort_keys=True))


def record_torch(oracles, fields):
    case = oracles.Case(**fields)
    lstm = oracles.base_cell(case.cell) == "lstm"
    state_dict = oracles.case_state_dict(case, scale=1.5)
    data = oracles.case_data(case)
    result = oracles.run_torch(oracles.load_torch(oracles.torch_layer(case, np.float64), state_dict), data, lstm,
                               oracles.zeros_state_shape(case))
    base = oracles.base_cell(case.cell)
    options = dict(input_size=case.D, hidden_size=case.H, num_layers=case.num_layers, bias=case.bias,
                   batch_first=case.batch_first, bidirectional=case.bidirectional)
    if base == "rnn":
        options["nonlinearity"] = case.cell.split("_")[1]
    arrays = {"meta": meta(source="torch", cell=base, options=options, tolerance=1e-10)}
    arrays.update({name: value for name, value in vars(data).items() if value is not None})
    arrays.update({f"param.{name}": value for name, value in state_dict.items()})
    arrays.update(out=result["out"], h_n=result["h_n"], **{"grad.x": result["d_x"], "grad.h0": result["d_h0"]})
    if lstm:
        arrays.update(c_n=result["c_n"], **{"grad.c0": result["d_c0"]})
    arrays.update({f"grad.{name}": value for name, value in result["params"].items()})
    return arrays


def record_keras(oracles, cell, keras_options, layer_options, tolerance, seed):
    T, B, D, H = 4, 2, 3, 3
    layer = oracles.keras_layer(cell, H, D, np.float64, seed=seed, scale=1.5, **keras_options)
    rng = np.random.default_rng([seed, 43])
    x, h0, c0 = rng.normal(size=(B, T, D)), rng.uniform(-1, 1, (B, H)), rng.normal(size=(B, H))
    d_out, d_h, d_c = rng.normal(size=(B, T, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    lstm = cell == "lstm"
    result = oracles.run_keras(layer, x, h0, c0 if lstm else None, d_out, d_h, d_c if lstm else None)
    options = dict(input_size=D, hidden_size=H, batch_first=True, **layer_options)
    arrays = {"meta": meta(source="keras", cell=cell, options=options, tolerance=tolerance),
              "x": x, "h0": h0[None], "d_out": d_out, "d_h_n": d_h[None],
              "out": result["out"], "h_n": result["h"][None], "grad.x": result["d_x"], "grad.h0": result["d_h0"][None]}
    if lstm:
        arrays.update(c0=c0[None], d_c_n=d_c[None], c_n=result["c"][None], **{"grad.c0": result["d_c0"][None]})
    arrays.update({f"keras.{i}": w for i, w in enumerate(layer.get_weights())})
    gradients = oracles.keras_gradients_in_torch_names(cell, result["d_weights"],
                                                       keras_options.get("reset_after", True))
    arrays.update({f"grad.{name}": value for name, value in gradients.items()})
    return arrays


def main(out_dir):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    sys.path.insert(0, str(HERE.parent))
    import oracles

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, fields in TORCH_CASES:
        write_npz(out_dir / f"{stem}.npz", record_torch(oracles, fields))
    for seed, (stem, cell, keras_options, layer_options, tolerance) in enumerate(KERAS_CASES, start=201):
        write_npz(out_dir / f"{stem}.npz", record_keras(oracles, cell, keras_options, layer_options, tolerance, seed))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE), help="directory for the .npz files (default: next to this file)")
    main(parser.parse_args().out)
