"""Demos: the cost of what each demo computes and shows, next to a reference in the same run.

learn-kernel, at 9×9 (slide 004's X) and 28×28 (a random ±1 grid), 3×3 kernel (median and p95):
  core step                   KernelLearning.step: forward map, loss, dL/dy, dL/dw, dL/db, w − lr·g (float64)
  torch autograd step         the reference: F.conv2d, MSE, backward() and the update, float64 on the CPU
  frame: one step             LearnKernelDemo.advance at "One step a frame", repainted (what Run shows)
  frame: one gradient cell    the same at "Each gradient cell"
  frame: one multiply-add     the same at "Each multiply-add"
Painting is offscreen (QT_QPA_PLATFORM=offscreen). Targets: a core step ≤ 1 ms at 28×28; a frame ≤ 50 ms
(Run's fastest frame is 60 ms apart). Prints a table and exits.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_demos.py [--steps 200] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from window_timing import stats  # noqa: E402 - benchmarks/, on the path when run as a script

#: the clock: wall time, or this thread's CPU time with --cpu (steadier on a loaded machine)
_CLOCK = [time.perf_counter]


def _time(fn, repeats: int) -> tuple[float, float]:
    clock = _CLOCK[0]
    fn()                                          # warm-up (imports, caches)
    samples = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    median, p95, _most = stats(samples)
    return median, p95


def _torch_step(image: np.ndarray, target_map: np.ndarray, rate: float):
    import torch

    torch.set_num_threads(1)                                  # a 3×3 kernel on 28×28: threads only cost
    F = torch.nn.functional
    x = torch.tensor(image[None, None])                       # (1, 1, H, W)
    t = torch.tensor(target_map)
    w = torch.zeros((1, 1, 3, 3), dtype=torch.float64, requires_grad=True)

    def step() -> None:
        loss = ((F.conv2d(x, w)[0, 0] - t) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(rate * w.grad)
            w.grad = None
    return step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed repeats per row (default 200)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with this thread's CPU time instead of the wall clock (a loaded machine)")
    args = parser.parse_args(argv)
    if args.cpu:
        _CLOCK[0] = time.thread_time
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from cnn_explorer.core.kernels import seed_grids as seeds
    from cnn_explorer.core.train.learn_kernel import KernelLearning
    from cnn_explorer.ui.demos.learn_kernel import LearnKernelDemo
    from cnn_explorer.ui.theme import apply_theme

    apply_theme(app)
    rng = np.random.default_rng(0)
    cases = (("9×9", seeds.SLIDE_004_X_IMAGE), ("28×28", np.where(rng.random((28, 28)) < 0.3, 1.0, -1.0)))
    demo = LearnKernelDemo()
    demo.resize(1366, 768)
    demo.show()
    app.processEvents()
    rows = []
    for name, image in cases:
        learning = KernelLearning(image, seeds.SLIDE_004_DIAGONAL, rate=0.05)
        w = [learning.start]

        def core_step() -> None:
            w[0] = learning.step(w[0]).new_kernel
        rows.append((name, "core step", *_time(core_step, args.steps)))
        rows.append((name, "torch autograd step (reference)",
                     *_time(_torch_step(image, learning.target_map, 0.05), args.steps)))
        demo.set_input(image)
        demo.rate_spin.setValue(0.05)
        for speed, label in (("step", "frame: one step"), ("cell", "frame: one gradient cell"),
                             ("product", "frame: one multiply-add")):
            demo.speed_combo.setCurrentIndex(demo.speed_combo.findData(speed))
            demo.reset()
            app.processEvents()

            def frame() -> None:
                demo.advance()
                demo.repaint()
            rows.append((name, label, *_time(frame, max(20, args.steps // 4))))
    demo.shutdown()
    demo.close()
    print(f"{'input':<7} {'what':<34} {'median ms':>10} {'p95 ms':>9}")
    for name, what, median, p95 in rows:
        print(f"{name:<7} {what:<34} {median:>10.3f} {p95:>9.3f}")
    core = {name: median for name, what, median, _p in rows if what == "core step"}
    ref = {name: median for name, what, median, _p in rows if what.startswith("torch")}
    for name in core:
        print(f"{name}: core step is {core[name] / ref[name]:.2f}× the torch autograd step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
