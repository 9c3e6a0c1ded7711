"""Augmentation cost: one batch affine only, and affine + elastic distortion, next to a lenet5 training step.

The three advance in turn, a block of 10 calls each, in the same process (a
busy machine slows all of them alike); reported per batch size: the median
milliseconds a call of each, by the clock and in CPU time (the process's CPU
time over the threads: steadier on a busy machine), the elastic distortion's
extra cost, and that extra as a share of a whole training step (lenet5 forward,
backward and AdamW step on the affine-augmented batch). Target: the elastic
distortion adds at most 15% to a lenet5 training step on the CPU.

    python benchmarks/bench_augment.py [--threads 2] [--rounds 200] [--alpha 34]

Prints a table and exits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, metavar="N", help="CPU threads (default 2)")
    parser.add_argument("--rounds", type=int, default=30, metavar="N",
                        help="blocks of 10 calls timed per case (default 30)")
    parser.add_argument("--alpha", type=float, default=34.0, metavar="PX", help="elastic alpha (default 34)")
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as F

    from cnn_explorer.core.datasets import augment_batch, load_dataset
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.presets import preset

    torch.set_num_threads(args.threads)
    ds = load_dataset("mnist-sample")
    images = torch.from_numpy(ds.train_x[:512]).permute(0, 3, 1, 2).float().div(255)  # (N, 1, 28, 28)
    labels = torch.from_numpy(ds.train_y[:512]).long()
    torch.manual_seed(0)
    model = build_model(preset("lenet5", tuple(ds.input_shape), tuple(ds.class_names)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    print(f"# augmentation per batch of 28x28 digits, CPU {args.threads} threads, {args.rounds} rounds, "
          f"elastic alpha {args.alpha:g} px (median ms)")
    head = (f"{'batch':>5} {'clock':>6} {'affine':>8} {'+elastic':>9} {'extra':>7} {'train step':>11} "
            f"{'extra/step':>11}  result")
    print(head)
    print("-" * len(head))
    for batch in (64, 128):
        x, y = images[:batch], labels[:batch]
        generator = torch.Generator().manual_seed(0)

        def affine():
            return augment_batch(x, generator=generator)

        def elastic():
            return augment_batch(x, elastic=args.alpha, generator=generator)

        def step():
            loss = F.cross_entropy(model(augment_batch(x, generator=generator)), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        cases = {"affine": affine, "elastic": elastic, "step": step}
        wall: dict[str, list[float]] = {k: [] for k in cases}
        cpu: dict[str, list[float]] = {k: [] for k in cases}
        for i in range(args.rounds + 2):
            order = list(cases.items())
            for name, fn in (order if i % 2 == 0 else order[::-1]):
                began, began_cpu = time.perf_counter(), time.process_time()
                for _ in range(10):
                    fn()
                if i >= 2:  # warm-up
                    wall[name].append((time.perf_counter() - began) * 100)  # ms a call
                    cpu[name].append((time.process_time() - began_cpu) * 100 / args.threads)
        for clock, times in (("wall", wall), ("CPU", cpu)):
            a, e, s = (statistics.median(times[k]) for k in ("affine", "elastic", "step"))
            share = (e - a) / s
            print(f"{batch:5d} {clock:>6} {a:8.3f} {e:9.3f} {e - a:7.3f} {s:11.3f} {share:11.1%}  "
                  f"{'pass' if share <= 0.15 else 'FAIL'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
