"""Top-activating dataset patches for each filter (Zeiler & Fergus 2014), with receptive fields.

For every filter of a conv layer: the k pictures of a dataset that excite it
most (its strongest response anywhere in each picture, one patch per
picture), cropped to the input region that position sees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from cnn_explorer.core.datasets.bundled import load_mnist_sample
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    conv_names,
    device_of,
    eval_mode,
    layer_kind,
    normalisation,
    pre_activation,
)
from cnn_explorer.core.interpret.common import layers as leaf_layers
from cnn_explorer.core.train.capture import this_thread_only


@dataclass(frozen=True)
class ReceptiveField:
    """The input window of a layer's output cell (i, j): rows ``start[0] + i*stride[0]`` .. ``+ size[0]``
    (exclusive), likewise columns; ``start`` may be negative where padding reaches outside the picture."""

    size: tuple[int, int]
    stride: tuple[int, int]
    start: tuple[int, int]

    def window(self, i: int, j: int) -> tuple[int, int, int, int]:
        """(row0, row1, col0, col1) in input pixels, exclusive ends, possibly outside the picture."""
        r0 = self.start[0] + i * self.stride[0]
        c0 = self.start[1] + j * self.stride[1]
        return r0, r0 + self.size[0], c0, c0 + self.size[1]


def _pair(v: Any) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def receptive_field(model: Any, layer: str) -> ReceptiveField:
    """The receptive field of ``layer``'s outputs, following every conv, pool and pad before it."""
    size, jump, start = [1, 1], [1, 1], [0, 0]
    for name, module in leaf_layers(model):
        kind = layer_kind(module)
        if kind == "pad":
            left, right, top, bottom = _pad4(module.padding)
            start = [start[0] - top * jump[0], start[1] - left * jump[1]]
        elif kind in ("conv2d", "maxpool", "avgpool"):
            k = _pair(module.kernel_size)
            s = _pair(module.stride if module.stride is not None else module.kernel_size)
            d = _pair(getattr(module, "dilation", 1))
            pad = module.padding
            if isinstance(pad, str):  # torch's 'same' (stride 1) / 'valid'
                pad = tuple(d[a] * (k[a] - 1) // 2 for a in (0, 1)) if pad == "same" else (0, 0)
            p = _pair(pad)
            for a in (0, 1):
                size[a] += d[a] * (k[a] - 1) * jump[a]
                start[a] -= p[a] * jump[a]
                jump[a] *= s[a]
        elif kind not in ("relu", "leaky_relu", "sigmoid", "tanh", "batchnorm", "dropout", "identity"):
            raise CnnExplorerError(f"layer: {layer} comes after {name} ({kind}), which has no receptive field")
        if name == layer:
            return ReceptiveField((size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]))
    raise CnnExplorerError(f"layer: the model has no layer {layer!r}")


def _pad4(p: Any) -> tuple[int, int, int, int]:
    return (int(p),) * 4 if isinstance(p, int) else tuple(int(v) for v in p)  # type: ignore[return-value]


@dataclass(frozen=True)
class FilterPatches:
    """The top-k patches of every filter of one conv layer.

    ``values``: (F, k) float32 activations, best first; ``images``: (F, k)
    dataset indices; ``positions``: (F, k, 2) the output cell (row, col);
    ``patches``: (F, k, ph, pw) for one channel or (F, k, ph, pw, C), 0..1, the
    input window of that cell (zero outside the picture). Fewer than k
    pictures give -inf values and index -1 in the missing places.
    """

    layer: str
    field: ReceptiveField
    values: np.ndarray
    images: np.ndarray
    positions: np.ndarray
    patches: np.ndarray


class _Enough(Exception):
    """Stops a forward pass once the deepest layer asked for has run."""


def _as_unit(images: np.ndarray) -> np.ndarray:
    """(N, H, W, C) uint8 or float -> float32 0..1 (a view-friendly copy only where needed)."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255)
    return np.asarray(images, np.float32)


def top_patches(
    model: Any,
    images: np.ndarray,
    *,
    layers: Sequence[str] | None = None,
    k: int = 9,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    batch_size: int = 500,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, FilterPatches]:
    """Top-``k`` patches for every filter of each conv layer in ``layers`` (default: all), one batched pass.

    ``images``: (N, H, W, C) uint8 or float 0..1, as a Dataset holds them;
    ``mean``/``std``: the model's input normalisation. The activation ranked is
    the conv's output after its BatchNorm, before its ReLU (the value the
    receptive field's pixels produce). ``progress(done, total)`` is called
    after each batch; ``cancel`` raises CnnExplorerError("cancelled").
    """
    import torch

    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or len(x) == 0:
        raise CnnExplorerError(f"images: expected (N, H, W, C) pictures, got shape {x.shape}")
    if k < 1:
        raise CnnExplorerError(f"k: must be at least 1, got {k}")
    names = list(layers) if layers is not None else conv_names(model)
    if not names:
        raise CnnExplorerError("layers: the model has no convolution layer")
    order = [n for n, _ in leaf_layers(model)]
    modules = dict(leaf_layers(model))
    for n in names:
        if n not in modules or layer_kind(modules[n]) != "conv2d":
            raise CnnExplorerError(f"layers: {n!r} is not a convolution layer of the model")
    taps = {n: pre_activation(model, n) for n in names}  # conv -> the layer whose output is ranked
    deepest = max(taps.values(), key=order.index)
    device = device_of(model)
    m, s = normalisation(mean, std, x.shape[3], device)
    best: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}  # values, image ids, flat positions
    shapes: dict[str, tuple[int, int]] = {}
    outputs: dict[str, torch.Tensor] = {}

    def keep(name: str):
        def hook(module: Any, inp: Any, out: "torch.Tensor") -> None:
            outputs[name] = out
            if taps[name] == deepest:
                raise _Enough
        return hook

    handles = [modules[taps[n]].register_forward_hook(this_thread_only(keep(n))) for n in names]
    try:
        with eval_mode(model) as net, torch.inference_mode():
            for start in range(0, len(x), batch_size):
                if cancel is not None and cancel.is_set():
                    raise CnnExplorerError("cancelled")
                chunk = torch.from_numpy(_as_unit(x[start:start + batch_size])).to(device)
                batch = (chunk.permute(0, 3, 1, 2) - m) / s  # (B, C, H, W)
                outputs.clear()
                try:
                    net(batch)
                except _Enough:
                    pass
                for n in names:
                    out = outputs[n].float()  # (B, F, h, w)
                    shapes[n] = (out.shape[2], out.shape[3])
                    vals, pos = out.flatten(2).max(dim=2)  # (B, F): each picture's strongest response
                    ids = torch.arange(start, start + len(out), device=device)[:, None].expand_as(vals)
                    new = (vals.T, ids.T, pos.T)  # (F, B)
                    if n in best:
                        new = tuple(torch.cat([a, b], dim=1) for a, b in zip(best[n], new))
                    top = new[0].topk(min(k, new[0].shape[1]), dim=1)
                    best[n] = (top.values, new[1].gather(1, top.indices), new[2].gather(1, top.indices))
                if progress is not None:
                    progress(min(start + batch_size, len(x)), len(x))
    finally:
        for h in handles:
            h.remove()

    result = {}
    for n in names:
        values, ids, pos = (t.cpu().numpy() for t in best[n])
        f, got = values.shape
        if got < k:
            values = np.concatenate([values, np.full((f, k - got), -np.inf, np.float32)], axis=1)
            ids = np.concatenate([ids, np.full((f, k - got), -1)], axis=1)
            pos = np.concatenate([pos, np.zeros((f, k - got), pos.dtype)], axis=1)
        w_out = shapes[n][1]
        positions = np.stack([pos // w_out, pos % w_out], axis=-1).astype(np.int64)
        rf = receptive_field(model, n)
        result[n] = FilterPatches(n, rf, values.astype(np.float32), ids.astype(np.int64), positions,
                                  _crop_all(x, rf, ids, positions))
    return result


def _crop_all(x: np.ndarray, rf: ReceptiveField, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Crop every (filter, rank) window from the pictures, zero outside them: (F, k, ph, pw[, C]) float32."""
    f, k = ids.shape
    n, h, w, c = x.shape
    ph, pw = rf.size
    out = np.zeros((f, k, ph, pw, c), np.float32)
    for a in range(f):
        for b in range(k):
            i = ids[a, b]
            if i < 0:
                continue
            r0, r1, c0, c1 = rf.window(*positions[a, b])
            rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, h), max(c0, 0), min(c1, w)
            if rr0 < rr1 and cc0 < cc1:
                out[a, b, rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = _as_unit(x[i, rr0:rr1, cc0:cc1])
    return out[..., 0] if c == 1 else out


def bundled_sample_patches(model: Any, mean: Sequence[float], std: Sequence[float], *, k: int = 9,
                           **kwargs: Any) -> dict[str, FilterPatches]:
    """:func:`top_patches` over the bundled 5,000-digit MNIST sample (for 28x28x1 models)."""
    images, _ = load_mnist_sample()
    return top_patches(model, images, k=k, mean=mean, std=std, **kwargs)
