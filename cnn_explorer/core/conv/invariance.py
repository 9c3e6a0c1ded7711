"""Pooling gives some invariance: how much a layer's maps change when the picture moves a little.

Slide 004's story: the 9x9 X, one of its three 3x3 features, filtering (multiply, add, divide
by 9), ReLU, then max-pooling 2/2 keeping the edge (ceil mode). Shift the X by a pixel, or turn
it a little, and run the same layer again: each stage's map is compared cell by cell with the
original's. A max-pool window keeps its maximum while the feature's peak stays inside the window,
so the pooled maps change in fewer cells, and by less, than the convolution maps.

Transforms: ``shift-right`` / ``shift-left`` / ``shift-up`` / ``shift-down`` move the picture
``amount`` pixels (negative: the other way), the cells that come in filled with the background
(−1, as the slide's pictures); ``rotate`` turns it ``amount`` steps of :data:`ROTATE_STEP` degrees
counter-clockwise (negative: clockwise) about its centre with nearest-neighbour resampling (each
new pixel takes the value of the old pixel nearest to where it came from, background outside).
A quarter turn is not offered: the X is symmetric under it, so nothing would change.

Pure numpy (the layer is :func:`cnn_explorer.core.conv.pipeline.run_pipeline`); the slide's X and
its features are bound in :mod:`cnn_explorer.core.kernels.xo_invariance`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.conv.settings import ConvSettings, PoolSettings
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

TRANSFORMS = ("shift-right", "shift-left", "shift-up", "shift-down", "rotate")
#: degrees one ``amount`` step of ``rotate`` turns the picture
ROTATE_STEP = 15.0
#: most pixels (or rotation steps) either way
MAX_AMOUNT = 4
#: the slide's background pixel, what comes in at the edge
BACKGROUND = -1.0
#: two values closer than this count as the same (the maps are multiples of 1/9)
CHANGE_TOLERANCE = 1e-9
#: the slide's layer: filtering divides by the 9 cells; max-pool 2/2 keeping the edge
SLIDE_CONV = ConvSettings(normalize=True)
SLIDE_POOL = PoolSettings("max", 2, 2, ceil_mode=True)
STAGES = ("conv", "relu", "pool")
STAGE_TITLES = {"conv": "Convolution (÷9)", "relu": "ReLU", "pool": "Max-pool 2×2"}

_SHIFTS = {"shift-right": (0, 1), "shift-left": (0, -1), "shift-up": (-1, 0), "shift-down": (1, 0)}


def shift_image(image, rows: int, cols: int, fill: float = BACKGROUND) -> np.ndarray:
    """``image`` moved ``rows`` down and ``cols`` right (negative: up, left); cells that come in get ``fill``."""
    arr = np.asarray(image, dtype=np.float64)
    h, w = arr.shape
    out = np.full((h, w), float(fill))
    r, c = int(rows), int(cols)
    if abs(r) < h and abs(c) < w:
        out[max(r, 0):h + min(r, 0), max(c, 0):w + min(c, 0)] = arr[max(-r, 0):h + min(-r, 0),
                                                                    max(-c, 0):w + min(-c, 0)]
    return out


def rotate_image(image, degrees: float, fill: float = BACKGROUND) -> np.ndarray:
    """``image`` turned ``degrees`` counter-clockwise about its centre, nearest-neighbour; ``fill`` outside.

    Each output pixel takes the input pixel nearest to the point that the turn brings onto it (halves
    rounded up), so a quarter turn equals ``np.rot90``.
    """
    arr = np.asarray(image, dtype=np.float64)
    h, w = arr.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    t = math.radians(float(degrees))
    cos, sin = math.cos(t), math.sin(t)
    cos, sin = (round(cos) if abs(cos - round(cos)) < 1e-12 else cos), (round(sin) if abs(sin - round(sin)) < 1e-12
                                                                        else sin)
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    y, x = cy - rr, cc - cx                      # y up, x right: counter-clockwise as on paper
    # the source of (x, y) is (x, y) turned back by -t
    sx = cos * x + sin * y
    sy = -sin * x + cos * y
    src_r = np.floor(cy - sy + 0.5).astype(np.int64)
    src_c = np.floor(cx + sx + 0.5).astype(np.int64)
    inside = (src_r >= 0) & (src_r < h) & (src_c >= 0) & (src_c < w)
    out = np.full((h, w), float(fill))
    out[inside] = arr[src_r[inside], src_c[inside]]
    return out


def transform_image(image, transform: str, amount: int, fill: float = BACKGROUND) -> np.ndarray:
    """The picture after ``transform`` (one of :data:`TRANSFORMS`) by ``amount`` pixels or rotation steps."""
    if transform not in TRANSFORMS:
        raise CnnExplorerError(f"transform: use one of {', '.join(TRANSFORMS)}, got {transform!r}")
    if int(amount) != amount or abs(int(amount)) > MAX_AMOUNT:
        raise CnnExplorerError(f"amount: use a whole number from {-MAX_AMOUNT} to {MAX_AMOUNT}, got {amount!r}")
    if transform == "rotate":
        return rotate_image(image, ROTATE_STEP * int(amount), fill)
    dr, dc = _SHIFTS[transform]
    return shift_image(image, dr * int(amount), dc * int(amount), fill)


def transform_words(transform: str, amount: int) -> str:
    """``"shifted 1 pixel right"``, ``"turned 15° counter-clockwise"``: what the transform did, for a caption."""
    n = int(amount)
    if transform == "rotate":
        way = "counter-clockwise" if n >= 0 else "clockwise"
        return f"turned {format_number(abs(n) * ROTATE_STEP)}° {way}"
    direction = transform.split("-", 1)[1]
    if n < 0:
        direction = {"right": "left", "left": "right", "up": "down", "down": "up"}[direction]
    return f"shifted {abs(n)} pixel{'' if abs(n) == 1 else 's'} {direction}"


@dataclass(frozen=True, eq=False)
class StageChange:
    """One stage's map before and after, which cells changed, the share of them and the mean |change|."""

    stage: str
    before: np.ndarray
    after: np.ndarray

    @property
    def changed(self) -> np.ndarray:
        """(H, W) bool: the cells whose value moved by more than :data:`CHANGE_TOLERANCE`."""
        return np.abs(self.after - self.before) > CHANGE_TOLERANCE

    @property
    def changed_count(self) -> int:
        return int(self.changed.sum())

    @property
    def cells(self) -> int:
        return int(self.before.size)

    @property
    def share(self) -> float:
        """Fraction of the cells that changed, 0..1."""
        return self.changed_count / self.cells if self.cells else 0.0

    @property
    def mean_change(self) -> float:
        """Mean absolute change over all the map's cells (unchanged ones count as 0)."""
        return float(np.mean(np.abs(self.after - self.before))) if self.cells else 0.0


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """The picture before and after the transform and each stage's change (conv, relu, pool)."""

    image: np.ndarray
    moved: np.ndarray
    kernel: np.ndarray
    transform: str
    amount: int
    stages: tuple[StageChange, ...]

    def stage(self, name: str) -> StageChange:
        for s in self.stages:
            if s.stage == name:
                return s
        raise KeyError(name)

    @property
    def pooling_helps(self) -> bool:
        """True when the pooled maps changed in a smaller share of cells and by less on average than the conv maps."""
        conv, pool = self.stage("conv"), self.stage("pool")
        return pool.share < conv.share and pool.mean_change < conv.mean_change


def compare_layers(image, kernel, moved, conv: ConvSettings = SLIDE_CONV,
                   pool: PoolSettings = SLIDE_POOL) -> tuple[StageChange, ...]:
    """Run conv → ReLU → pool on ``image`` and on ``moved`` (same shape) and compare each stage."""
    image = np.asarray(image, dtype=np.float64)
    moved = np.asarray(moved, dtype=np.float64)
    if image.shape != moved.shape or image.ndim != 2:
        raise CnnExplorerError(f"compare: two grids of the same (rows, cols) needed, got {image.shape} and "
                               f"{moved.shape}")
    kernels = np.asarray(kernel, dtype=np.float64)[None]
    a = run_pipeline(image, kernels, conv, "relu", pool)
    b = run_pipeline(moved, kernels, conv, "relu", pool)
    pairs = ((a.feature[0], b.feature[0]), (a.activated[0], b.activated[0]), (a.output[0], b.output[0]))
    return tuple(StageChange(name, np.array(x), np.array(y)) for name, (x, y) in zip(STAGES, pairs))


def pooling_invariance(image, kernel, transform: str = "shift-right", amount: int = 1) -> InvarianceResult:
    """The layer of ``kernel`` on ``image`` (a 2-D grid) before and after ``transform`` by ``amount``."""
    picture = np.array(image, dtype=np.float64)
    if picture.ndim != 2 or min(picture.shape) < 3:
        raise CnnExplorerError(f"picture: a grid of at least 3x3 needed, got shape {picture.shape}")
    moved = transform_image(picture, transform, amount)
    weights = np.array(kernel, dtype=np.float64)
    return InvarianceResult(picture, moved, weights, transform, int(amount), compare_layers(picture, weights, moved))


def percent(share: float) -> str:
    """0.4489… -> ``"45%"``: a share as a whole percentage (``"<1%"`` for a small non-zero one)."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{share * 100:.0f}%"


def change_numbers(result: InvarianceResult) -> dict[str, str]:
    """Per stage the share of cells changed (``conv.changed`` …), how many of how many (``conv.cells``),
    the mean |change| (``conv.mean``), and ``what`` (the transform in words): a lesson's ``{demo.KEY}`` texts."""
    out = {"what": transform_words(result.transform, result.amount)}
    for s in result.stages:
        out[f"{s.stage}.changed"] = percent(s.share)
        out[f"{s.stage}.cells"] = f"{s.changed_count} of {s.cells}"
        out[f"{s.stage}.mean"] = format_number(s.mean_change, "cell")
    return out
