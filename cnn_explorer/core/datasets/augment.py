"""Random affine augmentation of an image batch (shift, rotate, scale), on any torch device.

One ``affine_grid`` + ``grid_sample`` call for the whole batch, so a
128x1x28x28 batch takes about a millisecond on a CPU. Pixels brought in from
outside the image repeat the border (``padding_mode="border"``), which is the
background whether or not the batch is already normalised.
"""

from __future__ import annotations

import math

from cnn_explorer.core.errors import CnnExplorerError


def augment_batch(x, *, shift: float = 2, rotate: float = 10.0, scale: float = 0.1, generator=None):
    """A randomly shifted, rotated and scaled copy of a (N, C, H, W) float batch.

    Each image gets its own shift in -shift..shift pixels along x and y, its
    own rotation in -rotate..rotate degrees, and its own zoom in
    1-scale..1+scale (uniform). ``generator`` (a ``torch.Generator``, on CPU
    or on x's device) makes it repeatable. With all three at 0 the batch is
    returned unchanged.
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise CnnExplorerError(f"augment_batch: expects a (N, C, H, W) tensor, got {getattr(x, 'shape', type(x))}")
    if not x.is_floating_point():
        raise CnnExplorerError(f"augment_batch: expects a float tensor, got {x.dtype}")
    for label, value in (("shift", shift), ("rotate", rotate), ("scale", scale)):
        if not math.isfinite(value) or value < 0:
            raise CnnExplorerError(f"{label}: must be a non-negative number, got {value}")
    if scale >= 1:
        raise CnnExplorerError(f"scale: must be below 1 (a zoom of 1 - scale .. 1 + scale), got {scale}")
    n, _, h, w = x.shape
    if n == 0 or (shift == 0 and rotate == 0 and scale == 0):
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
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
