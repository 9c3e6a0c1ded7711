"""The filter timeline as an animated GIF: one frame a snapshot, the filters' colours, cancel writes nothing."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from cnn_explorer.core.io.animation_save import ExportCancelled
from cnn_explorer.ui.export.progress import run_to_end
from cnn_explorer.ui.export.timeline_gif import HOLD_MS, pick_frames, timeline_job
from cnn_explorer.ui.train.timeline import TimelineView

EDGE = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


def _history(n: int = 4) -> list[tuple[int, np.ndarray]]:
    """Noise at step 0 turning into vertical-edge detectors (4 filters, 1 channel)."""
    rng = np.random.default_rng(0)
    noise = rng.normal(scale=0.1, size=(4, 1, 3, 3))
    edges = np.stack([EDGE, -EDGE, EDGE.T, -EDGE.T])[:, None]
    return [(100 * k, (1 - k / (n - 1)) * noise + (k / (n - 1)) * edges) for k in range(n)]


def test_the_gif_has_a_frame_a_snapshot_and_the_last_shows_the_edge_detectors(qapp, tmp_path):
    out = tmp_path / "timeline.gif"
    job = timeline_job(_history(), out, steps_per_epoch=200)
    last = run_to_end(job)
    assert last.final and "4 frames" in last.text
    frames = job.frames
    with Image.open(out) as gif:
        assert gif.n_frames == 4
        assert gif.size == (frames.width, frames.height)
        assert gif.info["duration"] == HOLD_MS
        gif.seek(3)
        rgb = np.asarray(gif.convert("RGB"))
    # filter 1 is EDGE: its left column positive (red), right column negative (blue), middle zero (white)
    x0, y0, third = frames.gap, frames.title_h, frames.cell // 3
    left, mid, right = (rgb[y0 + third + third // 2, x0 + c * third + third // 2].astype(int) for c in range(3))
    assert left[0] > left[2] + 50 and right[2] > right[0] + 50
    assert min(mid) > 230


def test_a_cancelled_export_writes_nothing_and_keeps_the_old_file(qapp, tmp_path):
    out = tmp_path / "timeline.gif"
    out.write_bytes(b"old")
    cancel = threading.Event()
    gen = timeline_job(_history(), out)(cancel)
    next(gen)
    cancel.set()
    with pytest.raises(ExportCancelled):
        list(gen)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["timeline.gif"]


def test_long_runs_are_thinned_evenly_keeping_the_start_and_the_end():
    picked = pick_frames(1000, 400)
    assert len(picked) == 400 and picked[0] == 0 and picked[-1] == 999
    assert pick_frames(5, 400) == [0, 1, 2, 3, 4]


def test_the_timeline_view_exports_on_a_worker_and_reports_a_bad_folder(qtbot, tmp_path):
    view = TimelineView()
    qtbot.addWidget(view)
    assert not view.export_button.isEnabled()
    view.set_history(_history(), 200)
    assert view.export_button.isEnabled()
    with qtbot.waitSignal(view.export_finished, timeout=10000) as blocker:
        view.export_gif(tmp_path / "t.gif")
    ok, message = blocker.args
    assert ok and "t.gif" in message and (tmp_path / "t.gif").exists()
    with qtbot.waitSignal(view.export_finished, timeout=2000) as blocker:
        view.export_gif(tmp_path / "missing" / "t.gif")
    ok, message = blocker.args
    assert not ok and "does not exist" in message
    view.stop()
