"""Digits drawn as pen strokes, and tiny CNNs, for the preprocessing and inspection tests."""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image, ImageDraw

#: Each digit as polylines in a unit box (x right, y down), like a pen on a canvas.
_ARC = [(0.5 + 0.5 * math.sin(t), 0.5 - 0.5 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 25)]
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5 + 0.4 * math.sin(t), 0.5 - 0.5 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 33)]],
    1: [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    2: [[(0.1, 0.25), (0.3, 0.03), (0.6, 0.0), (0.85, 0.2), (0.8, 0.45), (0.1, 1.0), (0.95, 1.0)]],
    3: [[(0.1, 0.1), (0.5, 0.0), (0.85, 0.2), (0.75, 0.42), (0.4, 0.5), (0.8, 0.6), (0.9, 0.85),
         (0.55, 1.0), (0.1, 0.9)]],
    4: [[(0.65, 1.0), (0.65, 0.0), (0.05, 0.7), (0.95, 0.7)]],
    5: [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.55, 0.38), (0.85, 0.6), (0.8, 0.9), (0.45, 1.0),
         (0.1, 0.9)]],
    6: [[(0.75, 0.0), (0.35, 0.25), (0.15, 0.6), (0.25, 0.95), (0.6, 1.0), (0.85, 0.75), (0.7, 0.5),
         (0.35, 0.5), (0.17, 0.65)]],
    7: [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
    8: [[(0.5, 0.48), (0.2, 0.3), (0.25, 0.05), (0.5, 0.0), (0.75, 0.05), (0.8, 0.3), (0.5, 0.48),
         (0.15, 0.7), (0.25, 0.95), (0.5, 1.0), (0.75, 0.95), (0.85, 0.7), (0.5, 0.48)]],
    9: [[(0.8, 0.35), (0.6, 0.5), (0.3, 0.45), (0.2, 0.2), (0.45, 0.0), (0.75, 0.1), (0.8, 0.35),
         (0.75, 1.0)]],
}


def draw_digit(digit: int, *, canvas: int = 280, box: tuple[float, float, float, float] = (70, 40, 210, 240),
               width: float = 18, dark_on_light: bool = False) -> np.ndarray:
    """Render ``digit`` with a round pen into ``box`` (x0, y0, x1, y1) of a square canvas; uint8 (H, W)."""
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    img = Image.new("L", (canvas, canvas), paper)
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    for line in STROKES[digit]:
        pts = [(x0 + px * (x1 - x0), y0 + py * (y1 - y0)) for px, py in line]
        draw.line(pts, fill=ink, width=max(1, round(width)), joint="curve")
        r = width / 2
        for px, py in (pts[0], pts[-1]):
            draw.ellipse((px - r, py - r, px + r, py + r), fill=ink)
    return np.asarray(img)


def tiny_cnn(seed: int = 0):
    """A small LeNet-like net for 28x28x1 inputs: conv 6 -> ReLU -> pool -> conv 12 -> ReLU -> pool -> dense 10."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(12 * 6 * 6, 10),
    )


#: The bundled sample's normalisation, rounded (the tiny test nets use it).
MEAN, STD = (0.13,), (0.31,)


@functools.lru_cache(maxsize=None)
def _trained_state(count: int, epochs: int, seed: int) -> tuple:
    import torch

    from cnn_explorer.core.datasets.bundled import load_mnist_sample

    images, labels = load_mnist_sample()
    pick = np.random.default_rng(seed).permutation(len(images))[:count]
    x = (torch.from_numpy(images[pick]).permute(0, 3, 1, 2).float() / 255 - MEAN[0]) / STD[0]
    y = torch.from_numpy(labels[pick])
    model = tiny_cnn(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(count, generator=gen).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return tuple(t.detach().clone() for t in model.state_dict().values())


def train_tiny_cnn(count: int = 3000, epochs: int = 1, seed: int = 0, model=None):
    """:func:`tiny_cnn` (or ``model``, of the same geometry) with weights trained briefly on ``count`` digits
    (a fixed random choice) of the bundled MNIST sample, about 87% accurate. Trained once per test session."""
    if model is None:
        model = tiny_cnn(seed)
    keys = list(model.state_dict())
    model.load_state_dict({k: v.clone() for k, v in zip(keys, _trained_state(count, epochs, seed))})
    model.zero_grad(set_to_none=True)
    return model.eval()


def tiny_spec():
    """The model spec of :func:`tiny_cnn`'s geometry, for tests that save and load a model."""
    from cnn_explorer.core.model.layers import Conv2D, Dense, Flatten, MaxPool
    from cnn_explorer.core.model.spec import ModelSpec

    layers = (Conv2D(6), MaxPool(), Conv2D(12, padding=(1, 1)), MaxPool(), Flatten(), Dense(10))
    return ModelSpec(layers, (28, 28, 1), tuple(str(d) for d in range(10)), name="tiny-test")
