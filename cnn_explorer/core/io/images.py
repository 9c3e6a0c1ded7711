"""The one picture loader (limits, EXIF, transparency, modes, reduced decoding), and numeric grids.

:func:`open_picture` decodes a picture safely for every caller; :func:`load_image`
and friends turn it into (H, W) grey or (H, W, 3) RGB arrays, channels-last,
float64 on the 0..255 scale of 8-bit pictures (grids from CSV/NPY keep their
own numbers). Every bad file raises CnnExplorerError naming the file and the
reason. Saving lives in :mod:`cnn_explorer.core.io.image_save`.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.files import MAX_FILE_BYTES, open_user_file, read_user_file
from cnn_explorer.core.io.grey import to_grey, to_rgb
from cnn_explorer.core.io.grid_text import parse_csv_blocks
from cnn_explorer.core.io.messages import (
    DAMAGED,
    NOT_A_PICTURE,
    decode_reason,
    unreadable_message,
)

if TYPE_CHECKING:  # Pillow loads on first use (about 40 ms): the window paints before it is needed
    from PIL import Image

#: pictures with more pixels than this are refused (decompression-bomb guard): 100 megapixels
MAX_PIXELS = 100_000_000
#: most channels a numeric grid may have
MAX_GRID_CHANNELS = 64
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
GRID_SUFFIXES = (".csv", ".txt", ".npy")
MODES = ("auto", "grey", "rgb")


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


def _composite_on_white(im: Image.Image) -> Image.Image:
    from PIL import Image

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


def flatten_picture(im: Image.Image, where: str, notes: list[str] | None = None) -> Image.Image | np.ndarray:
    """Any Pillow mode -> "L" / "RGB" (8-bit), transparency composited on white, or a float64 (H, W) array.

    The array is for deeper grey ("I;16", "I", "F"), scaled to 0..255.
    ``notes`` collects one line for each conversion that changed values.
    """
    try:
        return _flatten(im, [] if notes is None else notes)
    except CnnExplorerError as exc:
        raise CnnExplorerError(f"{where}: {exc}") from None
    except (OSError, ValueError, MemoryError) as exc:
        raise CnnExplorerError(unreadable_message(where, decode_reason(exc))) from None


def _flatten(im: Image.Image, notes: list[str]) -> Image.Image | np.ndarray:
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
            raise CnnExplorerError("the picture holds values that are not numbers (NaN or infinite)")
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
    from PIL import Image

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
    if max_side is not None and max(arr.shape[:2]) > max_side:
        arr = _resize(arr, max_side)
    scaled = arr.shape[:2] != tuple(original_hw)  # also when the picture was decoded smaller
    if scaled:
        notes.append(f"scaled from {_size_text(original_hw)} to {_size_text(arr.shape)} for live work")
    return LoadedImage(np.ascontiguousarray(arr, dtype=np.float64), source, tuple(original_hw), scaled,
                       "; ".join(notes), original_mode)


# --- pictures ------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Picture:
    """A decoded picture, still in its file's Pillow mode (see ``flatten_picture``).

    ``image``: loaded, turned upright by its EXIF orientation, maybe decoded
    smaller (``min_side``); ``original_size``: (height, width) of the full
    upright picture; ``frames``: how many the file holds (the first is used);
    ``rotated``: the EXIF orientation was applied.
    """

    image: Image.Image
    original_size: tuple[int, int]
    original_mode: str
    frames: int
    rotated: bool


class _Unreadable(CnnExplorerError):
    """The bytes are no picture we can decode; ``reason`` says why without naming the file."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(unreadable_message(where, reason))
        self.reason = reason


def _reduction(size: tuple[int, int], min_side: int | None) -> int:
    """The whole factor a picture of ``size`` can shrink by with both sides still at least ``min_side``."""
    return 1 if min_side is None else min(size[0] // min_side, size[1] // min_side)


def open_picture(data: bytes, where: str, *, min_side: int | None = None) -> Picture:
    """Decode picture bytes safely; errors start with ``where``.

    The size is checked against MAX_PIXELS from the header, before decoding.
    ``min_side``: the caller scales the picture down to no more than this on
    either side, so it may be decoded smaller, never below ``min_side``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns about the user's file (its own bomb limit, odd EXIF, ...); MAX_PIXELS is enforced
        # below and real damage raises, so these warnings carry nothing for us.
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise CnnExplorerError(f"{where}: too many pixels (over {MAX_PIXELS:,}); refused as a possible decompression bomb") from None
        except UnidentifiedImageError:
            raise _Unreadable(where, NOT_A_PICTURE) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _Unreadable(where, decode_reason(exc)) from None
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise CnnExplorerError(
                f"{where}: {w}×{h} is {w * h:,} pixels, over the limit of {MAX_PIXELS:,}; refused as a possible decompression bomb"
            )
        if w < 1 or h < 1:
            raise CnnExplorerError(f"{where}: the picture has no pixels ({w}×{h})")
        try:
            frames = getattr(im, "n_frames", 1)
            original_mode = im.mode
            try:
                orientation = im.getexif().get(0x0112, 1)
            except Exception:  # noqa: BLE001 - a broken EXIF block must not stop the picture loading
                orientation = 1
            factor = _reduction(im.size, min_side)
            if factor >= 2 and im.format == "JPEG":
                im.draft(im.mode, (min_side, min_side))  # the decoder scales the DCT down: less work and memory
            im.load()
            if orientation != 1:
                im = ImageOps.exif_transpose(im)
            factor = _reduction(im.size, min_side)
            if factor >= 2 and im.mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
                im = im.reduce(factor)
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise _Unreadable(where, decode_reason(exc)) from None
    upright = (w, h) if orientation in (5, 6, 7, 8) else (h, w)  # these orientations swap the sides
    return Picture(im, upright, original_mode, frames, orientation != 1)


def picture_header(path) -> tuple[int, int, int] | None:
    """(height, width, bands) from a picture file's header alone (nothing decoded); None when it has none we read.

    For budgets over many pictures (a dataset folder) before any is decoded; a file that is no
    picture gets its message from ``read_picture``.
    """
    from PIL import Image

    try:
        with open_user_file(Path(path), "", limit=MAX_FILE_BYTES) as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(fh) as im:
                return im.size[1], im.size[0], len(im.getbands())
    except CnnExplorerError:
        raise
    except Exception:  # noqa: BLE001 - damage of any kind: read_picture names it
        return None


def read_picture(path, *, min_side: int | None = None) -> Picture:
    """Open the picture file at ``path`` (see ``open_picture``); errors start "<path>: ", e.g. "not a readable image"."""
    path = Path(path)
    return open_picture(read_user_file(path, ""), str(path), min_side=min_side)


def _load_picture(data: bytes, source: str, where: str, mode: str, max_side: int | None) -> LoadedImage:
    _check_mode(mode)
    _check_max_side(max_side)
    picture = open_picture(data, where, min_side=max_side)
    notes: list[str] = []
    if picture.frames > 1:
        notes.append(f"first of {picture.frames} frames")
    if picture.rotated:
        notes.append("rotated as its EXIF orientation says")
    result = flatten_picture(picture.image, where, notes)
    if isinstance(result, np.ndarray):
        arr = result
    else:
        raw = np.asarray(result)  # 8-bit: find a grey picture in RGB clothes before the float64 copy (8x the size)
        if raw.ndim == 3 and mode == "auto" and _is_grey_rgb(raw):
            raw = raw[:, :, 0]
        arr = raw.astype(np.float64)
    if picture.original_mode not in ("L", "1", "RGB", "P") and not notes:
        notes.append(f"converted from mode {picture.original_mode}")
    return _finish(arr, source, picture.original_size, notes, mode, max_side, picture.original_mode)


def load_image(path, *, mode: str = "auto", max_side: int | None = None) -> LoadedImage:
    """Load a picture (PNG, JPEG, BMP, GIF, TIFF, WebP) as float64 0..255.

    EXIF orientation is applied; transparency is composited on white; 16-bit
    and float pictures are scaled to 0..255; the first frame of an animation
    is used. ``mode``: "auto" (grey when the picture has no colour), "grey"
    (ITU-R 601 luma) or "rgb". ``max_side`` scales a larger picture down
    (area average) so its longest side fits, with a note saying so.
    """
    path = Path(path)
    return _load_picture(read_user_file(path, ""), str(path), str(path), mode, max_side)


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
    except (ValueError, EOFError, SyntaxError, TypeError):
        raise CnnExplorerError(f"{where}: not a valid .npy file (its header is missing or damaged)") from None
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
    except (ValueError, EOFError, OSError):
        raise CnnExplorerError(f"{where}: cannot read the .npy data ({DAMAGED})") from None
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
