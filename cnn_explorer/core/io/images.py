"""Loading pictures and numeric grids as float64 arrays, and saving maps and grids.

Arrays are (H, W) grey or (H, W, 3) RGB, channels-last, float64 on the 0..255
scale of 8-bit pictures (grids from CSV/NPY keep their own numbers). Every
bad file raises CnnExplorerError naming the file and the reason.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import read_user_file
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.grid_text import parse_csv_blocks

#: pictures with more pixels than this are refused (decompression-bomb guard): 100 megapixels
MAX_PIXELS = 100_000_000
#: the longest side the window works on live; larger pictures are scaled down with a note
LIVE_MAX_SIDE = 1024
#: most channels a numeric grid may have
MAX_GRID_CHANNELS = 64
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
GRID_SUFFIXES = (".csv", ".txt", ".npy")
MODES = ("auto", "grey", "rgb")
_FORMATS = "PNG, JPEG, BMP, GIF, TIFF or WebP"


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A loaded picture or grid.

    ``array``: (H, W) or (H, W, 3) float64; ``source``: the file or data name;
    ``original_size``: (height, width) before any scaling; ``scaled``: whether
    ``array`` was scaled down (``max_side``); ``note``: one line on what was
    converted or scaled, empty when nothing was; ``original_mode``: the Pillow
    mode, or "grid" for CSV/NPY.
    """

    array: np.ndarray
    source: str
    original_size: tuple[int, int]
    scaled: bool
    note: str
    original_mode: str = ""


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise CnnExplorerError(f"mode: must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def _check_max_side(max_side: int | None) -> None:
    if max_side is not None and (not isinstance(max_side, (int, np.integer)) or max_side < 1):
        raise CnnExplorerError(f"max_side: must be a positive whole number, got {max_side!r}")


# --- colour conversion ---------------------------------------------------------------------------

def to_grey(array) -> np.ndarray:
    """(H, W, 3) RGB -> (H, W) luma 0.299 R + 0.587 G + 0.114 B (ITU-R 601, as Pillow's "L"); (H, W) unchanged.

    Integer RGB gives integer grey (rounded), so teaching grids keep whole numbers.
    """
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 2:
        return arr.copy()
    if arr.ndim != 3 or arr.shape[2] not in (1, 3):
        raise CnnExplorerError(f"image: cannot make grey from shape {arr.shape}; expected (H, W) or (H, W, 3)")
    if arr.shape[2] == 1:
        return arr[:, :, 0].copy()
    grey = arr @ np.array([0.299, 0.587, 0.114])
    if np.array_equal(arr, np.round(arr)):
        grey = np.round(grey)
    return grey


def to_rgb(array) -> np.ndarray:
    """(H, W) grey -> (H, W, 3) with three equal channels; (H, W, 3) unchanged (copied)."""
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return arr.copy()
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != 2:
        raise CnnExplorerError(f"image: cannot make RGB from shape {arr.shape}; expected (H, W) or (H, W, 3)")
    return np.repeat(arr[:, :, None], 3, axis=2)


def _composite_on_white(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _has_transparency(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        extrema = im.getchannel("A").getextrema()
        return extrema[0] < 255
    return "transparency" in im.info


def _scale_float(arr: np.ndarray, notes: list[str], bits: str) -> np.ndarray:
    lo, hi = float(arr.min()), float(arr.max())
    if lo >= 0 and hi <= 255:
        return arr
    if lo >= 0 and hi <= 65535:
        notes.append(f"{bits} values scaled from 0..65535 to 0..255")
        return arr * (255.0 / 65535.0)
    notes.append(f"{bits} values {format_number(lo, 'exact')}..{format_number(hi, 'exact')} stretched to 0..255")
    return (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)


def _normalise(im: Image.Image, notes: list[str]) -> Image.Image | np.ndarray:
    """Convert any Pillow mode to "L" / "RGB" (8-bit) or a float64 (H, W) array (deeper grey)."""
    mode = im.mode
    if mode == "1":
        return im.convert("L")
    if mode in ("L", "RGB"):
        return im
    if mode in ("LA", "La", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in im.info):
        if _has_transparency(im):
            notes.append("transparent areas composited on white")
        if mode in ("La", "RGBa"):
            im = im.convert("LA" if mode == "La" else "RGBA")
        rgb = _composite_on_white(im)
        return rgb.convert("L") if mode in ("LA", "La") else rgb
    if mode.startswith("I;16"):
        notes.append("16-bit values scaled from 0..65535 to 0..255")
        return np.asarray(im, dtype=np.float64) * (255.0 / 65535.0)
    if mode == "I":
        return _scale_float(np.asarray(im, dtype=np.float64), notes, "32-bit integer")
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ValueError("the floating-point picture contains NaN or infinite values")
        if arr.min() >= 0 and arr.max() <= 1.0 and arr.max() > 0:
            notes.append("floating-point values 0..1 scaled to 0..255")
            return arr * 255.0
        return _scale_float(arr, notes, "floating-point")
    return im.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV, RGBX ...


def _is_grey_rgb(arr: np.ndarray) -> bool:
    return bool(np.array_equal(arr[:, :, 0], arr[:, :, 1]) and np.array_equal(arr[:, :, 1], arr[:, :, 2]))


def _resize(arr: np.ndarray, max_side: int) -> np.ndarray:
    h, w = arr.shape[:2]
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    channels = [arr] if arr.ndim == 2 else [arr[:, :, c] for c in range(arr.shape[2])]
    out = []
    for ch in channels:
        small = Image.fromarray(np.ascontiguousarray(ch, dtype=np.float32)).resize(size, Image.Resampling.BOX)
        out.append(np.asarray(small, dtype=np.float64))
    return out[0] if arr.ndim == 2 else np.stack(out, axis=-1)


def _size_text(hw) -> str:
    return f"{hw[1]}×{hw[0]}"


def _finish(arr: np.ndarray, source: str, original_hw, notes: list[str], mode: str,
            max_side: int | None, original_mode: str) -> LoadedImage:
    if arr.ndim == 3 and mode == "auto" and arr.shape[2] == 3 and _is_grey_rgb(arr):
        arr = arr[:, :, 0].copy()
    elif mode == "grey" and arr.ndim == 3:
        arr = to_grey(arr)
    elif mode == "rgb" and arr.ndim == 2:
        arr = to_rgb(arr)
    scaled = False
    if max_side is not None and max(arr.shape[:2]) > max_side:
        arr = _resize(arr, max_side)
        scaled = True
        notes.append(f"scaled from {_size_text(original_hw)} to {_size_text(arr.shape)} for live work")
    return LoadedImage(np.ascontiguousarray(arr, dtype=np.float64), source, tuple(original_hw), scaled,
                       "; ".join(notes), original_mode)


# --- pictures ------------------------------------------------------------------------------------

def _decode(data: bytes, where: str, max_side: int | None) -> tuple[Image.Image | np.ndarray, tuple[int, int], list[str], str]:
    notes: list[str] = []
    with warnings.catch_warnings():
        # Pillow warns about the user's file (its own bomb limit, odd EXIF, ...); MAX_PIXELS is enforced
        # below and real damage raises, so these warnings carry nothing for us.
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise CnnExplorerError(f"{where}: too many pixels (over {MAX_PIXELS:,}); refused as a possible decompression bomb") from None
        except UnidentifiedImageError:
            raise CnnExplorerError(f"{where}: not a picture Pillow can read ({_FORMATS} expected)") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise CnnExplorerError(f"{where}: cannot read the picture ({_reason(exc)})") from None
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise CnnExplorerError(
                f"{where}: {w}×{h} is {w * h:,} pixels, over the limit of {MAX_PIXELS:,}; refused as a possible decompression bomb"
            )
        if w < 1 or h < 1:
            raise CnnExplorerError(f"{where}: the picture has no pixels ({w}×{h})")
        try:
            frames = getattr(im, "n_frames", 1)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CnnExplorerError(f"{where}: cannot decode the picture ({_reason(exc)}); the file may be truncated or corrupt") from None
        if frames > 1:
            notes.append(f"first of {frames} frames")
        original_mode = im.mode
        try:
            orientation = im.getexif().get(0x0112, 1)
        except Exception:  # noqa: BLE001 - a broken EXIF block must not stop the picture loading
            orientation = 1
        if max_side is not None and im.format == "JPEG" and max(w, h) > 2 * max_side:
            im.draft(im.mode, (max_side, max_side))  # faster: decode at 1/2, 1/4 or 1/8 size
        try:
            im.load()
            before = im.size
            if orientation != 1:
                im = ImageOps.exif_transpose(im)
                notes.append("rotated as its EXIF orientation says")
            swapped = im.size != before
            hw = (w, h) if swapped else (h, w)
            result = _normalise(im, notes)
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise CnnExplorerError(f"{where}: cannot decode the picture ({_reason(exc)}); the file may be truncated or corrupt") from None
    return result, hw, notes, original_mode


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _load_picture(data: bytes, source: str, where: str, mode: str, max_side: int | None) -> LoadedImage:
    _check_mode(mode)
    _check_max_side(max_side)
    result, hw, notes, original_mode = _decode(data, where, max_side)
    arr = result if isinstance(result, np.ndarray) else np.asarray(result, dtype=np.float64)
    if original_mode not in ("L", "1", "RGB", "P") and not notes:
        notes.append(f"converted from mode {original_mode}")
    return _finish(arr, source, hw, notes, mode, max_side, original_mode)


def load_image(path, *, mode: str = "auto", max_side: int | None = None) -> LoadedImage:
    """Load a picture (PNG, JPEG, BMP, GIF, TIFF, WebP) as float64 0..255.

    EXIF orientation is applied; transparency is composited on white; 16-bit
    and float pictures are scaled to 0..255; the first frame of an animation
    is used. ``mode``: "auto" (grey when the picture has no colour), "grey"
    (ITU-R 601 luma) or "rgb". ``max_side`` scales a larger picture down
    (area average) so its longest side fits, with a note saying so.
    """
    path = Path(path)
    return _load_picture(read_user_file(path, "image file"), str(path), f"image file {str(path)!r}", mode, max_side)


def image_from_bytes(data: bytes, name: str = "clipboard", *, mode: str = "auto",
                     max_side: int | None = None) -> LoadedImage:
    """Load a picture from encoded bytes (clipboard, drag-and-drop); errors name ``name``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CnnExplorerError(f"{name}: expected encoded picture bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise CnnExplorerError(f"{name}: no data (0 bytes)")
    return _load_picture(data, name, name, mode, max_side)


# --- numeric grids -------------------------------------------------------------------------------

def _grid_array(arr: np.ndarray, where: str) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        kind = {"c": "complex numbers", "O": "Python objects", "U": "text", "S": "bytes"}.get(arr.dtype.kind, "non-numeric data")
        raise CnnExplorerError(f"{where}: holds {kind} ({arr.dtype}); expected real numbers")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3):
        raise CnnExplorerError(f"{where}: must be 2-D (rows, cols) or 3-D (rows, cols, channels), got shape {arr.shape}")
    if arr.size == 0:
        raise CnnExplorerError(f"{where}: is empty (shape {arr.shape})")
    if arr.ndim == 3 and arr.shape[2] > MAX_GRID_CHANNELS:
        raise CnnExplorerError(
            f"{where}: {arr.shape[2]} channels (last axis) is too many (at most {MAX_GRID_CHANNELS}; channels go last)"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0][:2])
        raise CnnExplorerError(
            f"{where}: {int(bad.sum())} NaN or infinite value(s), the first at row {r + 1}, column {c + 1}"
        )
    return arr


def _load_npy(path: Path, where: str) -> np.ndarray:
    data = read_user_file(path, "grid file")
    buf = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buf)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = reader(buf)
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise CnnExplorerError(f"{where}: not a valid .npy file ({_reason(exc)})") from None
    if dtype.hasobject:
        raise CnnExplorerError(f"{where}: holds Python objects; refused (pickled data is never loaded)")
    cells = math.prod(shape)
    if cells > MAX_PIXELS * 4:
        raise CnnExplorerError(f"{where}: {cells:,} values is too many (at most {MAX_PIXELS * 4:,})")
    need = cells * dtype.itemsize
    have = len(data) - buf.tell()
    if have < need:
        raise CnnExplorerError(f"{where}: truncated (the header promises {need:,} bytes of data, the file has {have:,})")
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        raise CnnExplorerError(f"{where}: cannot read the .npy data ({_reason(exc)})") from None
    return _grid_array(np.asarray(arr), where)


def load_grid(path) -> np.ndarray:
    """A numeric grid from .csv/.txt (rows of numbers) or .npy: float64 (H, W) or (H, W, C).

    CSV cells are separated by commas and/or whitespace; ``#`` lines are
    comments; blank lines separate channels (giving (H, W, C)). NPY is read
    with ``allow_pickle=False``; a 1-D array is one row; 3-D is channels-last.
    NaN, infinite, ragged, empty and non-numeric grids are refused.
    """
    path = Path(path)
    where = f"grid file {str(path)!r}"
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy(path, where)
    if suffix not in (".csv", ".txt"):
        raise CnnExplorerError(f"{where}: unsupported type {suffix or '(none)'!r}; use .csv, .txt or .npy")
    data = read_user_file(path, "grid file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnnExplorerError(f"{where}: not a text file (not UTF-8)") from None
    grids = parse_csv_blocks(text, where)
    arr = grids[0] if len(grids) == 1 else np.stack(grids, axis=-1)
    if arr.size > MAX_PIXELS * 4:
        raise CnnExplorerError(f"{where}: {arr.size:,} values is too many")
    return _grid_array(arr, where)


def load_input(path, *, mode: str = "auto", max_side: int | None = None) -> LoadedImage:
    """Load an INPUT: a .csv/.txt/.npy grid (numbers kept as they are) or a picture (see ``load_image``).

    For grids, "grey" accepts (H, W) or 3 channels (luma), "rgb" accepts (H, W)
    or 3 channels; "auto" keeps any channel count.
    """
    path = Path(path)
    _check_mode(mode)
    _check_max_side(max_side)
    if path.suffix.lower() not in GRID_SUFFIXES:
        return load_image(path, mode=mode, max_side=max_side)
    arr = load_grid(path)
    notes: list[str] = []
    if mode != "auto" and arr.ndim == 3 and arr.shape[2] != 3:
        raise CnnExplorerError(
            f"grid file {str(path)!r}: has {arr.shape[2]} channels; --{mode} needs 1 or 3 (use the default, auto)"
        )
    return _finish(arr, str(path), arr.shape[:2], notes, "grey" if mode == "grey" else ("rgb" if mode == "rgb" else "keep"),
                   max_side, "grid")


# --- saving --------------------------------------------------------------------------------------

def _save_pillow(path: Path, im: Image.Image, fmt: str | None = None) -> None:
    try:
        im.save(path, format=fmt)
    except (OSError, ValueError, KeyError) as exc:
        raise CnnExplorerError(f"output file {str(path)!r}: cannot write ({_reason(exc)})") from None


def map_to_rgb(values, *, diverging: bool = True, vmax: float | None = None, min_side: int = 256,
               gap: int = 4) -> np.ndarray:
    """Colour a map (H, W) or a stack (K, H, W) side by side: uint8 (h, w, 3), shared scale.

    Cells become ``f``×``f`` blocks (f a whole number, so a small map's longest
    side reaches about ``min_side`` px); maps of a stack are separated by
    ``gap`` grey pixels.
    """
    from cnn_explorer.core.colormaps import diverging_rgb, grey_rgb, symmetric_limit

    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.size == 0:
        raise CnnExplorerError(f"values: expected a map (H, W) or a stack (K, H, W), got shape {np.shape(values)}")
    h, w = arr.shape[1:]
    factor = max(1, min(64, math.ceil(min_side / max(h, w)))) if min_side else 1
    m = symmetric_limit(arr) if vmax is None else vmax
    finite = arr[np.isfinite(arr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    tiles = []
    for k, one in enumerate(arr):
        rgb = diverging_rgb(one, m) if diverging else grey_rgb(one, lo, hi)
        rgb = np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
        if k:
            tiles.append(np.full((rgb.shape[0], gap, 3), 128, dtype=np.uint8))
        tiles.append(rgb)
    return np.concatenate(tiles, axis=1)


def save_map_png(path, values, *, diverging: bool = True, vmax: float | None = None, min_side: int = 256) -> None:
    """Save a map (H, W) or stack (K, H, W) as a colour-mapped PNG (see ``map_to_rgb``).

    Diverging: zero is white at the centre of a blue-white-red map spanning
    ±max|value|; otherwise a grey ramp from the minimum to the maximum.
    """
    rgb = map_to_rgb(values, diverging=diverging, vmax=vmax, min_side=min_side)
    _save_pillow(Path(path), Image.fromarray(rgb), "PNG")


def save_grid(path, values) -> None:
    """Save a grid (H, W) or (H, W, C) as .npy (as is) or .csv (exact numbers; blank line between channels)."""
    path = Path(path)
    arr = np.asarray(values, dtype=np.float64)
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            np.save(path, arr, allow_pickle=False)
            return
        if suffix not in (".csv", ".txt"):
            raise CnnExplorerError(f"output file {str(path)!r}: unsupported type {suffix or '(none)'!r}; use .csv or .npy")
        path.write_text(grid_text(arr, sep=","), encoding="utf-8")
    except OSError as exc:
        raise CnnExplorerError(f"output file {str(path)!r}: cannot write ({exc.strerror or exc})") from None


def grid_text(values, sep: str = ",") -> str:
    """Exact text of a grid (H, W) or (H, W, C): one row a line, channels as blocks separated by a blank line."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis]
    blocks = [arr] if arr.ndim == 2 else [arr[:, :, c] for c in range(arr.shape[2])]
    return "\n".join("\n".join(sep.join(format_number(v, "exact") for v in row) for row in b) + "\n" for b in blocks)


def save_image(path, array) -> None:
    """Save a picture (H, W) or (H, W, 3) on the 0..255 scale (clipped, rounded) in the format of the suffix."""
    path = Path(path)
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise CnnExplorerError(f"image: expected (H, W) or (H, W, 3), got shape {arr.shape}")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise CnnExplorerError(f"output file {str(path)!r}: unsupported picture type; use {_FORMATS}")
    pixels = np.clip(np.rint(np.nan_to_num(arr)), 0, 255).astype(np.uint8)
    _save_pillow(path, Image.fromarray(pixels))
