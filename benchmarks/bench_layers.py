"""Forward + backward speed of gru_ref against torch on the CPU, measured in one process.

    python benchmarks/bench_layers.py [--repeats 30] [--threads 2]

Prints, for GRU and LSTM at T=64, B=32, D=H=128 in float32, the median time of each,
their ratio (gru_ref / torch; below 1 means gru_ref is faster), gru_ref's achieved
GFLOP/s against the peak of numpy's own float32 GEMM measured in the same run, and the
floor that peak puts under gru_ref: its GEMM work alone, done at the peak rate.

torch's intra-op threads and numpy's BLAS threads are pinned to the same number, and both
counts are printed: a ratio between libraries running on different numbers of cores says
nothing. Minor page faults per run are printed too: fresh memory that the allocator has to
fault in again on every call is a cost of its own, and it varies with the allocator's state.
"""
import argparse
import resource
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

import gru_ref
from gru_ref.counts import step_cost

T, B, D, H = 64, 32, 128, 128


def median_seconds(fn, repeats):
    """Median wall time of fn() over `repeats` runs, and the minor page faults per run."""
    fn()  # warm up caches and thread pools
    times = []
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return statistics.median(times), faults / repeats


def numpy_gemm_peak(repeats):
    """Best float32 GEMM rate numpy reaches here, over shapes like the ones the layers use."""
    rng = np.random.default_rng(0)
    best = 0.0
    for m, k, n in ((T * B, D, 4 * H), (B, H, 4 * H), (1024, 1024, 1024)):
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        best = max(best, 2 * m * k * n / median_seconds(lambda a=a, b=b: a @ b, repeats)[0] / 1e9)
    return best


def numpy_blas():
    """Threads and library of the BLAS that numpy calls, as threadpoolctl sees them."""
    numpy_libraries = [info for info in threadpool_info()
                       if info["user_api"] == "blas" and "numpy" in info["filepath"]]
    info = (numpy_libraries or [i for i in threadpool_info() if i["user_api"] == "blas"])[0]
    kernels = f", {info['architecture']} kernels" if info.get("architecture") else ""
    return info["num_threads"], f"{info['internal_api']} {info['version']}{kernels}"


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

    # One library after the other: taking turns would measure their thread pools, each spinning on
    # the cores for a while after a call, getting in the other's way.
    (ours_s, ours_faults), (torch_s, _) = median_seconds(run_ours, repeats), median_seconds(run_torch, repeats)
    # forward GEMMs, then backward's two (d input/state, d weights): 3 x the forward multiply-adds
    flops = 2 * 3 * T * B * step_cost(cell, D, H)["matmul_macs"]
    return ours_s, torch_s, flops, ours_faults


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="for torch and for numpy's BLAS alike")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas_threads, blas = numpy_blas()
        print(f"T={T} B={B} D={D} H={H} float32, torch {torch.__version__}, numpy {np.__version__}; "
              f"median of {args.repeats} runs")
        print(f"threads: torch {torch.get_num_threads()}, numpy BLAS {blas_threads} ({blas})")
        peak = numpy_gemm_peak(args.repeats)
        print(f"numpy float32 GEMM peak in this run: {peak:.1f} GFLOP/s")
        for cell in ("gru", "lstm"):
            ours_s, torch_s, flops, faults = bench(cell, args.repeats)
            gflops, floor_s = flops / ours_s / 1e9, flops / (peak * 1e9)
            print(f"{cell.upper():4} forward+backward: gru_ref {ours_s * 1e3:7.2f} ms, torch {torch_s * 1e3:7.2f} ms, "
                  f"ratio gru_ref/torch {ours_s / torch_s:.2f}; gru_ref {gflops:.1f} GFLOP/s = {gflops / peak:.0%} "
                  f"of GEMM peak; {faults:.0f} page faults per run")
            print(f"     {flops / 1e9:.2f} GFLOP of GEMMs take {floor_s * 1e3:.2f} ms at the peak: "
                  f"gru_ref/torch can be no lower than {floor_s / torch_s:.2f} here")


if __name__ == "__main__":
    main()
