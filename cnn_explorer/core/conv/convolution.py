"""Convolution, activations and pooling as the slides teach them, exact for teaching grids.

Conventions: images are (H, W) grey or (H, W, C) channels-last; a kernel is (kh, kw) or
(kh, kw, C) and spans all channels (a 3x3 filter on RGB is 27 numbers; a 2-D kernel on a
C-channel image is applied to every channel and the C results summed, i.e. treated as C
copies). A stack of kernels is a list of arrays or an array (K, kh, kw[, C]); see
``kernel_stack`` for how a 3-D array is read. Maps are (K, oh, ow).

This is cross-correlation (no flip), as in the slides and every framework, unless
``ConvSettings.flip``. Output size per dimension: floor((n + pads − f_eff) / s) + 1 with
f_eff = d·(f − 1) + 1. ``padding='same'`` follows TensorFlow/Keras: output ceil(n / s), total
padding max((ceil(n / s) − 1)·s + f_eff − n, 0), the extra row/column at the bottom/right.

Precision: float64 for small work (up to ``EXACT_MAX_WORK`` ≈ 1M multiply-adds: every
teaching grid, anything a user types: 7/9 stays 7/9) and float32 for big images
(``precision='auto'``); ``'exact'`` and ``'fast'`` force one. Backend: numpy by default; torch only for heavy float32 work and only
when torch is already imported (``backend='auto'``) — see ``warm_up_fast_path``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cnn_explorer.core.conv.engine import (
    EXACT_MAX_WORK,
    as_image,
    compute_dtype,
    correlate,
    kernel_stack,
    pad_image,
    padded_chw,
    single_kernel,
    warm_up_fast_path,
)
from cnn_explorer.core.conv.pooling import PoolResult, pool2d
from cnn_explorer.core.conv.prepared import PreparedImage, channel_sum
from cnn_explorer.core.conv.settings import (
    ConvSettings,
    PoolSettings,
    effective_kernel_hw,
    output_shape,
    output_size_formula,
    pool_output_shape,
    resolve_padding,
)
from cnn_explorer.core.conv.steps import (
    ConvStep,
    PoolStep,
    conv_step,
    iter_steps,
    pool_step,
)
from cnn_explorer.core.errors import CnnExplorerError

__all__ = [
    "ACTIVATIONS", "EXACT_MAX_WORK", "activation_name", "ConvResult", "ConvSettings", "ConvStep", "PoolResult", "PoolSettings",
    "PoolStep", "activate", "conv2d", "conv_partial_maps", "conv_step", "effective_kernel_hw",
    "iter_steps", "kernel_stack", "output_shape", "output_size_formula", "pad_image", "pool2d",
    "pool_output_shape", "pool_step", "resolve_padding", "warm_up_fast_path",
]

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "none")
_ACTIVATION_ALIASES = {"identity": "none", "linear": "none", "leaky-relu": "leaky_relu", "leakyrelu": "leaky_relu"}


def _check_settings(settings) -> ConvSettings:
    if not isinstance(settings, ConvSettings):
        raise CnnExplorerError(f"settings: must be ConvSettings, got {type(settings).__name__}")
    return settings


@dataclass(frozen=True, eq=False)
class ConvResult:
    """Feature maps (K, oh, ow) with the bias added, the padding used and the settings.

    ``image`` and ``kernels`` (K, kh, kw, C, as applied before any flip) are kept for
    ``partial_maps``. maps are float64 on the exact path, float32 on the fast path.
    """

    maps: np.ndarray
    pads: tuple[int, int, int, int]
    settings: ConvSettings
    image: np.ndarray = field(default=None, repr=False)
    kernels: np.ndarray = field(default=None, repr=False)

    def partial_maps(self, k: int) -> np.ndarray:
        """(C, oh, ow): what each input channel contributes to map k (no bias; normalised if normalize)."""
        if not 0 <= k < self.kernels.shape[0]:
            raise CnnExplorerError(f"k: kernel index must be in 0..{self.kernels.shape[0] - 1}, got {k}")
        precision = "exact" if self.maps.dtype == np.float64 else "fast"
        return conv_partial_maps(self.image, self.kernels[k], self.settings, precision=precision)


def result_bound(x: np.ndarray, w: np.ndarray, settings: ConvSettings, amax: float | None = None) -> float:
    """An upper bound of |every sum, partial sum and product| the convolution computes (inf when it overflows).

    max |x| · max over kernels of Σ|w| + |bias| (normalising divides only after the sum), in Python floats
    so that computing the bound itself never overflows with a warning.
    """
    if amax is None:
        amax = float(np.max(np.abs(x))) if x.size else 0.0
    try:
        ksum = max((math.fsum(abs(v) for v in k.ravel().tolist()) for k in w), default=0.0)
    except OverflowError:
        ksum = math.inf
    bound = amax * ksum if amax and ksum else 0.0
    return bound + abs(float(settings.bias or 0.0))


def _reach(x: np.ndarray, w: np.ndarray, bound: float) -> str:
    """``bound`` in words, also when it is beyond float64 ("about 2.6e+310")."""
    if not math.isinf(bound):
        return f"about {bound:.2g}"
    try:
        ksum = max(math.fsum(abs(v) for v in k.ravel().tolist()) for k in w)
        e = math.log10(float(np.max(np.abs(x)))) + math.log10(ksum)
    except (OverflowError, ValueError):
        return "beyond 1e+308"
    return f"about {10 ** (e - math.floor(e)):.2g}e+{math.floor(e)}"


def _overflow_safe(dtype, x: np.ndarray, w: np.ndarray, settings: ConvSettings, amax: float | None = None):
    """``dtype``, or float64 when float32 could overflow; CnnExplorerError when even float64 could.

    ``amax``: max |x| when already known (a PreparedImage keeps it)."""
    bound = result_bound(x, w, settings, amax)
    if bound <= float(np.finfo(dtype).max) / 2:
        return dtype
    limit = float(np.finfo(np.float64).max)
    if bound <= limit / 2:
        return np.float64
    raise CnnExplorerError(
        f"the result overflows: the largest value could reach {_reach(x, w, bound)}, more than a number can hold "
        f"(about {limit:.2g}); use smaller kernel or input values"
    )


def _run(x, w, settings: ConvSettings, precision: str, backend: str,
         prepared: PreparedImage | None = None) -> tuple[np.ndarray, tuple]:
    """(K, oh, ow) sums of products (normalised, no bias) of (H, W, C) x with (K, kh, kw, C) w.

    ``prepared``: x's checked and padded forms, kept across calls (the same maps, less work)."""
    if settings.flip:
        w = w[:, ::-1, ::-1, :]
    kh, kw, channels = w.shape[1:]
    pads = resolve_padding(x.shape[:2], (kh, kw), settings)
    oh, ow = output_shape(x.shape[:2], (kh, kw), settings)
    dtype = _overflow_safe(compute_dtype(precision, oh * ow * w.size), x, w, settings,
                           prepared.abs_max() if prepared is not None else None)
    summed = bool(dtype == np.float32 and channels > 1 and (w == w[..., :1]).all())
    if summed:
        # the same 2-D kernel on every channel: correlate once with the channel sum (linearity);
        # only on the fast path, so the exact path keeps the step trace's summation order
        w = w[..., :1]
    if prepared is not None:
        xp = prepared.padded(pads, settings.padding_mode, dtype, summed)
    else:
        xp = padded_chw(channel_sum(x, dtype)[:, :, None] if summed else x, pads, settings.padding_mode, dtype)
    weights = np.ascontiguousarray(w.transpose(0, 3, 1, 2), dtype=dtype)  # (K, C, kh, kw)
    maps = correlate(xp, weights, settings.stride, settings.dilation, (oh, ow), backend)
    if maps.dtype != dtype:
        maps = maps.astype(dtype)
    if settings.normalize:
        maps /= kh * kw * channels
    return maps, pads


def conv2d(image, kernels, settings: ConvSettings = ConvSettings(), *, precision: str = "auto",
           backend: str = "auto", prepared: PreparedImage | None = None) -> ConvResult:
    """Cross-correlate an image with one kernel or a stack: maps (K, oh, ow) = Σ window·kernel (/cells) + bias.

    precision: 'auto' | 'exact' (float64) | 'fast' (float32); backend: 'auto' | 'numpy' | 'torch'.
    Output size per dimension: floor((n + pads − f_eff) / s) + 1 with f_eff = d·(f − 1) + 1.
    ``prepared``: a ``PreparedImage`` of this very image (checked and padded once for many kernels).
    """
    settings = _check_settings(settings)
    if prepared is not None and not prepared.is_for(image):
        raise CnnExplorerError("prepared: was made from another image")
    x = prepared.image if prepared is not None else as_image(image)
    w = kernel_stack(kernels, x.shape[2])
    maps, pads = _run(x, w, settings, precision, backend, prepared)
    if settings.bias:
        maps += settings.bias
    return ConvResult(maps=maps, pads=pads, settings=settings, image=np.asarray(image), kernels=w)


def conv_partial_maps(image, kernel, settings: ConvSettings = ConvSettings(), *, precision: str = "auto",
                      backend: str = "auto") -> np.ndarray:
    """(C, oh, ow): channel c's contribution Σ window[..., c]·kernel[..., c] (no bias; normalised by kh·kw·C)."""
    settings = _check_settings(settings)
    x = as_image(image)
    C = x.shape[2]
    w = single_kernel(kernel, C)
    parts = [
        _run(x[:, :, c : c + 1], w[None, :, :, c : c + 1], settings, precision, backend)[0][0] for c in range(C)
    ]
    out = np.stack(parts)
    if settings.normalize and C > 1:
        out /= C  # each part was divided by kh·kw only
    return out


def activation_name(name: str) -> str:
    """The canonical name of an activation ('identity' -> 'none'); CnnExplorerError if unknown."""
    text = str(name).strip().lower()
    key = _ACTIVATION_ALIASES.get(text, text)
    if key not in ACTIVATIONS:
        raise CnnExplorerError(f"activation: unknown {name!r}; choose {', '.join(ACTIVATIONS)} (or identity)")
    return key


def activate(x, name: str, negative_slope: float = 0.01) -> np.ndarray:
    """Element-wise activation: relu, leaky_relu (slope for x < 0), sigmoid, tanh, none (alias identity).

    Returns a new array; float32 input stays float32, anything else becomes float64.
    """
    key = activation_name(name)
    arr = np.asarray(x)
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)  # only read below: no copy of float64 maps
    if key == "relu":
        return np.maximum(arr, arr.dtype.type(0))
    if key == "leaky_relu":
        return np.where(arr >= 0, arr, arr * arr.dtype.type(negative_slope))
    if key == "sigmoid":
        # 0.5·(1 + tanh(x/2)) is the logistic function without overflow for large |x|
        return arr.dtype.type(0.5) * (arr.dtype.type(1) + np.tanh(arr * arr.dtype.type(0.5)))
    if key == "tanh":
        return np.tanh(arr)
    return arr.copy()
