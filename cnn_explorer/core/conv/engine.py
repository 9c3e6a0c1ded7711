"""The number crunching behind ``conv2d``: input checks, padding and the correlation loops.

Layouts: images arrive (H, W) or (H, W, C); inside, the padded input is (C, Hp, Wp) and the
kernel stack (K, C, kh, kw). Two numpy paths and one torch path:

* few kernel cells (the usual 3x3 or 5x5 on grey or RGB): one multiply-add of a shifted view
  per kernel cell, done in row bands that fit the CPU cache. This beats a torch conv2d call
  for a single filter on a 1024² image and needs no torch import.
* many kernel cells (many filters, big kernels): im2col in row bands and one matrix product
  per band (numpy), or ``torch.nn.functional.conv2d`` when torch is already loaded (or asked
  for). float64 (exact) work always takes the first path, whose summation order the step
  trace repeats.

Re-exported by ``cnn_explorer.core.conv.convolution``: import from there.
"""

from __future__ import annotations

import sys

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

#: kernel cells (K·C·kh·kw) up to which the banded multiply-add path is used on big inputs
LIGHT_OPS = 96
#: multiply-adds (output cells × kernel cells) up to which "auto" precision computes in float64
EXACT_MAX_WORK = 1 << 20
#: bytes of one output band of the banded path (fits in L2 cache)
_BAND_BYTES = 1 << 18
#: bytes of one band of whole padded rows (stride 1): larger, as each operation there costs more to start
_ROWS_BAND_BYTES = 1 << 20
#: elements of one im2col band of the matrix-product path
_GEMM_BAND_CELLS = 1 << 21
BACKENDS = ("auto", "numpy", "torch")
PRECISIONS = ("auto", "exact", "fast")


def _first_bad_cell(arr: np.ndarray) -> tuple[tuple[int, ...], object] | None:
    for index in np.ndindex(arr.shape):
        cell = arr[index]
        cell = cell.item() if isinstance(cell, np.generic) else cell
        try:
            float(cell)
        except (TypeError, ValueError):
            return index, cell
    return None


def _where(index) -> str:
    names = ("row", "column", "channel")
    if len(index) == 4:
        names = ("kernel", "row", "column", "channel")
    return ", ".join(f"{n} {i + 1}" for n, i in zip(names, index))


def numeric_array(values, name: str, ndims: tuple[int, ...], *, check_finite: bool = True) -> np.ndarray:
    """``values`` as a finite, non-empty numeric array with ndim in ``ndims``.

    Keeps float32/float64/integer dtypes as they are (no copy for arrays); converts lists,
    bools and numeric strings. Messages name ``name`` and the first bad cell (1-based).
    """
    try:
        arr = np.asarray(values)
    except ValueError:
        raise CnnExplorerError(f"{name}: rows have different lengths (ragged grid)") from None
    if arr.ndim == 0:
        raise CnnExplorerError(f"{name}: must be a grid of numbers, got {values!r}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind in "OUS":
        bad = _first_bad_cell(arr)
        if arr.dtype.kind == "O" and any(hasattr(v, "__len__") and not isinstance(v, str) for v in arr.flat):
            raise CnnExplorerError(f"{name}: rows have different lengths (ragged grid)")
        if bad is not None:
            raise CnnExplorerError(f"{name}: cell at {_where(bad[0])} is not a number: {bad[1]!r}")
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "c":
        raise CnnExplorerError(f"{name}: complex numbers are not supported")
    elif arr.dtype.kind not in "iuf":
        raise CnnExplorerError(f"{name}: must be numbers, got {arr.dtype}")
    if arr.size == 0:
        raise CnnExplorerError(f"{name}: is empty")
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise CnnExplorerError(f"{name}: must be {want}, got shape {arr.shape}")
    if check_finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = tuple(int(v) for v in np.argwhere(~np.isfinite(arr))[0])
        raise CnnExplorerError(f"{name}: contains NaN or infinity at {_where(bad)}")
    return arr


def as_image(image, name: str = "image", *, check_finite: bool = True) -> np.ndarray:
    """(H, W, C) numeric view of an (H, W) or (H, W, C) image; dtype kept.

    ``check_finite=False`` skips the whole-image NaN scan (the step traces check only their window).
    """
    arr = numeric_array(image, name, (2, 3), check_finite=check_finite)
    return arr[:, :, None] if arr.ndim == 2 else arr


def single_kernel(kernel, channels: int, name: str = "kernel") -> np.ndarray:
    """One kernel as (kh, kw, C) float64; a 2-D kernel is copied to every channel."""
    w = numeric_array(kernel, name, (2, 3)).astype(np.float64, copy=False)
    if w.ndim == 2:
        return np.repeat(w[:, :, None], channels, axis=2)
    if w.shape[2] != channels:
        raise CnnExplorerError(f"{name}: has {w.shape[2]} channels but the image has {channels}")
    return w


def kernel_stack(kernels, channels: int, name: str = "kernel") -> np.ndarray:
    """A kernel or a stack of kernels as (K, kh, kw, C) float64 for a C-channel image.

    Accepted: one kernel (kh, kw) or (kh, kw, C); a list/tuple of numpy arrays (each a
    kernel); an array (K, kh, kw, C); an array (K, kh, kw). A 3-D array is ONE kernel
    (kh, kw, C) when the image has C > 1 channels and its last axis is C, otherwise a stack
    of 2-D kernels. A 2-D kernel on a C-channel image is applied to every channel and the
    results summed (it is treated as C copies). Nested Python lists are read as one array.
    """
    if isinstance(kernels, (list, tuple)) and kernels and all(isinstance(k, np.ndarray) for k in kernels):
        stack = [single_kernel(k, channels, f"{name} {n + 1}") for n, k in enumerate(kernels)]
        shapes = {k.shape[:2] for k in stack}
        if len(shapes) > 1:
            raise CnnExplorerError(f"{name}: all kernels of a stack must have the same size, got {sorted(shapes)}")
        return np.stack(stack)
    w = numeric_array(kernels, name, (2, 3, 4)).astype(np.float64, copy=False)
    if w.ndim == 2 or (w.ndim == 3 and channels > 1 and w.shape[2] == channels):
        return single_kernel(w, channels, name)[None]
    if w.ndim == 3:
        return np.repeat(w[..., None], channels, axis=3)
    if w.shape[3] != channels:
        raise CnnExplorerError(f"{name}: has {w.shape[3]} channels but the image has {channels}")
    return w


def pad_image(image, pads, mode: str = "zeros") -> np.ndarray:
    """The image padded by pads = (top, bottom, left, right); HW or HWC; 'zeros' | 'edge' | 'reflect'.

    'reflect' mirrors without repeating the border cell (numpy/torch 'reflect').
    """
    arr = np.asarray(image)
    top, bottom, left, right = (int(p) for p in pads)
    if min(top, bottom, left, right) < 0:
        raise CnnExplorerError(f"padding: must not be negative, got {tuple(pads)}")
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    mode = {"zeros": "constant", "edge": "edge", "reflect": "reflect"}.get(mode)
    if mode is None:
        raise CnnExplorerError("padding_mode: unknown mode; choose zeros, edge or reflect")
    return np.pad(arr, widths, mode=mode)


def padded_chw(x: np.ndarray, pads, mode: str, dtype) -> np.ndarray:
    """(C, Hp, Wp) padded copy (or view when nothing changes) of an (H, W, C) image in ``dtype``."""
    top, bottom, left, right = pads
    xd = x.astype(dtype, copy=False)  # convert first: a contiguous cast then a same-type transpose is fastest
    chw = xd.transpose(2, 0, 1) if xd.shape[2] > 1 else xd[None, :, :, 0]
    if not any(pads):
        return np.ascontiguousarray(chw)
    if mode == "zeros":
        out = np.zeros((chw.shape[0], chw.shape[1] + top + bottom, chw.shape[2] + left + right), dtype)
        out[:, top : top + chw.shape[1], left : left + chw.shape[2]] = chw
        return out
    np_mode = "edge" if mode == "edge" else "reflect"
    return np.pad(chw, ((0, 0), (top, bottom), (left, right)), mode=np_mode)


def compute_dtype(precision: str, work: int) -> type:
    """float64 for 'exact' (and small 'auto' work), float32 for 'fast' (and big 'auto' work)."""
    if precision not in PRECISIONS:
        raise CnnExplorerError(f"precision: unknown {precision!r}; choose auto, exact or fast")
    if precision == "exact" or (precision == "auto" and work <= EXACT_MAX_WORK):
        return np.float64
    return np.float32


def _view(xp, c, r0, r1, col0, stride, out_w):
    sh, sw = stride
    return xp[c, r0 : r1 : sh, col0 : col0 + (out_w - 1) * sw + 1 : sw]


def multiply_add(o: np.ndarray, t: np.ndarray, terms) -> None:
    """o = Σ weight·source over ``terms`` ((weight, source) pairs, zero weights already left out), in
    their order: the first product written, each next one added (±1 without a product); 0 when none.

    ``t``: scratch of o's shape. The one summation the banded path and the sampled channel maps share,
    so that both give the same bits."""
    started = False
    for wv, src in terms:
        if not started:
            np.multiply(src, wv, out=o)
            started = True
        elif wv == 1:
            o += src
        elif wv == -1:
            o -= src
        else:
            np.multiply(src, wv, out=t)
            o += t
    if not started:
        o.fill(0)


def _correlate_banded(xp, w, stride, dilation, out_hw) -> np.ndarray:
    """Sum over kernel cells of weight × shifted view, band by band (exact order: c, row, col)."""
    if tuple(stride) == (1, 1) and xp.flags.c_contiguous:
        return _correlate_rows(xp, w, dilation, out_hw)
    K, C, kh, kw = w.shape
    oh, ow = out_hw
    sh, _ = stride
    dh, dw = dilation
    out = np.empty((K, oh, ow), xp.dtype)
    band = max(4, _BAND_BYTES // max(1, ow * xp.dtype.itemsize))
    tmp = np.empty((min(band, oh), ow), xp.dtype)
    cells = [(c, r, q) for c in range(C) for r in range(kh) for q in range(kw)]
    for i0 in range(0, oh, band):
        i1 = min(i0 + band, oh)
        rows = i1 - i0
        for k in range(K):
            terms = ((wv, _view(xp, c, i0 * sh + r * dh, i0 * sh + r * dh + (rows - 1) * sh + 1, q * dw, stride, ow))
                     for c, r, q in cells if (wv := w[k, c, r, q]) != 0)
            multiply_add(out[k, i0:i1], tmp[:rows], terms)
    return out


def _correlate_rows(xp, w, dilation, out_hw) -> np.ndarray:
    """``_correlate_banded`` at stride 1 on a contiguous input, the same sums: each kernel cell's term
    is one contiguous run of the flattened input (whole padded rows; the cells past the output's width
    are computed and dropped), so numpy works along one long line instead of row by row.

    About 1.6 against 2.8 ms for a 3×3 kernel on a 1024×1024 input."""
    K, C, kh, kw = w.shape
    oh, ow = out_hw
    dh, dw = dilation
    width = xp.shape[2]
    flat = xp.reshape(C, -1)
    out = np.empty((K, oh, ow), xp.dtype)
    band = max(1, _ROWS_BAND_BYTES // max(1, width * xp.dtype.itemsize))
    acc = np.empty(min(band, oh) * width, xp.dtype)
    tmp = np.empty_like(acc)
    cells = [(c, r, q) for c in range(C) for r in range(kh) for q in range(kw)]
    for i0 in range(0, oh, band):
        rows = min(i0 + band, oh) - i0
        n = (rows - 1) * width + ow         # the last row ends at the output's width: inside the input
        for k in range(K):
            terms = ((wv, flat[c, (i0 + r * dh) * width + q * dw:][:n])
                     for c, r, q in cells if (wv := w[k, c, r, q]) != 0)
            multiply_add(acc[:n], tmp[:n], terms)
            out[k, i0 : i0 + rows] = acc[: rows * width].reshape(rows, width)[:, :ow]
    return out


def _correlate_gemm(xp, w, stride, dilation, out_hw) -> np.ndarray:
    """Im2col in row bands, then one (K, C·kh·kw) @ (C·kh·kw, cells) product per band."""
    K, C, kh, kw = w.shape
    oh, ow = out_hw
    sh, sw = stride
    dh, dw = dilation
    wm = w.reshape(K, C * kh * kw)
    out = np.empty((K, oh, ow), xp.dtype)
    band = max(1, _GEMM_BAND_CELLS // (C * kh * kw * ow))
    for i0 in range(0, oh, band):
        i1 = min(oh, i0 + band)
        n = i1 - i0
        cols = np.empty((C, kh, kw, n, ow), xp.dtype)
        for r in range(kh):
            for q in range(kw):
                rows0 = i0 * sh + r * dh
                cols[:, r, q] = xp[:, rows0 : rows0 + (n - 1) * sh + 1 : sh, q * dw : q * dw + (ow - 1) * sw + 1 : sw]
        out[:, i0:i1] = (wm @ cols.reshape(C * kh * kw, n * ow)).reshape(K, n, ow)
    return out


def _correlate_torch(xp, w, stride, dilation) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    def tensor(a):  # torch warns about (and must not write to) read-only arrays such as the seed grids
        a = np.ascontiguousarray(a)
        return torch.from_numpy(a if a.flags.writeable else a.copy())

    with torch.no_grad():
        y = F.conv2d(tensor(xp)[None], tensor(w), stride=tuple(stride), dilation=tuple(dilation))
    return y[0].numpy()


def correlate(xp, w, stride, dilation, out_hw, backend: str = "auto") -> np.ndarray:
    """(K, oh, ow) cross-correlation of a padded (C, Hp, Wp) input with (K, C, kh, kw) weights.

    float64 inputs use the banded path (exact summation order) unless backend='torch';
    float32 picks the fastest available path (see the module docstring).
    """
    if backend not in BACKENDS:
        raise CnnExplorerError(f"backend: unknown {backend!r}; choose auto, numpy or torch")
    if backend == "torch":
        return _correlate_torch(xp, w, stride, dilation)
    if xp.dtype == np.float64 or w.size <= LIGHT_OPS:
        return _correlate_banded(xp, w, stride, dilation, out_hw)
    if backend == "auto" and "torch" in sys.modules:
        return _correlate_torch(xp, w, stride, dilation)
    return _correlate_gemm(xp, w, stride, dilation, out_hw)


def warm_up_fast_path() -> None:
    """Import torch and run one small conv so later heavy convolutions take the torch path at once.

    Safe to call from a background thread while the window starts; ``backend='auto'`` uses
    torch only once it is in ``sys.modules``.
    """
    import torch  # noqa: F401  (the import is the point)

    x = np.zeros((1, 16, 16), np.float32)
    _correlate_torch(x, np.zeros((8, 1, 3, 3), np.float32), (1, 1), (1, 1))
