"""Saving animations: frames (H, W, 3) uint8 as an animated GIF, animated PNG or WebP, with Pillow alone.

Frames are kept as 8-bit palette pictures (one palette for the whole animation, made from
the first and the last frame, so colours never flicker between frames): a third of the
memory of RGB, and what GIF needs anyway. Writing goes through ``atomic.py``, so a cancelled
or failed export leaves no file behind, and a previous file of that name as it was.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write
from cnn_explorer.core.io.messages import short_reason

if TYPE_CHECKING:  # Pillow loads on first use
    from PIL import Image

#: file suffix -> (Pillow format, what the user sees)
ANIMATION_FORMATS = {".gif": ("GIF", "animated GIF"), ".png": ("PNG", "animated PNG"),
                     ".apng": ("PNG", "animated PNG"), ".webp": ("WEBP", "animated WebP")}
#: the most frames an animation may have (about 0.5 MB each while it is being written)
MAX_FRAMES = 1000


class ExportCancelled(CnnExplorerError):
    """The user cancelled an export; nothing was written."""

    def __init__(self) -> None:
        super().__init__("cancelled")


def check_animation_path(path, option: str = "-o") -> Path:
    """The output path if its type is known and its folder exists and is writable, else CnnExplorerError."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise CnnExplorerError(f"{option}: unsupported type {out.suffix or '(none)'!r} in {str(path)!r}; "
                               "use .gif, .png (animated PNG) or .webp")
    check_writable(out, option)
    return out


def check_writable(out: Path, option: str = "-o") -> None:
    """Refuse, before any work, a path in a missing or read-only folder, or a folder itself."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise CnnExplorerError(f"{option}: folder {str(folder)!r} does not exist")
    if out.is_dir():
        raise CnnExplorerError(f"{option}: {str(out)!r} is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CnnExplorerError(f"{option}: cannot write in folder {str(folder)!r} (permission denied)")
    if out.exists() and not os.access(out, os.W_OK):
        raise CnnExplorerError(f"{option}: cannot replace {str(out)!r} (permission denied)")


def shared_palette(first: np.ndarray, last: np.ndarray) -> Image.Image:
    """A 256-colour palette picture made from the first and the last frame (the last holds every output
    colour, the first the empty grid)."""
    from PIL import Image

    both = np.concatenate([first, last], axis=0)
    return Image.fromarray(np.ascontiguousarray(both)).quantize(256, method=Image.Quantize.FASTOCTREE,
                                                                 dither=Image.Dither.NONE)


def to_palette(frame: np.ndarray, palette: Image.Image) -> Image.Image:
    """An (H, W, 3) uint8 frame as a palette picture in ``palette``'s colours (no dithering: flat cells stay flat)."""
    from PIL import Image

    return Image.fromarray(np.ascontiguousarray(frame)).quantize(palette=palette, dither=Image.Dither.NONE)


def write_animation(path, frames: Sequence[Image.Image], durations_ms: Sequence[int], *,
                    cancel: threading.Event | None = None, loop: int = 0) -> None:
    """Write palette ``frames`` (see :func:`to_palette`) with per-frame ``durations_ms`` to ``path`` (type
    from its suffix), atomically; raises ExportCancelled when ``cancel`` is set while writing."""
    out = Path(path)
    fmt = ANIMATION_FORMATS.get(out.suffix.lower(), (None,))[0]
    if fmt is None:
        raise CnnExplorerError(f"output file {str(out)!r}: unsupported animation type; use .gif, .png or .webp")
    if not frames:
        raise CnnExplorerError("animation: no frames to write")
    if len(frames) != len(durations_ms):
        raise CnnExplorerError("animation: one duration a frame is needed")

    def more():
        for im in frames[1:]:
            if cancel is not None and cancel.is_set():
                raise ExportCancelled()
            yield im.convert("RGB") if fmt == "WEBP" else im

    def write(tmp: Path) -> None:
        first = frames[0].convert("RGB") if fmt == "WEBP" else frames[0]
        # Pillow's PNG writer reads the frames twice: a list there (the cancel check runs after it)
        rest = list(frames[1:]) if fmt == "PNG" else more()
        options = {"save_all": True, "append_images": rest, "duration": [int(d) for d in durations_ms],
                   "loop": loop}
        if fmt == "WEBP":
            options.update(lossless=True, quality=20, method=1)   # lossless: crisp numbers; quick effort
        elif fmt == "GIF":
            options.update(optimize=False)
        try:
            first.save(tmp, format=fmt, **options)
        except ExportCancelled:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise CnnExplorerError(f"output file {str(out)!r}: cannot write ({short_reason(exc)})") from None
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()

    atomic_write(out, write)
