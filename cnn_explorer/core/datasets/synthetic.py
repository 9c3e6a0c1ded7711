"""Synthetic datasets generated in the app, seeded: X vs O (slide 004), "\\" vs "/" (slide 000), shapes.

Images are float32 in 0..1, ink = 1, background = 0. The slides draw these
pictures as +1/-1 pixels; that is ``2 * x - 1`` of what is stored here, and
after the dataset's mean/std normalisation a network sees the same input
either way (normalisation removes any scale and offset).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Union

import numpy as np
from PIL import Image, ImageDraw

from cnn_explorer.core.errors import CnnExplorerError

#: a seed as numpy's default_rng takes it: a whole number, or a sequence of them (a fresh draw's)
Seed = Union[int, Sequence[int]]

XO_CLASSES = ("X", "O")
SLASH_CLASSES = ("backslash", "slash")
SHAPE_CLASSES = ("line", "circle", "triangle", "square")

# The O glyphs, as in slide 004's 9x9 pictures (the X glyphs are the two diagonals).
_O_GLYPHS = {
    5: ["01110", "10001", "10001", "10001", "01110"],
    6: ["011110", "100001", "100001", "100001", "100001", "011110"],
    7: ["0011100", "0100010", "1000001", "1000001", "1000001", "0100010", "0011100"],
}


def _glyph(kind: str, size: int) -> np.ndarray:
    if kind == "X":
        g = np.zeros((size, size), dtype=np.float32)
        idx = np.arange(size)
        g[idx, idx] = 1.0
        g[idx, size - 1 - idx] = 1.0
        return g
    return np.array([[float(ch) for ch in row] for row in _O_GLYPHS[size]], dtype=np.float32)


def slide_x() -> np.ndarray:
    """Slide 004's 9x9 X as +1/-1 (ones on both diagonals of rows/columns 1..7)."""
    img = -np.ones((9, 9))
    img[1:8, 1:8] = 2 * _glyph("X", 7) - 1
    return img


def make_xo(n: int = 600, seed: Seed = 0, noise: float = 0.08,
            labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n 9x9 pictures of X (label 0) and O (label 1), half each: (n, 9, 9, 1) float32, (n,) int64.

    Each glyph is 5, 6 or 7 pixels wide, placed anywhere it fits (a shift of
    up to 4 pixels), may lose one ink pixel or gain one stray pixel, and gets
    Gaussian noise of standard deviation ``noise``. Still learnable to 100%.
    ``labels`` (given) draws one picture of each of these classes instead (``n`` is then ignored).
    """
    rng = np.random.default_rng(seed)
    labels, n = _labels(labels, n, len(XO_CLASSES), rng)
    images = np.zeros((n, 9, 9), dtype=np.float32)
    for i, label in enumerate(labels):
        size = int(rng.choice([5, 6, 7], p=[0.25, 0.25, 0.5]))
        g = _glyph(XO_CLASSES[label], size).copy()
        r = rng.random()
        if r < 0.25:  # a pen skip: one ink pixel missing
            on = np.argwhere(g > 0)
            g[tuple(on[rng.integers(len(on))])] = 0.0
        elif r < 0.5:  # a stray dot
            off = np.argwhere(g == 0)
            g[tuple(off[rng.integers(len(off))])] = 1.0
        top, left = rng.integers(0, 9 - size + 1, size=2)
        images[i, top:top + size, left:left + size] = g
    images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0)[..., None], labels.astype(np.int64)


# The 2x2 patterns of slide 000 as +1/-1: perfect strokes and the one-pixel-off variants
# ("poorly drawn", "incomplete"); the weights + - / - + score them positive for "\" and negative for "/".
_BACKSLASH = np.array([[1, -1], [-1, 1]], dtype=np.float32)


def slash_patterns() -> tuple[np.ndarray, np.ndarray]:
    """All ten unambiguous 2x2 +1/-1 pictures: (10, 2, 2) and labels (0 = "\\", 1 = "/").

    They are the 16 possible pictures whose slide score (weights + - / - +)
    is not 0: score 4 or 2 is a backslash, -4 or -2 a slash.
    """
    pats, labels = [], []
    for bits in range(16):
        p = np.array([1 if bits >> k & 1 else -1 for k in range(4)], dtype=np.float32).reshape(2, 2)
        score = float((p * _BACKSLASH).sum())
        if score != 0:
            pats.append(p)
            labels.append(0 if score > 0 else 1)
    return np.stack(pats), np.array(labels, dtype=np.int64)


def make_slashes(n: int = 400, seed: Seed = 0, noise: float = 0.1,
                 labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n 2x2 pictures of "\\" (label 0) and "/" (label 1), half each: (n, 2, 2, 1) float32, (n,) int64.

    Half of each class are perfect strokes, half one pixel off (a pixel added
    or missing), all with Gaussian noise of standard deviation ``noise``.
    ``labels`` (given) draws one picture of each of these classes instead (``n`` is then ignored).
    """
    rng = np.random.default_rng(seed)
    pats, pat_labels = slash_patterns()
    scores = (pats * _BACKSLASH).sum(axis=(1, 2))
    labels, n = _labels(labels, n, len(SLASH_CLASSES), rng)
    images = np.zeros((n, 2, 2), dtype=np.float32)
    for i, label in enumerate(labels):
        perfect = rng.random() < 0.5
        choices = np.flatnonzero((pat_labels == label) & ((np.abs(scores) == 4) == perfect))
        images[i] = (pats[rng.choice(choices)] + 1) / 2
    images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0)[..., None], labels.astype(np.int64)


def make_shapes(n: int = 800, size: int = 28, seed: Seed = 0, noise: float = 0.05,
                labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n outline drawings of lines, circles, triangles and squares: (n, size, size, 1) float32, (n,) int64.

    Each is drawn at 4x resolution and box-filtered down (anti-aliased), with a
    random size (40-80% of the image), rotation, position and slight
    distortion, then Gaussian noise of standard deviation ``noise``.
    ``labels`` (given) draws one picture of each of these classes instead (``n`` is then ignored).
    """
    if not isinstance(size, (int, np.integer)) or not 8 <= size <= 256:
        raise CnnExplorerError(f"size: shapes are drawn from 8 to 256 pixels, got {size!r}")
    size = int(size)
    rng = np.random.default_rng(seed)
    labels, n = _labels(labels, n, len(SHAPE_CLASSES), rng)
    up = 4
    big = size * up
    images = np.zeros((n, size, size), dtype=np.float32)
    for i, label in enumerate(labels):
        canvas = Image.new("L", (big, big), 0)
        draw = ImageDraw.Draw(canvas)
        radius = big * rng.uniform(0.2, 0.4)
        cx, cy = big / 2 + rng.uniform(-1, 1, size=2) * (big / 2 - radius - up)
        angle = rng.uniform(0, 2 * math.pi)
        width = max(up, round(big * rng.uniform(0.06, 0.1)))
        kind = SHAPE_CLASSES[label]
        if kind == "line":
            dx, dy = radius * math.cos(angle), radius * math.sin(angle)
            draw.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=255, width=width)
        elif kind == "circle":
            squash = rng.uniform(0.85, 1.0)
            pts = [
                (cx + radius * math.cos(t) * math.cos(angle) - radius * squash * math.sin(t) * math.sin(angle),
                 cy + radius * math.cos(t) * math.sin(angle) + radius * squash * math.sin(t) * math.cos(angle))
                for t in np.linspace(0, 2 * math.pi, 64, endpoint=False)
            ]
            _curve_line(draw, pts + pts[:1], width)
        else:
            corners = 3 if kind == "triangle" else 4
            jitter = rng.uniform(-0.08, 0.08, size=corners) * 2 * math.pi / corners
            pts = [
                (cx + radius * math.cos(angle + 2 * math.pi * k / corners + jitter[k]),
                 cy + radius * math.sin(angle + 2 * math.pi * k / corners + jitter[k]))
                for k in range(corners)
            ]
            _curve_line(draw, pts + pts[:1], width)
        small = canvas.resize((size, size), Image.Resampling.BOX)
        images[i] = np.asarray(small, dtype=np.float32) / 255.0
    images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0)[..., None], labels.astype(np.int64)


def _curve_line(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], width: int) -> None:
    """``draw.line(points, fill=255, width=width, joint="curve")``, the same pixels (Pillow's joints, as in 10-13),
    a third faster: drawn with the draw's core calls, without its per-joint wrappers (a circle has 64 joints)."""
    core = draw.draw
    ink = core.draw_ink(255)
    core.draw_lines(points, ink, width)
    if width <= 4:
        return
    half = width / 2
    distance = half - 1
    for i in range(1, len(points) - 1):
        px, py = point = points[i]
        sx, sy = points[i - 1]
        ex, ey = points[i + 1]
        a0 = math.degrees(math.atan2(px - sx, sy - py)) % 360
        a1 = math.degrees(math.atan2(ex - px, py - ey)) % 360
        if a0 == a1:  # a straight line needs no joint
            continue
        flipped = (a1 > a0 and a1 - 180 > a0) or (a1 < a0 and a1 + 180 > a0)
        start, end = (a1 + 90, a0 + 90) if flipped else (a0 - 90, a1 - 90)
        core.draw_pieslice([(px - half + 1, py - half + 1), (px + half - 1, py + half - 1)], start - 90, end - 90,
                           ink, 1)
        if width > 8:  # cover the gaps between the line and the joint
            turn = 90 if flipped else -90
            gap = [_at_angle(px, py, a0 + turn, distance), point, _at_angle(px, py, a1 + turn, distance)]
            core.draw_lines(gap, ink, 3)


def _at_angle(x: float, y: float, angle: float, distance: float) -> tuple[float, float]:
    """Pillow's joint helper: (x, y) moved ``distance`` towards ``angle`` - 90 degrees, rounded towards it."""
    angle -= 90
    dx, dy = distance * math.cos(math.radians(angle)), distance * math.sin(math.radians(angle))
    return x + (math.floor(dx) if dx > 0 else math.ceil(dx)), y + (math.floor(dy) if dy > 0 else math.ceil(dy))


def _labels(labels: np.ndarray | None, n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """The classes to draw: ``labels`` as given, else ``n`` in equal shares (as near as ``n`` allows), shuffled."""
    if labels is None:
        drawn = np.arange(n) % classes
        rng.shuffle(drawn)
        return drawn, n
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1 or (labels.size and (labels.min() < 0 or labels.max() >= classes)):
        raise CnnExplorerError(f"labels: must be a list of classes 0..{classes - 1}")
    return labels, len(labels)


#: the first word of every fresh draw's seed: a loaded dataset's seed is one whole number, so no fresh draw
#: shares a random stream with the training, validation or test images it was split from
FRESH_SEED_TAG = 0x46524553  # "FRES"
#: a fresh set is drawn in chunks of this many images, each from its own seed, so a draw can stop between them
FRESH_CHUNK = 64

#: draws images of the given classes from a seed: (labels, seed) -> (N, H, W, 1) float32
Drawer = Callable[[np.ndarray, Seed], np.ndarray]


def drawer(name: str, size: int = 28) -> Drawer:
    """The function that draws more pictures like the synthetic dataset ``name``'s ("xo", "slashes", "shapes")."""
    if name == "xo":
        return lambda labels, seed: make_xo(seed=seed, labels=labels)[0]
    if name == "slashes":
        return lambda labels, seed: make_slashes(seed=seed, labels=labels)[0]
    if name == "shapes":
        return lambda labels, seed: make_shapes(size=size, seed=seed, labels=labels)[0]
    raise CnnExplorerError(f"{name}: not a synthetic dataset (xo, slashes, shapes)")


def draw_fresh(draw: Drawer, labels: np.ndarray, seed: int, epoch: int,
               stop: Callable[[], bool] | None = None) -> np.ndarray | None:
    """A fresh set of pictures of ``labels``' classes, the same for the same (seed, epoch); None when ``stop()``.

    Drawn in chunks of :data:`FRESH_CHUNK` images, asking ``stop`` before each (a draw of a few hundred
    shapes takes most of a second).
    """
    parts = []
    for index, start in enumerate(range(0, len(labels), FRESH_CHUNK)):
        if stop is not None and stop():
            return None
        parts.append(draw(labels[start:start + FRESH_CHUNK], (FRESH_SEED_TAG, int(seed), int(epoch), index)))
    if not parts:
        return None
    return np.concatenate(parts)
