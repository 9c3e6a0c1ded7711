"""The in-memory dataset every loader returns, and the description `list_datasets` gives.

Images are NHWC numpy arrays, either uint8 (0..255, as the files hold them) or
float32 in 0..1 (the synthetic sets). Labels are int64 class indices into
``class_names``. ``mean``/``std`` are per-channel statistics of the training
images in 0..1 units (uint8 images are divided by 255 first), for
``(x - mean) / std`` normalisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

SPLITS = ("train", "val", "test")


@dataclass
class Dataset:
    """A labelled image set, split into train/val/test, all in memory.

    ``train_x`` etc. are (N, H, W, C) uint8 (0..255) or float32 (0..1); the
    ``*_y`` arrays are (N,) int64. A test-only set (e.g. a folder of just the
    ``t10k-*`` files) has empty train and val arrays of the right shape.
    """

    name: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, int, int]  # (H, W, C)
    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    mean: tuple[float, ...]
    std: tuple[float, ...]
    source: str = ""
    notes: tuple[str, ...] = field(default=())  # e.g. "EMNIST images transposed to upright"
    #: a synthetic set's drawer: (labels, seed) -> (N, H, W, C) images of those classes, drawn afresh (None: the
    #: set cannot draw more of itself); training with ``fresh_data`` uses it
    redraw: Callable[[np.ndarray, Any], np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        h, w, c = self.input_shape
        for split in SPLITS:
            x, y = self.arrays(split)
            if x.ndim != 4 or x.shape[1:] != (h, w, c):
                raise CnnExplorerError(f"{self.name}: {split} images have shape {x.shape}, expected (N, {h}, {w}, {c})")
            if y.shape != (x.shape[0],):
                raise CnnExplorerError(f"{self.name}: {split} has {x.shape[0]} images but {y.shape[0]} labels")
            if y.size and (y.min() < 0 or y.max() >= len(self.class_names)):
                raise CnnExplorerError(
                    f"{self.name}: {split} labels must be 0..{len(self.class_names) - 1}, "
                    f"got {int(y.min())}..{int(y.max())}"
                )

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """The (images, labels) of one split: "train", "val" or "test"."""
        if split not in SPLITS:
            raise CnnExplorerError(f"split: must be one of train, val, test, got {split!r}")
        return getattr(self, f"{split}_x"), getattr(self, f"{split}_y")

    @property
    def can_redraw(self) -> bool:
        """True when the set can draw fresh training images of itself (the synthetic ones)."""
        return self.redraw is not None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def test_only(self) -> bool:
        """True when there is nothing to train on (an evaluation-only set)."""
        return len(self.train_y) == 0 and len(self.val_y) == 0

    def class_counts(self, split: str = "train") -> np.ndarray:
        """Number of images of each class in a split, (num_classes,) int64."""
        _, y = self.arrays(split)
        return np.bincount(y, minlength=self.num_classes).astype(np.int64)

    def summary(self) -> str:
        """A few lines for the terminal: classes, shape, split sizes, source."""
        h, w, c = self.input_shape
        names = ", ".join(self.class_names[:12]) + (", ..." if self.num_classes > 12 else "")
        lines = [
            f"{self.name}: {self.num_classes} classes ({names}), {h}x{w}x{c} {self.train_x.dtype}",
            f"  train {len(self.train_y)}, val {len(self.val_y)}, test {len(self.test_y)}",
            "  mean " + ", ".join(f"{m:.4f}" for m in self.mean) + "; std " + ", ".join(f"{s:.4f}" for s in self.std),
        ]
        if self.source:
            lines.append(f"  source: {self.source}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of `list_datasets`: a name `load_dataset` accepts and whether it can load now."""

    name: str
    kind: str  # "bundled", "synthetic" or "download"
    available: bool
    description: str
    path: Path | None = None  # where the files are (bundled file or cache folder)


def to_float(x: np.ndarray) -> np.ndarray:
    """Images as float32 in 0..1: uint8 divided by 255, float passed through."""
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255.0)
    return x.astype(np.float32, copy=False)


def channel_stats(x: np.ndarray, chunk: int = 4096) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and standard deviation of (N, H, W, C) images in 0..1 units.

    Accumulated in float64 over chunks, so a 50,000-image CIFAR train set never
    needs a full float copy. An empty set gives mean 0 and std 1 (no
    normalisation); a constant channel gets std 1 so dividing by it is safe.
    """
    c = x.shape[-1]
    if x.shape[0] == 0:
        return (0.0,) * c, (1.0,) * c
    total = np.zeros(c)
    total_sq = np.zeros(c)
    count = 0
    for start in range(0, x.shape[0], chunk):
        part = x[start:start + chunk].reshape(-1, c).astype(np.float64)
        if x.dtype == np.uint8:
            part /= 255.0
        total += part.sum(axis=0)
        total_sq += np.square(part).sum(axis=0)
        count += part.shape[0]
    mean = total / count
    var = np.maximum(total_sq / count - np.square(mean), 0.0)
    std = np.sqrt(var)
    std = np.where(std < 1e-6, 1.0, std)
    return tuple(float(m) for m in mean), tuple(float(s) for s in std)
