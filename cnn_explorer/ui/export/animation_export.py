"""Exporting the step-by-step animation: frames from :class:`FrameBuilder`, written by ``core/io/animation_save``.

:func:`animation_job` is the export as a job (see ``progress.py``): it renders every frame
(cancellable between frames), then writes the file atomically (cancellable between frames
too). The window runs it on a worker with a progress dialog, the command line to the end.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cnn_explorer.core.io.animation_save import (
    ANIMATION_FORMATS,
    ExportCancelled,
    check_animation_path,
    shared_palette,
    to_palette,
    write_animation,
)
from cnn_explorer.ui.export.animation_frames import AnimationOptions, FrameBuilder
from cnn_explorer.ui.export.progress import ExportProgress, Job


def size_text(n_bytes: int) -> str:
    """'312 KB', '1.4 MB'."""
    if n_bytes < 1_000_000:
        return f"{max(1, round(n_bytes / 1000))} KB"
    return f"{n_bytes / 1_000_000:.1f} MB"


def animation_job(result, options: AnimationOptions, path, kernel_names=(), font=None) -> Job:
    """The export of ``options``' stage and kernel of ``result`` to ``path`` (.gif, .png, .webp) as a job.

    Options, the output path and the frame count are checked here, before any work.
    """
    out = check_animation_path(path, "file")
    builder = FrameBuilder(result, options, kernel_names, font)
    kind = ANIMATION_FORMATS[out.suffix.lower()][1]

    def job(cancel: threading.Event):
        total = builder.frame_count
        ends = {0: builder.render_rgb(0)}
        ends[total - 1] = builder.render_rgb(total - 1) if total > 1 else ends[0]
        palette = shared_palette(ends[0], ends[total - 1])
        frames = []
        for n in range(total):
            if cancel.is_set():
                raise ExportCancelled()
            frames.append(to_palette(ends[n] if n in ends else builder.render_rgb(n), palette))
            yield ExportProgress(n + 1, total + 1, f"Drawing frame {n + 1} of {total}…")
        yield ExportProgress(total, total + 1, f"Writing the {kind}…")
        write_animation(out, frames, builder.durations_ms(), cancel=cancel)
        yield ExportProgress(total + 1, total + 1, f"Exported {total} frames to {out.name} "
                             f"({size_text(Path(out).stat().st_size)})", final=True)

    job.builder = builder  # type: ignore[attr-defined]  # what the frames show, for callers and tests
    return job
