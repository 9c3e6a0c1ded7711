"""Random augmentation of an image batch on any torch device: affine (shift, rotate, scale) and elastic.

The elastic distortion is Simard, Steinkraus & Platt's (2003, "Best practices
for convolutional neural networks applied to visual document analysis"): a
random displacement field, uniform in -1..1 at every pixel, smoothed by a
Gaussian of :data:`ELASTIC_SIGMA` pixels and scaled by ``alpha`` pixels (their
sigma 4, alpha 34 on 29-pixel digits), the classic augmentation for small
digit sets. It is added to the affine sampling grid, so either or both take
one ``grid_sample`` call for the whole batch (the field's Gaussian is two
small matrix products); benchmarks/bench_augment.py measures the cost against
a training step. Pixels brought in from outside the image
repeat the border (``padding_mode="border"``), which is the background
whether or not the batch is already normalised.
"""

from __future__ import annotations

import functools
import math

from cnn_explorer.core.errors import CnnExplorerError

#: the Gaussian (pixels) that smooths the elastic displacement field: Simard et al.'s 4 on 29-pixel digits
ELASTIC_SIGMA = 4.0


def augment_batch(x, *, shift: float = 2, rotate: float = 10.0, scale: float = 0.1, elastic: float = 0.0,
                  generator=None):
    """A randomly shifted, rotated, scaled and (``elastic`` > 0) elastically distorted copy of a (N, C, H, W) float batch.

    Each image gets its own shift in -shift..shift pixels along x and y, its
    own rotation in -rotate..rotate degrees, its own zoom in 1-scale..1+scale
    (uniform) and, with ``elastic`` (alpha, pixels) above 0, its own smooth
    displacement field (:func:`elastic_field`). ``generator`` (a
    ``torch.Generator``, on CPU or on x's device) makes it repeatable; the
    affine draws come first, so ``elastic=0`` gives exactly the affine-only
    batch of the same generator. With all four at 0 the batch is returned
    unchanged.
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise CnnExplorerError(f"augment_batch: expects a (N, C, H, W) tensor, got {getattr(x, 'shape', type(x))}")
    if not x.is_floating_point():
        raise CnnExplorerError(f"augment_batch: expects a float tensor, got {x.dtype}")
    for label, value in (("shift", shift), ("rotate", rotate), ("scale", scale), ("elastic", elastic)):
        if not math.isfinite(value) or value < 0:
            raise CnnExplorerError(f"{label}: must be a non-negative number, got {value}")
    if scale >= 1:
        raise CnnExplorerError(f"scale: must be below 1 (a zoom of 1 - scale .. 1 + scale), got {scale}")
    n, _, h, w = x.shape
    if n == 0 or (shift == 0 and rotate == 0 and scale == 0 and elastic == 0):
        return x
    gen_device = generator.device if generator is not None else torch.device("cpu")
    r = torch.rand(n, 4, generator=generator, device=gen_device).to(device=x.device, dtype=torch.float32) * 2 - 1
    angle = r[:, 0] * math.radians(rotate)
    zoom = 1 + r[:, 1] * scale
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    # theta maps output to input positions in normalised [-1, 1] coordinates; the h/w factors keep
    # rotations rigid on non-square images, and shifts are converted from pixels.
    theta = torch.stack(
        [
            torch.stack([cos, -sin * (h / w), r[:, 2] * (2 * shift / w)], dim=1),
            torch.stack([sin * (w / h), cos, r[:, 3] * (2 * shift / h)], dim=1),
        ],
        dim=1,
    ).to(x.dtype)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (N, H, W, 2): x then y, in -1..1
    if elastic > 0:
        grid = grid + elastic_field(n, h, w, elastic, generator=generator).to(device=x.device, dtype=x.dtype)
    return displace(x, grid)


def displace(x, grid):
    """``x`` (N, C, H, W) sampled at ``grid`` (N, H, W, 2; x then y in -1..1, as ``affine_grid`` makes them).

    Bilinear, border pixels repeated outside the image; the identity grid returns ``x``.
    """
    import torch.nn.functional as F

    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def elastic_field(n: int, h: int, w: int, alpha: float, *, sigma: float = ELASTIC_SIGMA, generator=None):
    """``n`` random smooth displacement fields (N, H, W, 2) in ``grid_sample``'s -1..1 units.

    Each pixel's displacement along x and y starts uniform in -1..1, is smoothed
    by a normalised Gaussian of ``sigma`` pixels (separable, zeros outside the
    image) and scaled by ``alpha`` pixels, as Simard et al. describe; with
    sigma 4 a pixel then moves about alpha / 25 pixels (standard deviation),
    neighbours nearly together. Drawn on ``generator``'s device (CPU without
    one), returned as float32 there.
    """
    import torch

    if not (math.isfinite(alpha) and alpha >= 0):
        raise CnnExplorerError(f"elastic: must be a non-negative number, got {alpha}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise CnnExplorerError(f"elastic sigma: must be a positive number, got {sigma}")
    device = generator.device if generator is not None else torch.device("cpu")
    noise = torch.rand(n, 2, h, w, generator=generator, device=device) * 2 - 1  # x, y displacement per image
    # the separable Gaussian as two banded matrices (zeros outside the image): two small matmuls, several
    # times faster than conv2d with a 25-tap kernel on one channel
    smooth = _gaussian_matrix(h, sigma, device) @ noise @ _gaussian_matrix(w, sigma, device).T
    # (N, H, W, 2): pixels scaled by alpha, then to grid_sample's units (2 / side a pixel)
    return smooth.permute(0, 2, 3, 1) * torch.tensor([2.0 * alpha / w, 2.0 * alpha / h], device=device)

@functools.lru_cache(maxsize=16)
def _gaussian_matrix(size: int, sigma: float, device):
    """(size, size): row i holds the normalised Gaussian of ``sigma`` centred on i, cut at the image's edges.

    Cached (a few small matrices: one a side, sigma and device); never written to.
    """
    import torch

    taps = torch.arange(size, device=device, dtype=torch.float32)
    distance = taps.view(-1, 1) - taps.view(1, -1)
    radius = max(1, int(math.ceil(3 * sigma)))
    weights = torch.exp(-0.5 * (distance / sigma) ** 2) * (distance.abs() <= radius)
    full = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2).sum()
    return weights / full.to(device)
