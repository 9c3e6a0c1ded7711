"""Grad-CAM (Selvaraju et al. 2017) and LayerCAM (Jiang et al. 2021): where in a conv layer's maps the
evidence for a class lies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    as_batch,
    block_end,
    find_layer,
    last_conv,
    layer_kind,
    normalise01,
    pick_target,
    probabilities,
    scores,
    upsample,
)
from cnn_explorer.core.interpret.patches import ReceptiveField, receptive_field
from cnn_explorer.core.train.capture import this_thread_only


@dataclass(frozen=True)
class GradCam:
    """A Grad-CAM map. ``heatmap``: (H, W) float32 0..1 at the input's size; ``coarse``: (h, w) at the layer's
    size, before scaling (ReLU of the weighted sum of maps). ``layer``: the layer whose maps were used."""

    heatmap: np.ndarray
    coarse: np.ndarray
    layer: str
    target: int
    probability: float
    method: str = "gradcam"

    @property
    def empty(self) -> bool:
        """True when no part of the layer speaks for the class (the map is all zeros)."""
        return not bool(self.coarse.any())


def place_on_input(coarse: Any, field: ReceptiveField, size: tuple[int, int]) -> np.ndarray:
    """A layer's (h, w) map -> (H, W) float32 at the input's pixels, each cell at its receptive field's centre.

    Bilinear between neighbouring centres; beyond the outermost centres the edge
    value is kept.
    """
    import torch
    import torch.nn.functional as F

    cam = torch.as_tensor(coarse, dtype=torch.float32, device="cpu")  # the grid below is built on the CPU
    h, w = cam.shape

    def grid_axis(n_pixels: int, n_cells: int, axis: int) -> "torch.Tensor":
        first_centre = field.start[axis] + (field.size[axis] - 1) / 2
        cell = (torch.arange(n_pixels, dtype=torch.float32) - first_centre) / field.stride[axis]
        return 2 * cell / (n_cells - 1) - 1 if n_cells > 1 else torch.zeros(n_pixels)

    gx, gy = torch.meshgrid(grid_axis(size[1], w, 1), grid_axis(size[0], h, 0), indexing="xy")  # (H, W) each
    grid = torch.stack((gx, gy), dim=-1)[None]  # (1, H, W, 2), x then y as grid_sample wants
    out = F.grid_sample(cam[None, None], grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out[0, 0].numpy().astype(np.float32)


def grad_cam(
    model: Any, x: Any, target: int | None = None, layer: str | None = None, *, method: str = "gradcam"
) -> GradCam:
    """Grad-CAM of class ``target`` (default: the predicted one) on ``layer`` (default: the last conv).

    For a conv layer the maps are taken after its activation (the end of its
    conv -> ReLU -> BatchNorm chain), as the paper uses rectified maps; any
    other layer with (C, h, w) output is used as it is. Weights: the mean
    gradient of the class's logit over each map. Upsampled bilinearly to the
    input's (H, W). All zeros (``empty``) when nothing in that layer supports
    the class. ``method="layercam"`` weighs each map cell by its own positive
    gradient instead of the map's mean gradient: finer, and never empty
    where the class has any positive evidence.
    """
    import torch

    if method not in ("gradcam", "layercam"):
        raise CnnExplorerError(f"method: expected 'gradcam' or 'layercam', got {method!r}")
    name = layer if layer is not None else last_conv(model)
    module = find_layer(model, name)
    if layer_kind(module) == "conv2d":
        name = block_end(model, name)
        module = find_layer(model, name)
    kept: list[torch.Tensor] = []
    handle = module.register_forward_hook(this_thread_only(lambda m, inp, out: kept.append(out)))
    xb = as_batch(x, model)
    try:
        with scores(model) as run:
            logits = run(xb)
            if not kept or kept[-1].ndim != 4:
                shape = tuple(kept[-1].shape) if kept else None
                raise CnnExplorerError(
                    f"layer: {layer or name} has no feature maps (output {shape}); pick a conv layer")
            maps = kept[-1]
            cls = pick_target(logits, target)
            (grad,) = torch.autograd.grad(logits[0, cls], maps)
    finally:
        handle.remove()
    if method == "gradcam":
        weights = grad[0].mean(dim=(1, 2))[:, None, None]  # (C, 1, 1)
    else:
        weights = torch.relu(grad[0])  # (C, h, w)
    cam = torch.relu((weights * maps[0]).sum(dim=0)).detach()  # (h, w)
    try:
        heat = place_on_input(cam, receptive_field(model, name), tuple(xb.shape[-2:]))
    except CnnExplorerError:  # a layer whose cells have no receptive field: stretch over the input
        heat = upsample(cam, tuple(xb.shape[-2:]))
    prob = float(probabilities(logits.detach())[0, cls])
    return GradCam(
        heatmap=normalise01(np.clip(heat, 0, None)),
        coarse=cam.cpu().numpy().astype(np.float32),
        layer=name,
        target=cls,
        probability=prob,
        method=method,
    )
