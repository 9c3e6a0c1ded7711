"""Latency of conv + ReLU + 2x2 max-pool (run_pipeline) next to one torch conv2d call, in one run.

Usage: python benchmarks/bench_convolution.py [--repeats N]

For each size (28², 256², 512², 1024²) and grey / RGB input, times the median of repeated
runs of:
  pipeline     cnn_explorer run_pipeline(image, 3x3 kernel, valid, relu, max-pool 2x2) on the
               float64 (H, W[, 3]) array the app holds (conversion to float32 included);
  torch conv   torch.nn.functional.conv2d alone on a ready float32 (1, C, H, W) tensor;
  torch pipe   conv2d + relu + max_pool2d in torch, for reference.
The kernel is random (no zero weights to skip). Also prints the median process CPU time of
each, which stays meaningful when other processes share the cores. Prints a table and exits.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def median_ms(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median process CPU milliseconds of ``fn()`` (after one warm-up call)."""
    fn()  # warm-up (allocator, torch primitive caches)
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed runs per case (median reported)")
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
    from cnn_explorer.core.conv.pipeline import run_pipeline

    rng = np.random.default_rng(0)
    kernel = rng.uniform(0.5, 1.5, (3, 3)) * rng.choice([-1, 1], (3, 3))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    header = (f"{'input':>11} {'path':>8} {'pipeline ms':>12} {'torch conv ms':>14} {'ratio':>6} "
              f"{'torch pipe ms':>14} {'pipeline cpu':>13} {'torch conv cpu':>15}")
    print(header)
    print("-" * len(header))
    for side in (28, 256, 512, 1024):
        for channels in (1, 3):
            shape = (side, side) if channels == 1 else (side, side, channels)
            image = rng.integers(0, 256, shape).astype(np.float64)
            result = run_pipeline(image, kernel, ConvSettings(), "relu", PoolSettings())
            ours, ours_cpu = median_ms(lambda: run_pipeline(image, kernel, ConvSettings(), "relu", PoolSettings()), args.repeats)
            x = torch.from_numpy(image.reshape(side, side, channels).transpose(2, 0, 1).astype(np.float32).copy())[None]
            w = torch.from_numpy(np.repeat(kernel[None, None], channels, axis=1).astype(np.float32))
            with torch.no_grad():
                ref, ref_cpu = median_ms(lambda: F.conv2d(x, w), args.repeats)
                ref_pipe, _ = median_ms(lambda: F.max_pool2d(torch.relu(F.conv2d(x, w)), 2), args.repeats)
            path = "float64" if result.feature.dtype == np.float64 else "float32"
            label = f"{side}²" + (" RGB" if channels == 3 else " grey")
            print(f"{label:>11} {path:>8} {ours:12.2f} {ref:14.2f} {ours / ref:6.2f} {ref_pipe:14.2f} "
                  f"{ours_cpu:13.2f} {ref_cpu:15.2f}")
    print("ms = median wall clock; ratio = pipeline / torch conv alone (target at 1024² grey: ≤ 1.5, < 10 ms)")
    print("cpu = median process CPU time (all threads): a hint of the quiet-machine cost when the machine is busy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
