"""Backpropagation through one convolution: the MSE loss, dL/dy, dL/dw, dL/db and dL/dx, and one descent step.

One kernel (kh, kw) or (kh, kw, C) on an image (H, W) or (H, W, C) gives one map y (oh, ow), exactly
as ``conv2d`` computes it (every stride, padding, padding mode, dilation, normalize, flip and bias of
``ConvSettings``). With the loss L = mean((y − t)²) over the N = oh·ow cells:

- dL/dy = 2·(y − t) / N, a grid the size of the map;
- dL/dw[a, b, c] = Σ_ij x_pad[a·d + i·s, b·d + j·s, c] · dL/dy[i, j] (÷ kh·kw·C when normalized): a
  cross-correlation of the padded input with dL/dy, where dL/dy plays the kernel, the forward
  stride s becomes its dilation and the forward dilation d its stride. ``kernel_gradient_step``
  gives one such cell as the forward pass's own step record (``ConvStep``), so the app shows it
  with the same sliding picture: a window over the input, a "kernel", products and their sum;
- dL/db = Σ dL/dy;
- dL/dx: each dL/dy cell spread back over its window, weighted by the kernel (padding folded back).

A 2-D kernel on a C-channel image is one kernel shared by every channel (as ``conv2d`` reads it),
so its gradient sums the channels and keeps the kernel's (kh, kw) shape. Everything is float64.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    conv2d,
    output_shape,
    pad_image,
    resolve_padding,
)
from cnn_explorer.core.conv.engine import as_image, single_kernel
from cnn_explorer.core.conv.steps import ConvStep, conv_step
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number

__all__ = [
    "DescentStep", "bias_gradient", "descent_step", "forward_map", "input_gradient", "kernel_gradient",
    "kernel_gradient_step", "mse_gradient", "mse_loss", "mse_text", "running_sum_text",
]


def _image(x) -> np.ndarray:
    """(H, W, C) float64 copy of an (H, W) or (H, W, C) image (finite values checked)."""
    return as_image(x).astype(np.float64)


def _kernel(w, channels: int) -> np.ndarray:
    arr = np.asarray(w, dtype=np.float64)
    if arr.ndim not in (2, 3):
        raise CnnExplorerError(f"kernel: expected (kh, kw) or (kh, kw, C), got shape {arr.shape}")
    return single_kernel(arr, channels)


def _settings(settings) -> ConvSettings:
    if not isinstance(settings, ConvSettings):
        raise CnnExplorerError(f"settings: must be ConvSettings, got {type(settings).__name__}")
    return settings


def forward_map(x, w, settings: ConvSettings = ConvSettings()) -> np.ndarray:
    """The map y (oh, ow) of one kernel on the image, float64, exactly as ``conv2d`` computes it."""
    # a list holds ONE kernel: a (kh, kw, 1) kernel is never read as a stack of 2-D ones
    return conv2d(x, [np.asarray(w, dtype=np.float64)], _settings(settings), precision="exact").maps[0]


def _pair(y, t) -> tuple[np.ndarray, np.ndarray]:
    y, t = np.asarray(y, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if y.shape != t.shape or y.ndim != 2 or not y.size:
        raise CnnExplorerError(f"target: needs the map's shape {y.shape}, got {t.shape}")
    return y, t


def mse_loss(y, t) -> float:
    """L = mean((y − t)²) over every cell of the map."""
    y, t = _pair(y, t)
    return float(np.mean((y - t) ** 2))


def mse_gradient(y, t) -> np.ndarray:
    """dL/dy = 2·(y − t) / N (N = cells of the map)."""
    y, t = _pair(y, t)
    return 2.0 * (y - t) / y.size


def mse_text(y, t, max_terms: int = 6) -> str:
    """"((0.5)² + (−0.25)² + … ) / 49 = 0.0123": the loss written out from its errors (middle elided)."""
    y, t = _pair(y, t)
    errors = (y - t).ravel().tolist()
    terms = [f"({format_number(e)})²" for e in errors]
    if len(terms) > max_terms > 0:
        head = (max_terms + 1) // 2
        terms = terms[:head] + ["…"] + terms[len(terms) - (max_terms - head):]
    return f"({' + '.join(terms)}) / {len(errors)} = {format_number(mse_loss(y, t))}"


def _check_grad_output(g, out_hw) -> np.ndarray:
    g = np.asarray(g, dtype=np.float64)
    if g.shape != tuple(out_hw):
        raise CnnExplorerError(f"dL/dy: needs the map's shape {tuple(out_hw)}, got {g.shape}")
    if not np.isfinite(g).all():
        raise CnnExplorerError("dL/dy: contains NaN or infinity")
    return g


def _geometry(x: np.ndarray, kernel_hw, settings: ConvSettings):
    """(pads, (oh, ow), padded input (Hp, Wp, C))."""
    pads = resolve_padding(x.shape[:2], kernel_hw, settings)
    out_hw = output_shape(x.shape[:2], kernel_hw, settings)
    return pads, out_hw, pad_image(x, pads, settings.padding_mode)


def _divisor(settings: ConvSettings, kh: int, kw: int, channels: int) -> int:
    return kh * kw * channels if settings.normalize else 1


def kernel_gradient(x, w, g, settings: ConvSettings = ConvSettings()) -> np.ndarray:
    """dL/dw, the kernel's shape, given dL/dy ``g`` (oh, ow): the padded input correlated with ``g``.

    ``w`` gives the kernel's shape (and its channels: a 2-D kernel on C channels is shared, its
    gradient summed over them); its values do not enter (the map is linear in w).
    """
    settings = _settings(settings)
    x = _image(x)
    w_in = np.asarray(w, dtype=np.float64)
    k = _kernel(w_in, x.shape[2])
    kh, kw, C = k.shape
    _pads, (oh, ow), xp = _geometry(x, (kh, kw), settings)
    g = _check_grad_output(g, (oh, ow))
    (sh, sw), (dh, dw) = settings.stride, settings.dilation
    grad = np.empty((kh, kw, C))
    for a in range(kh):
        for b in range(kw):
            win = xp[a * dh: a * dh + sh * (oh - 1) + 1: sh, b * dw: b * dw + sw * (ow - 1) + 1: sw, :]
            grad[a, b] = np.einsum("ijc,ij->c", win, g)
    grad /= _divisor(settings, kh, kw, C)
    if settings.flip:                       # y used w rotated 180°: cell (a, b) of w is cell (kh−1−a, kw−1−b) there
        grad = grad[::-1, ::-1]
    return np.ascontiguousarray(grad.sum(axis=2) if w_in.ndim == 2 else grad)


def bias_gradient(g) -> float:
    """dL/db = Σ dL/dy (the bias is added to every cell after the sum)."""
    g = np.asarray(g, dtype=np.float64)
    return float(g.sum())


def _source_index(shape_hw, pads, mode: str) -> np.ndarray:
    """(Hp, Wp) flat index of the input cell each padded cell reads (−1: a zero of the padding)."""
    H, W = shape_hw
    index = np.arange(H * W).reshape(H, W)
    if mode == "zeros":
        return np.pad(index, [(pads[0], pads[1]), (pads[2], pads[3])], constant_values=-1)
    return pad_image(index, pads, mode)


def input_gradient(x, w, g, settings: ConvSettings = ConvSettings()) -> np.ndarray:
    """dL/dx, the image's shape: every dL/dy cell times the kernel, added over its window; cells the padding
    copied ('edge', 'reflect') pass their share back to the input cell they copy."""
    settings = _settings(settings)
    x_in = np.asarray(x)
    x = _image(x)
    k = _kernel(w, x.shape[2])
    if settings.flip:
        k = k[::-1, ::-1]
    kh, kw, C = k.shape
    pads, (oh, ow), xp = _geometry(x, (kh, kw), settings)
    g = _check_grad_output(g, (oh, ow))
    (sh, sw), (dh, dw) = settings.stride, settings.dilation
    grad_p = np.zeros(xp.shape)
    for a in range(kh):
        for b in range(kw):
            grad_p[a * dh: a * dh + sh * (oh - 1) + 1: sh, b * dw: b * dw + sw * (ow - 1) + 1: sw, :] += \
                g[:, :, None] * k[a, b][None, None, :]
    grad_p /= _divisor(settings, kh, kw, C)
    H, W = x.shape[:2]
    source = _source_index((H, W), pads, settings.padding_mode).ravel()
    inside = source >= 0
    grad = np.zeros((H * W, C))
    np.add.at(grad, source[inside], grad_p.reshape(-1, C)[inside])
    grad = grad.reshape(H, W, C)
    return grad[:, :, 0] if x_in.ndim == 2 else grad


def kernel_gradient_step(x, w, g, settings: ConvSettings, a: int, b: int, c: int = 0) -> ConvStep:
    """Cell (a, b) (channel ``c`` of a 3-D kernel) of dL/dw as the forward pass's step record.

    The "window" is the input cells that meet dL/dy at this kernel cell (padded-input coordinates in
    ``rows``/``cols``, ``pads`` to subtract, ``in_padding`` marking padding), the "kernel" is dL/dy,
    ``products`` their products, and ``value`` the gradient cell (÷ ``divisor`` when normalized), so
    ``arithmetic()`` writes "x×g + … = dL/dw[a, b]". A 2-D kernel on C channels gets a (oh, ow, C)
    window: its cell sums every channel, as the shared kernel's gradient does.
    """
    settings = _settings(settings)
    x_in = np.asarray(x)
    x = _image(x)
    w_in = np.asarray(w, dtype=np.float64)
    k = _kernel(w_in, x.shape[2])
    kh, kw, C = k.shape
    for name, v, n in (("a", a, kh), ("b", b, kw), ("c", c, C if w_in.ndim == 3 else 1)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= v < n:
            raise CnnExplorerError(f"{name}: kernel cell index must be in 0..{n - 1}, got {v!r}")
    pads, out_hw, xp = _geometry(x, (kh, kw), settings)
    g = _check_grad_output(g, out_hw)
    ea, eb = (kh - 1 - a, kw - 1 - b) if settings.flip else (a, b)
    source = xp[:, :, c] if w_in.ndim == 3 or x_in.ndim == 2 else xp
    # dL/dy slides over the padded input as a kernel whose dilation is the forward stride; the forward
    # dilation is its stride, so output cell (ea, eb) of this correlation is the gradient cell
    swapped = ConvSettings(stride=settings.dilation, dilation=settings.stride)
    step = conv_step(source, g, swapped, int(ea), int(eb))
    rows, cols = step.rows - pads[0], step.cols - pads[2]
    H, W = x.shape[:2]
    in_padding = (rows[:, None] < 0) | (rows[:, None] >= H) | (cols[None, :] < 0) | (cols[None, :] >= W)
    divisor = _divisor(settings, kh, kw, C)
    return dataclasses.replace(step, i=int(a), j=int(b), in_padding=in_padding, divisor=divisor,
                               value=step.total / divisor if divisor != 1 else step.total, pads=pads)


def running_sum_text(step: ConvStep, count: int) -> str:
    """The first ``count`` products of a grey step written out with their sum so far (row by row, as
    the sum runs); all of them give ``step.arithmetic()``."""
    products = np.asarray(step.products, dtype=np.float64)
    if products.ndim != 2:
        raise CnnExplorerError("running sum: written for one channel (a 2-D window)")
    n = min(max(int(count), 0), products.size)
    if n == products.size:
        return step.arithmetic()
    if n == 0:
        return "0"
    pairs = zip(np.asarray(step.window).ravel()[:n].tolist(), np.asarray(step.kernel).ravel()[:n].tolist())
    terms = [f"{_operand(a)}×{_operand(b)}" for a, b in pairs]
    total = 0.0
    for v in products.ravel()[:n].tolist():       # the record's own order: the last term's sum is its total
        total += v
    return f"{' + '.join(terms)} = {format_number(total)} ({n} of {products.size} products)"


def _operand(value: float) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith(MINUS) else text


@dataclass(frozen=True, eq=False)
class DescentStep:
    """One step of gradient descent on L = mean((y − t)²): everything the demo shows, before and after.

    ``kernel``/``bias`` before the step, ``output`` y, ``target`` t, ``error`` y − t, ``loss``, the
    gradients, ``rate`` and ``new_kernel``/``new_bias`` = old − rate·gradient (the bias only when learnt).
    """

    kernel: np.ndarray
    bias: float
    output: np.ndarray
    target: np.ndarray
    error: np.ndarray
    loss: float
    grad_output: np.ndarray
    grad_kernel: np.ndarray
    grad_bias: float
    rate: float
    new_kernel: np.ndarray
    new_bias: float

    def update_text(self, a: int, b: int, c: int | None = None) -> str:
        """"0.1 − 0.5 × (−0.2222) = 0.2111": kernel cell (a, b[, c]) after the step, w − lr·g."""
        index = (a, b) if c is None else (a, b, c)
        w, g, new = float(self.kernel[index]), float(self.grad_kernel[index]), float(self.new_kernel[index])
        return f"{format_number(w)} − {format_number(self.rate)} × {_operand(g)} = {format_number(new)}"


def descent_step(x, w, target, settings: ConvSettings = ConvSettings(), rate: float = 0.1, *,
                 learn_bias: bool = False) -> DescentStep:
    """One step w ← w − rate·dL/dw (and b ← b − rate·dL/db when ``learn_bias``; b is ``settings.bias``)."""
    settings = _settings(settings)
    rate = float(rate)
    if not np.isfinite(rate) or rate < 0:
        raise CnnExplorerError(f"rate: must be a finite number of at least 0, got {rate!r}")
    w = np.array(w, dtype=np.float64)
    y = forward_map(x, w, settings)
    t = np.asarray(target, dtype=np.float64)
    if t.shape != y.shape:
        raise CnnExplorerError(f"target: needs the map's shape {y.shape}, got {t.shape}")
    g = mse_gradient(y, t)
    gw = kernel_gradient(x, w, g, settings)
    gb = bias_gradient(g)
    for arr in (w, y, t, g, gw):
        arr.setflags(write=False)
    new_w = w - rate * gw
    new_w.setflags(write=False)
    new_b = settings.bias - rate * gb if learn_bias else settings.bias
    return DescentStep(kernel=w, bias=settings.bias, output=y, target=t, error=y - t, loss=mse_loss(y, t),
                       grad_output=g, grad_kernel=gw, grad_bias=gb, rate=rate, new_kernel=new_w, new_bias=new_b)
