"""Animation export: frames as the step view paints them, frame counts, the files, cancelling."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.animation_save import ExportCancelled
from cnn_explorer.core.kernels.samples import get_sample
from cnn_explorer.ui.explorer.grid_painting import cell_colors
from cnn_explorer.ui.export.animation_export import animation_job
from cnn_explorer.ui.export.animation_frames import (
    AnimationOptions,
    FrameBuilder,
    frame_steps,
)
from cnn_explorer.ui.export.progress import run_to_end
from cnn_explorer.ui.theme import WINDOW_MARK

SMALL = AnimationOptions(size=(480, 360))


@pytest.fixture(scope="module")
def corners():
    s = get_sample("000-1")
    return run_pipeline(s.image, s.kernel_arrays(), s.conv, s.activation, s.pool, precision="exact"), s.kernel_names()


def _pixel(image, x, y):
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def test_frame_count_and_durations(qapp, corners):
    result, names = corners
    builder = FrameBuilder(result, SMALL, names)
    assert builder.frame_count == 16 and builder.steps == list(range(16))
    assert builder.durations_ms() == [250] * 15 + [2250]          # 4 fps, the last frame held 2 s more
    rows = FrameBuilder(result, AnimationOptions(pace="row", size=(480, 360)), names)
    assert rows.steps == [0, 3, 7, 11, 15]                          # as the step view's "a row at a time"
    pool = FrameBuilder(result, AnimationOptions(stage="pool", size=(480, 360)), names)
    assert pool.frame_count == 4
    assert frame_steps((0, 0), "cell") == []


def test_first_frame_shows_the_window_at_cell_0_0(qapp, corners):
    result, names = corners
    builder = FrameBuilder(result, SMALL, names)
    info = builder.info(0)
    assert info.cell == (0, 0) and info.window == ((0, 1, 2), (0, 1, 2)) and info.filled == 1
    assert info.arithmetic.endswith("= 429") and info.value == 429.0
    image = builder.render(0)
    top_left, bottom_right = builder.cell_rect("input0", 0, 0), builder.cell_rect("input0", 2, 2)
    # the window's outline runs along the left edge of cells (0..2, 0), and not around cell (0, 3)
    assert _pixel(image, top_left.left() + 1, (top_left.top() + bottom_right.bottom()) / 2) == WINDOW_MARK.getRgb()[:3]
    outside = builder.cell_rect("input0", 0, 4)
    assert _pixel(image, outside.left() + 2, outside.center().y()) != WINDOW_MARK.getRgb()[:3]
    # the current output cell (0, 0) is outlined; (0, 1) is still pending (grey dots, not its colour)
    out00 = builder.cell_rect("output", 0, 0)
    assert _pixel(image, out00.left() + 1, out00.center().y()) == WINDOW_MARK.getRgb()[:3]


def test_last_frame_output_cells_equal_the_core_map(qapp, corners):
    result, names = corners
    builder = FrameBuilder(result, SMALL, names)
    last = builder.frame_count - 1
    image = builder.render(last)
    core = np.asarray(result.feature)[0]
    np.testing.assert_array_equal(builder.output_map(), core)
    assert builder.info(last).filled == core.size
    m = float(np.abs(core).max())
    expected = cell_colors(core, "diverging", (-m, m))
    for i in range(core.shape[0]):
        for j in range(core.shape[1]):
            r = builder.cell_rect("output", i, j)
            # a corner of the cell, clear of its number and of the current-cell outline
            assert _pixel(image, r.left() + r.width() * 0.2, r.top() + r.height() * 0.85) == tuple(expected[i, j])


@pytest.mark.parametrize("suffix, fmt", [(".gif", "GIF"), (".png", "PNG"), (".webp", "WEBP")])
def test_export_writes_every_frame(qapp, corners, tmp_path, suffix, fmt):
    result, names = corners
    out = tmp_path / f"conv{suffix}"
    last = run_to_end(animation_job(result, AnimationOptions(stage="pool", size=(400, 300)), out, names))
    assert last.final and "4 frames" in last.text
    with Image.open(out) as im:
        assert im.format == fmt and im.n_frames == 4 and im.size == (400, 300)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_cancelled_export_leaves_no_file(qapp, corners, tmp_path):
    result, names = corners
    out = tmp_path / "conv.gif"
    out.write_bytes(b"the teacher's older file")
    job = animation_job(result, SMALL, out, names)
    cancel = threading.Event()
    records = job(cancel)
    next(records)
    next(records)
    cancel.set()
    with pytest.raises(ExportCancelled):
        for _ in records:
            pass
    assert out.read_bytes() == b"the teacher's older file"
    assert [p.name for p in tmp_path.iterdir()] == ["conv.gif"]


@pytest.mark.parametrize("options, words", [
    (AnimationOptions(fps=0), "--fps"), (AnimationOptions(size=(100, 100)), "--size"),
    (AnimationOptions(pace="map"), "--pace"), (AnimationOptions(k=3), "kernel: choose 1..1"),
])
def test_bad_options(qapp, corners, tmp_path, options, words):
    result, names = corners
    with pytest.raises(CnnExplorerError, match=words):
        animation_job(result, options, tmp_path / "a.gif", names)
    assert list(tmp_path.iterdir()) == []


def test_too_many_frames_and_no_pooling(qapp, tmp_path):
    big = run_pipeline(np.zeros((40, 40)), [np.ones((3, 3))], activation="none", pool=None)
    with pytest.raises(CnnExplorerError, match="a row at a time"):
        animation_job(big, AnimationOptions(), tmp_path / "a.gif")
    assert FrameBuilder(big, AnimationOptions(pace="row")).frame_count == 39
    with pytest.raises(CnnExplorerError, match="no pooling"):
        animation_job(big, AnimationOptions(stage="pool", pace="row"), tmp_path / "a.gif")


def test_save_image_atomic(qapp, corners, tmp_path):
    from cnn_explorer.ui.export.images import save_image_atomic

    result, names = corners
    image = FrameBuilder(result, SMALL, names).render(0)
    save_image_atomic(image, tmp_path / "frame.png")
    with Image.open(tmp_path / "frame.png") as im:
        assert im.size == (480, 360)
    with pytest.raises(CnnExplorerError, match="unsupported picture type"):
        save_image_atomic(image, tmp_path / "frame.tga")
    assert [p.name for p in tmp_path.iterdir()] == ["frame.png"]
