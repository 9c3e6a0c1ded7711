"""The filter timeline as an animated GIF: the first layer's filters from random noise to edge detectors.

:func:`timeline_job` is an export job (see ``progress.py``): it draws one frame a kept snapshot
(the same colours as the Train page's timeline: red positive, blue negative, white zero, one
scale a frame), under a title naming the step and epoch and over a bar showing how far through
training the frame is; then writes the file through ``core/io/animation_save`` (atomic: a
cancelled or failed export leaves no file). Frames are painted on a QImage, so the job runs on
a worker thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.animation_save import (
    ANIMATION_FORMATS,
    ExportCancelled,
    check_animation_path,
    shared_palette,
    to_palette,
    write_animation,
)
from cnn_explorer.ui import theme
from cnn_explorer.ui.export.animation_export import size_text
from cnn_explorer.ui.export.progress import ExportProgress, Job
from cnn_explorer.ui.train.image_grid import filter_pictures

#: at most this many frames (snapshots are spread evenly over the run, the first and last always kept)
MAX_TIMELINE_FRAMES = 400
#: the first and the last frame stay this long, so the start and the result can be seen
HOLD_MS = 1200
BACKGROUND = QColor(255, 255, 255)
SUBTITLE = "First-layer filters · red positive, blue negative, white zero"
SUBTITLE_RGB = "First-layer filters · each weight's colour channels as a colour, grey zero"


@dataclass(frozen=True)
class TimelineOptions:
    fps: int = 10
    cell: int = 0            # picture side in pixels; 0: from the filter count (as the Train page)
    columns: int = 0         # 0: about square


def pick_frames(count: int, most: int = MAX_TIMELINE_FRAMES) -> list[int]:
    """Indices of ``count`` snapshots to show, at most ``most``, evenly spread, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def frame_caption(index: int, total: int, step: int, steps_per_epoch: int) -> str:
    """'Frame 3 of 40 · step 1,200 (epoch 2.0)'; the first untrained snapshot says so."""
    where = "untrained (random start)" if index == 0 and step == 0 else f"step {step:,}"
    if steps_per_epoch and step:
        where += f" (epoch {step / steps_per_epoch:.1f})"
    return f"Frame {index + 1} of {total} · {where}"


class TimelineFrames:
    """Draws the frames of a timeline ``history`` (list of (step, (F, C, kh, kw) filters))."""

    def __init__(self, history: Sequence[tuple[int, np.ndarray]], steps_per_epoch: int = 0,
                 options: TimelineOptions = TimelineOptions(), font: QFont | None = None) -> None:
        if len(history) < 1:
            raise CnnExplorerError("filter timeline: nothing to export yet; train a model first")
        self.history = list(history)
        self.steps_per_epoch = steps_per_epoch
        self.options = options
        self.indices = pick_frames(len(self.history))
        n = len(self.history[0][1])
        self.count = n
        self.cell = options.cell or (128 if n <= 4 else 96 if n <= 8 else 64 if n <= 16 else 44)
        self.columns = options.columns or (n if n <= 8 else int(np.ceil(np.sqrt(n * 1.6))))
        self.rows = int(np.ceil(n / self.columns))
        self.font = QFont(font) if font is not None else QFont()
        self.font.setPixelSize(max(12, min(18, self.cell // 4)))
        self.gap = max(6, self.cell // 8)
        self.caption_h = self.font.pixelSize() + 6
        self.title_h = self.font.pixelSize() * 2 + 8
        self.bar_h = 6
        self.subtitle = SUBTITLE_RGB if np.shape(self.history[0][1])[1] == 3 else SUBTITLE
        metrics = QFontMetrics(self.font)
        longest = max(metrics.horizontalAdvance(self.subtitle), metrics.horizontalAdvance(
            frame_caption(len(self.history) - 1, len(self.history), self.history[-1][0], steps_per_epoch)))
        self.width = max(self.gap + self.columns * (self.cell + self.gap), longest + 2 * self.gap + 4)
        self.height = self.title_h + self.rows * (self.cell + self.caption_h + self.gap) + self.gap + self.bar_h

    @property
    def frame_count(self) -> int:
        return len(self.indices)

    def durations_ms(self) -> list[int]:
        frame = max(20, round(1000 / max(1, self.options.fps)))
        out = [frame] * self.frame_count
        out[0] = max(frame, HOLD_MS)
        out[-1] = max(frame, HOLD_MS)
        return out

    def render_rgb(self, k: int) -> np.ndarray:
        """Frame ``k`` (of :attr:`frame_count`) as (H, W, 3) uint8."""
        index = self.indices[k]
        step, filters = self.history[index]
        pictures = filter_pictures(filters)
        image = QImage(self.width, self.height, QImage.Format.Format_RGB888)
        image.fill(BACKGROUND)
        p = QPainter(image)
        p.setFont(self.font)
        p.setPen(theme.DARK_TEXT)
        title = QRect(self.gap, 4, self.width - 2 * self.gap, self.title_h - 4)
        p.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   frame_caption(index, len(self.history), step, self.steps_per_epoch))
        p.setPen(theme.MUTED_TEXT)
        p.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                   self.subtitle)
        for i, rgb in enumerate(pictures):
            r, c = divmod(i, self.columns)
            x = self.gap + c * (self.cell + self.gap)
            y = self.title_h + r * (self.cell + self.caption_h + self.gap)
            rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
            h, w = rgb.shape[:2]
            picture = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            p.drawImage(QRect(x, y, self.cell, self.cell), picture)   # nearest: each weight one flat square
            p.setPen(theme.GRID_LINE)
            p.drawRect(QRect(x, y, self.cell - 1, self.cell - 1))
            p.setPen(theme.DARK_TEXT)
            p.drawText(QRect(x, y + self.cell, self.cell, self.caption_h), Qt.AlignmentFlag.AlignCenter, f"f{i + 1}")
        # how far through the run this frame is
        done = index / max(1, len(self.history) - 1)
        p.fillRect(QRect(0, self.height - self.bar_h, self.width, self.bar_h), theme.GRID_LINE)
        p.fillRect(QRect(0, self.height - self.bar_h, round(self.width * done), self.bar_h), theme.ACCENT)
        p.end()
        arr = np.frombuffer(image.constBits(), np.uint8).reshape(self.height, image.bytesPerLine())
        return arr[:, : 3 * self.width].reshape(self.height, self.width, 3).copy()


def timeline_job(history, path, *, steps_per_epoch: int = 0, options: TimelineOptions = TimelineOptions(),
                 font: QFont | None = None) -> Job:
    """The export of the timeline ``history`` to ``path`` (.gif, or .png / .webp animated) as a job;
    the path and the history are checked here, before any work."""
    out = check_animation_path(path, "file")
    frames = TimelineFrames(history, steps_per_epoch, options, font)
    kind = ANIMATION_FORMATS[out.suffix.lower()][1]

    def job(cancel: threading.Event):
        total = frames.frame_count
        first = frames.render_rgb(0)
        last = frames.render_rgb(total - 1) if total > 1 else first
        palette = shared_palette(first, last)
        drawn = []
        for k in range(total):
            if cancel.is_set():
                raise ExportCancelled()
            rgb = first if k == 0 else last if k == total - 1 else frames.render_rgb(k)
            drawn.append(to_palette(rgb, palette))
            yield ExportProgress(k + 1, total + 1, f"Drawing frame {k + 1} of {total}…")
        yield ExportProgress(total, total + 1, f"Writing the {kind}…")
        write_animation(out, drawn, frames.durations_ms(), cancel=cancel)
        kept = len(frames.history)
        more = f" spread over {kept:,} snapshots" if kept > total else ""
        yield ExportProgress(total + 1, total + 1, f"Exported the filter timeline ({total} frames{more}) to "
                             f"{out.name} ({size_text(Path(out).stat().st_size)})", final=True)

    job.frames = frames  # type: ignore[attr-defined]  # what the frames show, for callers and tests
    return job
