"""Forward + backward speed of gru_ref against torch on the CPU, measured in one process.

    python benchmarks/bench_layers.py [--repeats 30]

Prints, for GRU and LSTM at T=64, B=32, D=H=128 in float32, the median time of each,
their ratio (gru_ref / torch; below 1 means gru_ref is faster), and gru_ref's achieved
GFLOP/s against the peak of numpy's own float32 GEMM measured in the same run.
"""
import argparse
import statistics
import time

import numpy as np
import torch

import gru_ref
from gru_ref.counts import step_cost

T, B, D, H = 64, 32, 128, 128


def median_seconds(fn, repeats):
    fn()  # warm up caches and thread pools
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_gemm_peak(repeats):
    """Best float32 GEMM rate numpy reaches here, over shapes like the ones the layers use."""
    rng = np.random.default_rng(0)
    best = 0.0
    for m, k, n in ((T * B, D, 4 * H), (B, H, 4 * H), (1024, 1024, 1024)):
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        best = max(best, 2 * m * k * n / median_seconds(lambda: a @ b, repeats) / 1e9)
    return best


def bench(cell, repeats):
    torch_cls, ours_cls = {"gru": (torch.nn.GRU, gru_ref.GRU), "lstm": (torch.nn.LSTM, gru_ref.LSTM)}[cell]
    torch.manual_seed(0)
    theirs = torch_cls(D, H)
    ours = ours_cls(D, H)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, D), dtype=np.float32)
    d_out = rng.standard_normal((T, B, H), dtype=np.float32)
    x_torch, d_out_torch = torch.from_numpy(x).requires_grad_(), torch.from_numpy(d_out)

    def run_ours():
        ours(x)
        ours.backward(d_out)

    def run_torch():
        theirs.zero_grad()
        out, _ = theirs(x_torch)
        out.backward(d_out_torch)

    ours_s, torch_s = median_seconds(run_ours, repeats), median_seconds(run_torch, repeats)
    # forward GEMMs, then backward's two (d input/state, d weights): 3 x the forward multiply-adds
    flops = 2 * 3 * T * B * step_cost(cell, D, H)["matmul_macs"]
    return ours_s, torch_s, flops / ours_s / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(2)
    peak = numpy_gemm_peak(args.repeats)
    print(f"T={T} B={B} D={D} H={H} float32, torch {torch.__version__}, numpy {np.__version__}, "
          f"{torch.get_num_threads()} torch threads; median of {args.repeats} runs")
    print(f"numpy float32 GEMM peak in this run: {peak:.1f} GFLOP/s")
    for cell in ("gru", "lstm"):
        ours_s, torch_s, gflops = bench(cell, args.repeats)
        print(f"{cell.upper():4} forward+backward: gru_ref {ours_s * 1e3:7.2f} ms, torch {torch_s * 1e3:7.2f} ms, "
              f"ratio gru_ref/torch {ours_s / torch_s:.2f}; gru_ref {gflops:.1f} GFLOP/s = {gflops / peak:.0%} of GEMM peak")


if __name__ == "__main__":
    main()
