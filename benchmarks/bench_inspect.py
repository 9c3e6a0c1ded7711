"""Classify-page work per canvas update, inspection tools, feature visualization, bundled model accuracy.

Usage: python benchmarks/bench_inspect.py [--updates N] [--threads N] [--model MODEL] [--skip-accuracy]

Times (median and 95th percentile) on a 280x280 canvas while a digit is drawn
stroke by stroke, one update per mouse move:
  preprocess                   prepare_input: ink, crop, 20 px box, centre of mass, normalise
  preprocess + forward         ... + the model's probabilities (the prediction bars)
  preprocess + all layers      ... + every layer's activations in one pass (the page's stacks)
The page's target is p95 <= 30 ms from mouse move to repainted bars, so this
core work must leave room for the repaint. Then saliency, Grad-CAM, occlusion,
top patches over the 5,000-digit sample, and activation maximization time per
100 steps (a class, and a channel of the last conv). Finally the model's
accuracy on the real MNIST test set (../shared/data/mnist-test, evaluation
only), as stored and through the page's preprocessing. Prints a table and exits.

The model is the bundled one ("mnist") when it exists, else an untrained
mnist-fast (timings only, no accuracy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"

#: A "2" and a "5" as pen paths on a 280x280 canvas.
PATHS = [
    [(60, 80), (80, 45), (130, 30), (180, 45), (200, 90), (180, 140), (70, 240), (220, 240)],
    [(200, 40), (90, 40), (80, 130), (150, 115), (200, 160), (190, 220), (130, 245), (70, 225)],
]


def _stats(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000.0 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


def _strokes(updates: int) -> list[np.ndarray]:
    """Canvases as a pen draws the paths, ``updates`` mouse moves in all (uint8, ink 255 on 0)."""
    frames = []
    per_path = max(2, updates // len(PATHS))
    for path in PATHS:
        pts = np.array(path, float)
        seg = np.cumsum(np.r_[0, np.hypot(*np.diff(pts, axis=0).T)])
        img = Image.new("L", (280, 280), 0)
        draw = ImageDraw.Draw(img)
        last = tuple(pts[0])
        for t in np.linspace(0, seg[-1], per_path)[1:]:
            point = (np.interp(t, seg, pts[:, 0]), np.interp(t, seg, pts[:, 1]))
            draw.line([last, point], fill=255, width=18, joint="curve")
            last = point
            frames.append(np.asarray(img).copy())
    return frames


def _load(name: str):
    from cnn_explorer.core.train.checkpoints import load_model, model_files

    if model_files(name)[1].is_file():
        loaded = load_model(name)
        return loaded.model, loaded.spec.input_shape, loaded.mean, loaded.std, f"{name} (trained)"
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.presets import preset

    spec = preset("mnist-fast", (28, 28, 1), tuple("0123456789"))
    return build_model(spec).eval(), spec.input_shape, (0.1307,), (0.3081,), "mnist-fast (UNTRAINED: no bundled model)"


def _row(name: str, samples: list[float]) -> None:
    med, p95 = _stats(samples)
    print(f"  {name:<34} {med:9.2f} {p95:9.2f}")


def _timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=200, help="mouse-move updates to time (default 200)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--model", default="mnist", help="model to use (default: the bundled 'mnist')")
    parser.add_argument("--skip-accuracy", action="store_true", help="skip the MNIST test-set accuracy")
    args = parser.parse_args(argv)

    import torch

    from cnn_explorer.core import interpret as I
    from cnn_explorer.core.datasets.preprocess import prepare_input
    from cnn_explorer.core.interpret.common import probabilities
    from cnn_explorer.core.train.engine import describe_device

    if args.threads:
        torch.set_num_threads(args.threads)
    model, shape, mean, std, label = _load(args.model)
    print(f"model: {label}; torch {torch.__version__}, {describe_device(torch.device('cpu'))}, "
          f"{torch.get_num_threads()} threads")
    frames = _strokes(args.updates)

    def forward(inp):
        with torch.inference_mode():
            return probabilities(model(torch.from_numpy(inp.array)))[0].numpy()

    for f in frames[:5]:
        forward(prepare_input(f, shape, mean, std))
    pre, fwd, layers = [], [], []
    for f in frames:
        t0 = time.perf_counter()
        inp = prepare_input(f, shape, mean, std)
        t1 = time.perf_counter()
        forward(inp)
        t2 = time.perf_counter()
        prepare_input(f, shape, mean, std)
        I.layer_activations(model, inp)
        t3 = time.perf_counter()
        pre.append(t1 - t0)
        fwd.append(t2 - t0)
        layers.append(t3 - t2)
    print(f"\nper canvas update ({len(frames)} mouse moves, 280x280 canvas)    median ms   p95 ms")
    _row("preprocess", pre)
    _row("preprocess + forward (bars)", fwd)
    _row("preprocess + all layers", layers)

    inp = prepare_input(frames[-1], shape, mean, std)
    print("\ninspection (one 28x28 drawing)                  median ms   p95 ms")
    _row("saliency", _timed(lambda: I.saliency_map(model, inp), 20))
    _row("Grad-CAM (last conv)", _timed(lambda: I.grad_cam(model, inp), 20))
    _row("occlusion (6 px patch, stride 2)", _timed(lambda: I.occlusion_map(model, inp), 3))
    _row("knock out a filter + forward", _timed(lambda: _knockout(I, model, inp), 20))
    if tuple(shape) == (28, 28, 1):
        from cnn_explorer.core.datasets.bundled import load_mnist_sample

        images, _ = load_mnist_sample()
        _row("top-9 patches, all convs, 5,000", _timed(
            lambda: I.top_patches(model, images, k=9, mean=mean, std=std), 1))

    print("\nactivation maximization                       s / 100 steps")
    conv = I.last_conv(model)
    targets = (("class 3 (logit)", dict(layer=None, index=3)), (f"{conv} channel 0", dict(layer=conv, index=0)))
    for what, kwargs in targets:
        list(I.maximize_activation(model, shape, steps=10, mean=mean, std=std, **kwargs))  # warm-up
        t0 = time.perf_counter()
        frames_out = list(I.maximize_activation(model, shape, steps=100, every=10, mean=mean, std=std, **kwargs))
        dt = time.perf_counter() - t0
        first, last = frames_out[0].activation, frames_out[-1].activation
        print(f"  {what:<34} {dt:9.2f}   (activation {first:.2f} -> {last:.2f})")

    if not args.skip_accuracy and "trained" in label:
        _accuracy(model, shape, mean, std)
    return 0


def _knockout(I, model, inp):
    with I.ModelEditor(model) as editor:
        editor.knock_out(I.conv_names(model)[0], 0)
        I.layer_activations(model, inp)


def _accuracy(model, shape, mean, std) -> None:
    if not (MNIST_TEST / "t10k-images-idx3-ubyte.gz").is_file():
        print(f"\naccuracy: skipped, the MNIST test set is not at {MNIST_TEST}")
        return
    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.datasets.preprocess import prepare_input
    from cnn_explorer.core.train.engine import predict_proba

    test = load_dataset(str(MNIST_TEST))
    x, y = test.test_x, test.test_y
    stored = float((predict_proba(model, x, (mean, std)).argmax(1) == y).mean())
    t0 = time.perf_counter()
    seen = np.stack([prepare_input(img, shape).seen for img in x])[..., None]
    per = (time.perf_counter() - t0) / len(x) * 1000
    redone = float((predict_proba(model, seen, (mean, std)).argmax(1) == y).mean())
    print(f"\naccuracy on the real MNIST test set ({len(y)} digits, evaluation only)")
    print(f"  as stored                          {stored:.2%}")
    print(f"  through the page's preprocessing   {redone:.2%}   ({per:.2f} ms per digit)")


if __name__ == "__main__":
    sys.exit(main())
