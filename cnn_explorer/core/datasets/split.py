"""Seeded, stratified train/validation/test splits (80:10:10 by default, as slide 003).

Every class is divided in the requested proportions (largest-remainder
rounding, so each split has exactly its share of the total), then each split
is shuffled.
The same seed always gives the same split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnn_explorer.core.datasets.base import Dataset, channel_stats
from cnn_explorer.core.errors import CnnExplorerError

DEFAULT_SPLIT = (0.8, 0.1, 0.1)


def parse_split(split: Sequence[float]) -> tuple[float, float, float]:
    """Check a (train, val, test) triple of fractions: non-negative, summing to 1."""
    try:
        parts = tuple(float(p) for p in split)
    except (TypeError, ValueError):
        raise CnnExplorerError(f"split: must be three numbers (train, val, test), got {split!r}") from None
    if len(parts) != 3:
        raise CnnExplorerError(f"split: must be three numbers (train, val, test), got {len(parts)}")
    if any(not np.isfinite(p) or p < 0 for p in parts):
        raise CnnExplorerError(f"split: fractions must be finite and non-negative, got {parts}")
    if abs(sum(parts) - 1.0) > 1e-6:
        raise CnnExplorerError(f"split: fractions must add up to 1, got {sum(parts):g} from {parts}")
    return parts  # type: ignore[return-value]


def _allocate(n: int, fractions: Sequence[float]) -> list[int]:
    """Split n items into parts proportional to fractions, summing to exactly n."""
    exact = np.asarray(fractions, dtype=np.float64) * n
    counts = np.floor(exact + 1e-9).astype(int)
    short = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    for i in order[:short]:
        counts[i] += 1
    return [int(c) for c in counts]


def _stratified_counts(class_sizes: Sequence[int], fractions: Sequence[float]) -> np.ndarray:
    """(classes, parts) counts: each class split in proportion, each part's total exact.

    Floors first; the leftover items go to the (class, part) cells with the
    largest fractional parts, while both the class and the part still lack
    items; anything left after that goes where both still lack items.
    """
    sizes = np.asarray(class_sizes, dtype=np.int64)
    exact = sizes[:, None] * np.asarray(fractions, dtype=np.float64)[None, :]
    counts = np.floor(exact + 1e-9).astype(np.int64)
    class_short = sizes - counts.sum(axis=1)
    part_short = np.asarray(_allocate(int(sizes.sum()), fractions)) - counts.sum(axis=0)
    frac = exact - counts
    for flat in np.argsort(-frac, axis=None, kind="stable"):
        c, k = divmod(int(flat), counts.shape[1])
        if class_short[c] > 0 and part_short[k] > 0:
            counts[c, k] += 1
            class_short[c] -= 1
            part_short[k] -= 1
    for c in np.flatnonzero(class_short > 0):
        for k in np.flatnonzero(part_short > 0):
            take = min(class_short[c], part_short[k])
            counts[c, k] += take
            class_short[c] -= take
            part_short[k] -= take
    return counts


def split_indices(y: np.ndarray, fractions: Sequence[float], seed: int) -> list[np.ndarray]:
    """Stratified, shuffled index arrays, one per fraction (e.g. train/val/test), with exact part sizes."""
    rng = np.random.default_rng(seed)
    labels = np.unique(y)
    members = [np.flatnonzero(y == label) for label in labels]
    counts = _stratified_counts([m.size for m in members], fractions)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for m, row in zip(members, counts):
        m = m[rng.permutation(m.size)]
        start = 0
        for k, count in enumerate(row):
            parts[k].append(m[start:start + count])
            start += count
    out = []
    for chunks in parts:
        idx = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        out.append(idx[rng.permutation(idx.size)].astype(np.int64))
    return out


def make_dataset(
    name: str,
    class_names: Sequence[str],
    x: np.ndarray,
    y: np.ndarray,
    *,
    split: Sequence[float] = DEFAULT_SPLIT,
    seed: int = 0,
    source: str = "",
    test_x: np.ndarray | None = None,
    test_y: np.ndarray | None = None,
    notes: Sequence[str] = (),
) -> Dataset:
    """Split (x, y) into a `Dataset` and compute the normalisation on its train part.

    When the source has its own test set (``test_x``/``test_y``, e.g. MNIST's
    ``t10k`` files), that is the test split and (x, y) is divided into train
    and val in the ratio split[0]:split[1]. When x is empty the result is a
    test-only set.
    """
    fractions = parse_split(split)
    y = np.asarray(y, dtype=np.int64)
    if test_x is None:
        tr, va, te = split_indices(y, fractions, seed)
        tx, ty = x[te], y[te]
    else:
        keep = fractions[0] + fractions[1]
        if keep <= 0:
            raise CnnExplorerError(f"split: {name} has its own test set; train + val must be more than 0")
        tr, va = split_indices(y, (fractions[0] / keep, fractions[1] / keep), seed)
        tx, ty = test_x, np.asarray(test_y, dtype=np.int64)
    train_x = x[tr]
    mean, std = channel_stats(train_x)
    h, w, c = x.shape[1:] if x.shape[0] or test_x is None else test_x.shape[1:]
    return Dataset(
        name=name,
        class_names=tuple(str(n) for n in class_names),
        input_shape=(int(h), int(w), int(c)),
        train_x=train_x,
        train_y=y[tr],
        val_x=x[va],
        val_y=y[va],
        test_x=tx,
        test_y=ty,
        mean=mean,
        std=std,
        source=source,
        notes=tuple(notes),
    )
