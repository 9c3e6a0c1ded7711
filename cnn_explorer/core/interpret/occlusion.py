"""Occlusion sensitivity (Zeiler & Fergus 2014): grey out a sliding patch and watch a class's probability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    as_batch,
    pick_target,
    probabilities,
    scores,
)


@dataclass(frozen=True)
class Occlusion:
    """An occlusion map for class ``target``.

    ``heatmap``: (H, W) float32, the probability lost when a patch covers each
    pixel (mean over the patches covering it; positive = evidence for the
    class, negative = evidence against it). ``grid``: (rows, cols), the drop
    for each patch position. ``probability``: the class's unoccluded probability.
    """

    heatmap: np.ndarray
    grid: np.ndarray
    target: int
    probability: float
    patch: int
    stride: int


def _starts(size: int, patch: int, stride: int) -> list[int]:
    starts = list(range(0, max(size - patch, 0) + 1, stride))
    if starts[-1] + patch < size:
        starts.append(size - patch)  # the last patch reaches the far edge
    return starts


def occlusion_map(
    model: Any,
    x: Any,
    target: int | None = None,
    *,
    patch: int | None = None,
    stride: int | None = None,
    baseline: float | Sequence[float] | None = None,
    batch_size: int = 128,
) -> Occlusion:
    """Slide a ``patch`` x ``patch`` square over the input in steps of ``stride``, all positions batched.

    ``baseline``: the value the patch is filled with, in the model's
    (normalised) input units, one per channel or one for all; default the
    input's per-channel minimum (the background for a digit). Default patch:
    a fifth of the input's shorter side; default stride: a third of the patch.
    """
    import torch

    xb = as_batch(x, model)
    _, c, h, w = xb.shape
    patch = int(patch) if patch is not None else max(2, round(min(h, w) / 5))
    stride = int(stride) if stride is not None else max(1, patch // 3)
    if not 1 <= patch <= min(h, w):
        raise CnnExplorerError(f"patch: must be 1..{min(h, w)} px, got {patch}")
    if stride < 1:
        raise CnnExplorerError(f"stride: must be at least 1, got {stride}")
    if batch_size < 1:
        raise CnnExplorerError(f"batch_size: must be at least 1, got {batch_size}")
    if baseline is None:
        fill = xb.amin(dim=(0, 2, 3))  # (C,)
    else:
        fill = torch.as_tensor(np.asarray(baseline, np.float32).reshape(-1), device=xb.device)
        if fill.numel() not in (1, c):
            raise CnnExplorerError(f"baseline: expected 1 or {c} values, got {fill.numel()}")
        fill = fill.expand(c)
    rows, cols = _starts(h, patch, stride), _starts(w, patch, stride)
    positions = [(r, q) for r in rows for q in cols]
    drops = torch.empty(len(positions), device=xb.device)
    with scores(model) as run, torch.inference_mode():
        logits = run(xb)
        cls = pick_target(logits, target)
        base = probabilities(logits)[0, cls]
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            batch = xb.repeat(len(chunk), 1, 1, 1)
            for i, (r, q) in enumerate(chunk):
                batch[i, :, r:r + patch, q:q + patch] = fill[:, None, None]
            drops[start:start + len(chunk)] = base - probabilities(run(batch))[:, cls]
    grid = drops.reshape(len(rows), len(cols)).cpu().numpy().astype(np.float32)
    total = np.zeros((h, w), np.float64)
    count = np.zeros((h, w), np.float64)
    for (r, q), d in zip(positions, grid.ravel()):
        total[r:r + patch, q:q + patch] += d
        count[r:r + patch, q:q + patch] += 1
    heat = np.divide(total, count, out=np.zeros_like(total), where=count > 0).astype(np.float32)
    return Occlusion(heatmap=heat, grid=grid, target=cls, probability=float(base), patch=patch, stride=stride)
