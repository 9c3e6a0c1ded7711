"""Settings and validation of convolution and pooling, and their output sizes (pure Python + numpy).

Shapes are (rows, cols). Padding is always resolved to (top, bottom, left, right).
Every bad value raises ``CnnExplorerError`` naming the parameter and the reason.
The per-dimension arithmetic lives in ``cnn_explorer.core.conv.sizes``.
Re-exported by ``cnn_explorer.core.conv.convolution``: import from there.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.sizes import (
    conv_size,
    effective_size,
    pool_size,
    same_padding,
)
from cnn_explorer.core.errors import CnnExplorerError

PADDING_MODES = ("zeros", "edge", "reflect")
_PADDING_MODE_ALIASES = {"zero": "zeros", "constant": "zeros", "replicate": "edge", "reflection": "reflect"}
POOL_MODES = ("max", "avg")
_POOL_MODE_ALIASES = {"average": "avg", "mean": "avg"}


def _whole(value, name: str) -> int:
    """An int from an int-like value (2, np.int64(2), 2.0); CnnExplorerError otherwise."""
    if isinstance(value, (bool, np.bool_)):
        raise CnnExplorerError(f"{name}: must be a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise CnnExplorerError(f"{name}: must be a whole number, got {value!r}")


def _pair(value, name: str, minimum: int) -> tuple[int, int]:
    """(rows, cols) from an int or a 2-sequence, each at least ``minimum``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        items = (value, value)
    else:
        items = tuple(value)
        if len(items) != 2:
            raise CnnExplorerError(f"{name}: give one number or (rows, cols), got {value!r}")
    pair = tuple(_whole(v, name) for v in items)
    for v in pair:
        if v < minimum:
            raise CnnExplorerError(f"{name}: must be at least {minimum}, got {v}")
    return pair  # type: ignore[return-value]


def _normalise_padding(padding):
    """'valid' | 'same' | p | (ph, pw) | (top, bottom, left, right) with checks; ints normalised."""
    if isinstance(padding, str):
        text = padding.strip().lower()
        if text in ("valid", "same"):
            return text
        if text.lstrip("+-").isdigit():
            padding = int(text)
        else:
            raise CnnExplorerError(
                f"padding: unknown {padding!r}; use 'valid', 'same', a number, (rows, cols) "
                "or (top, bottom, left, right)"
            )
    if hasattr(padding, "__len__"):
        items = tuple(padding)
        if len(items) not in (1, 2, 4):
            raise CnnExplorerError(
                f"padding: give 1, 2 (rows, cols) or 4 (top, bottom, left, right) numbers, got {len(items)}"
            )
        values = tuple(_whole(v, "padding") for v in items)
    else:
        values = (_whole(padding, "padding"),)
    for v in values:
        if v < 0:
            raise CnnExplorerError(f"padding: must not be negative, got {v}")
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class ConvSettings:
    """How one convolution layer slides its kernels: stride, padding, dilation, bias, normalize, flip.

    Cross-correlation as in the slides unless ``flip`` (true convolution, kernel rotated 180°).
    ``padding='same'`` follows the TensorFlow/Keras rule (see ``resolve_padding``).
    ``normalize`` divides the sum of products by the number of kernel cells kh·kw·C before the bias
    is added (the X/O slides). Ints are accepted for stride/dilation/padding and normalised; bad
    values raise ``CnnExplorerError`` at construction.
    """

    stride: tuple[int, int] = (1, 1)
    padding: str | int | tuple[int, int] | tuple[int, int, int, int] = "valid"
    padding_mode: str = "zeros"
    dilation: tuple[int, int] = (1, 1)
    bias: float = 0.0
    normalize: bool = False
    flip: bool = False

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "stride", _pair(self.stride, "stride", 1))
        set_(self, "dilation", _pair(self.dilation, "dilation", 1))
        set_(self, "padding", _normalise_padding(self.padding))
        mode = str(self.padding_mode).strip().lower()
        mode = _PADDING_MODE_ALIASES.get(mode, mode)
        if mode not in PADDING_MODES:
            raise CnnExplorerError(f"padding_mode: unknown {self.padding_mode!r}; choose zeros, edge or reflect")
        set_(self, "padding_mode", mode)
        try:
            bias = float(self.bias)
        except (TypeError, ValueError):
            raise CnnExplorerError(f"bias: must be a number, got {self.bias!r}") from None
        if not math.isfinite(bias):
            raise CnnExplorerError(f"bias: must be a finite number, got {self.bias!r}")
        set_(self, "bias", bias)
        set_(self, "normalize", bool(self.normalize))
        set_(self, "flip", bool(self.flip))

    def validate(self) -> "ConvSettings":
        """Check every field (construction already does); returns self for chaining."""
        ConvSettings(self.stride, self.padding, self.padding_mode, self.dilation, self.bias, self.normalize, self.flip)
        return self


@dataclass(frozen=True)
class PoolSettings:
    """A pooling layer: 'max' or 'avg' over a window, with stride (None = window), padding, ceil mode.

    Semantics are torch's ``max_pool2d`` / ``avg_pool2d`` (``count_include_pad=True``): padding is
    at most half the window; in ceil mode a last window that would start in the right/bottom
    padding is dropped. Bad values raise ``CnnExplorerError`` at construction.
    """

    mode: str = "max"
    size: tuple[int, int] = (2, 2)
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)
    ceil_mode: bool = False

    def __post_init__(self):
        set_ = object.__setattr__
        mode = str(self.mode).strip().lower()
        mode = _POOL_MODE_ALIASES.get(mode, mode)
        if mode not in POOL_MODES:
            raise CnnExplorerError(f"pool mode: unknown {self.mode!r}; choose max or avg")
        set_(self, "mode", mode)
        size = _pair(self.size, "pool size", 1)
        set_(self, "size", size)
        set_(self, "stride", size if self.stride is None else _pair(self.stride, "pool stride", 1))
        padding = _pair(self.padding, "pool padding", 0)
        for p, k in zip(padding, size):
            if 2 * p > k:
                raise CnnExplorerError(
                    f"pool padding: must be at most half the window ({k // 2} for a window of {k}), got {p}"
                )
        set_(self, "padding", padding)
        set_(self, "ceil_mode", bool(self.ceil_mode))

    def validate(self) -> "PoolSettings":
        """Check every field (construction already does); returns self for chaining."""
        PoolSettings(self.mode, self.size, self.stride, self.padding, self.ceil_mode)
        return self


def _hw(shape, name: str) -> tuple[int, int]:
    if len(shape) < 2:
        raise CnnExplorerError(f"{name}: needs (rows, cols), got {tuple(shape)!r}")
    return _whole(shape[0], name), _whole(shape[1], name)


def effective_kernel_hw(kernel_hw, dilation) -> tuple[int, int]:
    """Kernel extent with dilation d: d·(f − 1) + 1 per dimension."""
    kh, kw = _hw(kernel_hw, "kernel")
    return effective_size(kh, dilation[0]), effective_size(kw, dilation[1])


def resolve_padding(input_hw, kernel_hw, settings: ConvSettings) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding for this input and kernel.

    'same' is the TensorFlow/Keras rule (``sizes.same_padding``): output = ceil(n / s), the
    extra row/column at the bottom/right (so even kernels and strides > 1 pad one more cell there).
    """
    n_h, n_w = _hw(input_hw, "image")
    pad = settings.padding
    if pad == "valid":
        return (0, 0, 0, 0)
    if pad == "same":
        kh, kw = _hw(kernel_hw, "kernel")
        (dh, dw), (sh, sw) = settings.dilation, settings.stride
        return (*same_padding(n_h, kh, sh, dh), *same_padding(n_w, kw, sw, dw))
    if isinstance(pad, int):
        return (pad, pad, pad, pad)
    if len(pad) == 2:
        return (pad[0], pad[0], pad[1], pad[1])
    return tuple(pad)  # type: ignore[return-value]


def output_shape(input_hw, kernel_hw, settings: ConvSettings) -> tuple[int, int]:
    """(oh, ow) = floor((n + pads − f_eff) / s) + 1 per dimension, f_eff = d·(f − 1) + 1."""
    n_h, n_w = _hw(input_hw, "image")
    top, bottom, left, right = resolve_padding((n_h, n_w), kernel_hw, settings)
    f_h, f_w = effective_kernel_hw(kernel_hw, settings.dilation)
    kh, kw = _hw(kernel_hw, "kernel")
    ph, pw = n_h + top + bottom, n_w + left + right
    if f_h > ph or f_w > pw:
        dil = "" if (f_h, f_w) == (kh, kw) else f" (dilated to {f_h}×{f_w})"
        raise CnnExplorerError(f"kernel: {kh}×{kw}{dil} is larger than the padded input {ph}×{pw}")
    (dh, dw), (sh, sw) = settings.dilation, settings.stride
    return conv_size(n_h, kh, sh, top + bottom, dh), conv_size(n_w, kw, sw, left + right, dw)


def _dim_formula(n: int, f: int, s: int, p_lo: int, p_hi: int) -> str:
    if p_lo == p_hi == 0:
        pad = ""
    elif p_lo == p_hi:
        pad = f" + 2·{p_lo}"
    else:
        pad = f" + {p_lo} + {p_hi}"
    inner = f"({n} − {f}{pad}) / {s}"
    if (n - f + p_lo + p_hi) % s:
        inner = f"⌊{inner}⌋"
    return f"{inner} + 1 = {conv_size(n, f, s, p_lo + p_hi)}"


def output_size_formula(input_hw, kernel_hw, settings: ConvSettings) -> str:
    """The output-size formula with this case's numbers, e.g. "(7 − 3 + 2·1) / 1 + 1 = 7".

    One formula when rows and cols agree, else "rows: …; cols: …". f is the effective
    (dilated) kernel size; asymmetric padding is shown as "+ top + bottom"; ⌊ ⌋ marks a
    division that is not exact.
    """
    n_h, n_w = _hw(input_hw, "image")
    output_shape((n_h, n_w), kernel_hw, settings)  # raises when impossible
    top, bottom, left, right = resolve_padding((n_h, n_w), kernel_hw, settings)
    f_h, f_w = effective_kernel_hw(kernel_hw, settings.dilation)
    rows = _dim_formula(n_h, f_h, settings.stride[0], top, bottom)
    cols = _dim_formula(n_w, f_w, settings.stride[1], left, right)
    return rows if rows == cols else f"rows: {rows}; cols: {cols}"


def _pool_dim(n: int, k: int, s: int, p: int, ceil_mode: bool, name: str) -> int:
    """``pool_size``, refusing a window larger than the padded input (torch allows it in ceil mode)."""
    if k > n + 2 * p:
        raise CnnExplorerError(f"pool size: window {k} is larger than the padded input {n + 2 * p} ({name})")
    return pool_size(n, k, s, p, ceil_mode)


def pool_output_shape(input_hw, settings: PoolSettings) -> tuple[int, int]:
    """(ph, pw) exactly as torch max_pool2d/avg_pool2d compute it (ceil mode included)."""
    n_h, n_w = _hw(input_hw, "pool input")
    return (
        _pool_dim(n_h, settings.size[0], settings.stride[0], settings.padding[0], settings.ceil_mode, "rows"),
        _pool_dim(n_w, settings.size[1], settings.stride[1], settings.padding[1], settings.ceil_mode, "cols"),
    )
