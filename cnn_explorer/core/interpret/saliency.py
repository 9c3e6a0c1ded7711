"""Saliency: how much each input pixel moves a class score (the gradient of the logit w.r.t. the input)."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    as_batch,
    normalise01,
    pick_target,
    scores,
)


def saliency_map(
    model: Any, x: Any, target: int | None = None, *, smooth: int = 0, noise: float = 0.15, seed: int = 0
) -> np.ndarray:
    """|d logit[target] / d input|, max over channels, scaled to 0..1: ``(H, W)`` float32.

    ``target`` is a class index (default: the predicted class). ``smooth`` > 0
    averages the gradient over that many noisy copies of the input
    (SmoothGrad), ``noise`` being the noise's standard deviation as a fraction
    of the input's value range. The model's weights and ``.grad`` are untouched.
    """
    import torch

    if smooth < 0:
        raise CnnExplorerError(f"smooth: must be 0 or more, got {smooth}")
    if noise < 0:
        raise CnnExplorerError(f"noise: must be 0 or more, got {noise}")
    xb = as_batch(x, model)
    with scores(model) as run:
        with torch.no_grad():
            cls = pick_target(run(xb), target)
        if smooth:
            gen = torch.Generator(device="cpu").manual_seed(seed)
            span = float(xb.max() - xb.min()) or 1.0
            eps = torch.randn((smooth, *xb.shape[1:]), generator=gen).to(xb.device) * (noise * span)
            batch = (xb + eps).requires_grad_(True)
        else:
            batch = xb.clone().requires_grad_(True)
        score = run(batch)[:, cls].sum()
        (grad,) = torch.autograd.grad(score, batch)
    sal = grad.abs().mean(dim=0).amax(dim=0)  # (H, W): mean over noisy copies, max over channels
    return normalise01(sal.cpu().numpy())
