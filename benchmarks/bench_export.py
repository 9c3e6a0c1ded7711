"""Export speed: the slides' 6×6 example animated as a GIF, and a two-page worksheet as a PDF.

Rows (median of --repeat runs, wall clock):
  frames alone           painting the 16 frames at 800×600 (FrameBuilder.render_rgb), the reference
  GIF export             the whole export: frames, one palette, Pillow's GIF writer, atomic write
  APNG / WebP export     the same written as an animated PNG and WebP (no target; for comparison)
  worksheet content      core.conv.worksheet.build_worksheet alone, the reference
  worksheet PDF          content + QPdfWriter layout of the exercise and its key (two pages)
Targets: GIF ≤ 2 s, worksheet ≤ 1 s. Painting is offscreen (QT_QPA_PLATFORM=offscreen). Prints a table and exits.

    python benchmarks/bench_export.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (default 5)")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 - fonts and painting need it
    from cnn_explorer.core.conv.pipeline import run_pipeline
    from cnn_explorer.core.conv.worksheet import build_worksheet
    from cnn_explorer.core.kernels.samples import get_sample
    from cnn_explorer.ui.export.animation_export import animation_job
    from cnn_explorer.ui.export.animation_frames import AnimationOptions, FrameBuilder
    from cnn_explorer.ui.export.progress import run_to_end
    from cnn_explorer.ui.export.worksheet_pdf import worksheet_job

    s = get_sample("000-1")
    result = run_pipeline(s.image, s.kernel_arrays(), s.conv, s.activation, s.pool, precision="exact")
    options = AnimationOptions(size=(800, 600))
    names = s.kernel_names()
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))

    def frames():
        builder = FrameBuilder(result, options, names)
        for n in range(builder.frame_count):
            builder.render_rgb(n)

    def export(suffix):
        return lambda: run_to_end(animation_job(result, options, folder / f"conv{suffix}", names))

    def content():
        return build_worksheet(s.image, s.kernel_arrays()[0], s.conv, s.activation, s.pool, source=s.label)

    def sheet():
        last = run_to_end(worksheet_job(content(), folder / "sheet.pdf"))
        assert "2 pages" in last.text, last.text

    export(".gif")()                                      # warm-up: fonts, Pillow's plugins
    rows = [
        ("frames alone (16 at 800×600)", _median(frames, args.repeat), None),
        ("GIF export (16 frames)", _median(export(".gif"), args.repeat), 2.0),
        ("APNG export", _median(export(".png"), args.repeat), None),
        ("WebP export", _median(export(".webp"), args.repeat), None),
        ("worksheet content (core)", _median(content, args.repeat), None),
        ("worksheet PDF (2 pages)", _median(sheet, args.repeat), 1.0),
    ]
    sizes = {p.suffix: p.stat().st_size for p in folder.iterdir()}
    print(f"{'what':34} {'median s':>9} {'target':>8}  ok")
    ok_all = True
    for name, seconds, target in rows:
        ok = target is None or seconds <= target
        ok_all &= ok
        print(f"{name:34} {seconds:9.3f} {('≤ %.1f' % target) if target else '':>8}  {'yes' if ok else 'NO'}")
    print("file sizes: " + ", ".join(f"{k} {v / 1000:.0f} KB" for k, v in sorted(sizes.items())))
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
