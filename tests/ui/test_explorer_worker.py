"""The explorer computes photos off the GUI thread: the newest request wins, strokes void what the
worker computed from the old pixels, ``recompute_now`` stays synchronous, errors still reach the views."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.ui.explorer import state as state_module
from cnn_explorer.ui.explorer.pipeline_worker import PipelineWorker
from cnn_explorer.ui.explorer.state import WORKER_MIN_WORK, ExplorerState

SOBEL = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])


def plain(state: ExplorerState):
    return run_pipeline(state.image, state.effective_kernels(), state.conv, state.activation, state.pool)


@pytest.fixture
def photo_state(qtbot):
    state = ExplorerState()
    rng = np.random.default_rng(5)
    state.set_image(rng.integers(0, 256, (600, 600, 3)).astype(np.float64), source="noise")  # a photo
    state.set_kernels([SOBEL], ["sobel-top"])
    state.recompute_now()
    yield state
    state.stop()


def _threads(monkeypatch) -> list[int]:
    """Record the thread each pipeline run happens on."""
    seen: list[int] = []

    def recording(*args, **kwargs):
        seen.append(threading.get_ident())
        return run_pipeline(*args, **kwargs)

    monkeypatch.setattr(state_module, "run_pipeline", recording)
    return seen


def test_a_kernel_edit_on_a_photo_is_computed_on_the_worker_and_shown(qtbot, photo_state, monkeypatch):
    state = photo_state
    assert state.image.size * SOBEL.size >= WORKER_MIN_WORK
    seen = _threads(monkeypatch)
    kernel = SOBEL.copy()
    kernel[1, 1] = 4.0
    with qtbot.waitSignal(state.result_changed, timeout=5000):
        state.set_kernel(0, kernel)
        assert state.is_computing()
    assert seen and seen[-1] != threading.get_ident()                 # not on the GUI thread
    assert not state.is_computing()
    assert np.array_equal(state.result.feature, plain(state).feature)


def test_a_burst_of_edits_shows_the_last_one(qtbot, photo_state):
    state = photo_state
    for value in range(-3, 4):
        kernel = SOBEL.copy()
        kernel[1, 1] = float(value)
        state.set_kernel(0, kernel)
        if value % 2:
            qtbot.wait(1)                                             # some turns of the event loop between
    qtbot.waitUntil(lambda: not state.is_computing(), timeout=5000)
    assert state.kernels[0][1, 1] == 3.0
    assert np.array_equal(state.result.feature, plain(state).feature)


def test_small_inputs_and_strokes_are_computed_on_the_gui_thread(qtbot, photo_state, monkeypatch):
    state = photo_state
    seen = _threads(monkeypatch)
    before = state.image.copy()
    state.image[:4, :4] = 255.0                                       # a stroke: in place, then announced
    state.notify_image_edited((0, 4, 0, 4))
    state.push_stroke(before)
    qtbot.waitUntil(lambda: not state.is_computing(), timeout=5000)
    assert seen == [threading.get_ident()]
    assert np.array_equal(state.result.feature, plain(state).feature)
    small = ExplorerState()
    small.set_image(np.eye(12), source="grid")
    seen.clear()
    qtbot.waitUntil(lambda: not small.is_computing(), timeout=5000)
    assert seen == [threading.get_ident()]


class _HeldWorkerRun:
    """Makes the pipeline's runs on the worker thread wait (``entered`` set) until ``release`` is set."""

    def __init__(self, monkeypatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        original = state_module.run_pipeline

        def held(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                self.entered.set()
                self.release.wait(5)
            return original(*args, **kwargs)

        monkeypatch.setattr(state_module, "run_pipeline", held)


def _edit_and_hold(qtbot, state, monkeypatch, value: float) -> _HeldWorkerRun:
    held = _HeldWorkerRun(monkeypatch)
    kernel = SOBEL.copy()
    kernel[1, 1] = value
    state.set_kernel(0, kernel)
    qtbot.waitUntil(held.entered.is_set, timeout=2000)                # the worker is inside its run
    return held


def test_what_the_worker_computed_from_pixels_edited_since_is_never_shown(qtbot, photo_state, monkeypatch):
    state = photo_state
    shown = []
    state.result_changed.connect(shown.append)
    held = _edit_and_hold(qtbot, state, monkeypatch, 7.0)
    try:
        before = state.image.copy()
        state.image[10:20, 10:20] = 0.0                               # a stroke while it computes
        state.notify_image_edited((10, 20, 10, 20))
        state.push_stroke(before)
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)       # the stroke's own result, at once
    finally:
        held.release.set()
    qtbot.waitUntil(lambda: not state.is_computing(), timeout=5000)
    qtbot.wait(50)
    assert len(shown) == 1                                            # the worker's (old pixels) never shown
    assert np.array_equal(state.result.feature, plain(state).feature)


def test_recompute_now_is_synchronous_and_drops_a_result_in_flight(qtbot, photo_state, monkeypatch):
    state = photo_state
    shown = []
    state.result_changed.connect(shown.append)
    held = _edit_and_hold(qtbot, state, monkeypatch, -9.0)
    kernel = SOBEL.copy()
    kernel[0, 0] = 5.0
    state.set_kernel(0, kernel)
    state.recompute_now()                                             # no event-loop turn needed
    assert len(shown) == 1
    assert np.array_equal(state.result.feature, plain(state).feature)
    held.release.set()
    qtbot.waitUntil(lambda: not state.is_computing(), timeout=5000)
    qtbot.wait(50)
    assert len(shown) == 1                                            # the older run's result never arrives


def test_an_impossible_setting_on_a_photo_reports_its_error(qtbot, photo_state):
    state = photo_state
    with qtbot.waitSignal(state.error_occurred, timeout=5000) as blocker:
        state.set_settings(conv=ConvSettings(stride=999))
    assert "stride" in blocker.args[0].lower() or state.error
    with qtbot.waitSignal(state.error_cleared, timeout=5000):
        state.set_settings(conv=ConvSettings())


def test_the_worker_runs_jobs_in_order_newest_waiting_wins_and_stops(qtbot):
    worker = PipelineWorker()
    done = []
    worker.finished.connect(lambda job, result, error: done.append((job, result, error)))
    entered, gate = threading.Event(), threading.Event()
    worker.submit(1, lambda: entered.set() or (gate.wait(5) and "first"))
    qtbot.waitUntil(entered.is_set, timeout=2000)                    # job 1 runs
    worker.submit(2, lambda: "second")                                # waits behind 1 …
    worker.submit(3, lambda: "third")                                 # … and is replaced by 3
    gate.set()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    assert [(job, result) for job, result, _ in done] == [(1, "first"), (3, "third")]
    worker.submit(4, lambda: 1 / 0)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
    assert done[-1][1] is None and isinstance(done[-1][2], ZeroDivisionError)
    worker.stop()
    assert not worker.is_busy()
    assert not any(t.name == "explorer-pipeline" for t in threading.enumerate())


def _rgb_maps_panel(qtbot, seed: int):
    """A maps panel shown on a 600x600 RGB noise photo with the Sobel kernel, its first result computed."""
    from cnn_explorer.ui.explorer.maps_panel import MapsPanel

    state = ExplorerState()
    rng = np.random.default_rng(seed)
    state.set_image(rng.integers(0, 256, (600, 600, 3)).astype(np.float64), source="noise")
    state.set_kernels([SOBEL], ["sobel-top"])
    state.recompute_now()
    panel = MapsPanel(state)
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return state, panel


def test_the_channel_maps_are_computed_while_the_worker_computes_and_are_exact(qtbot, monkeypatch):
    from cnn_explorer.core.conv.convolution import conv_partial_maps
    from cnn_explorer.core.conv.partials import ChannelPartials
    from cnn_explorer.ui.explorer.colorbar import diverging_rgba

    state, panel = _rgb_maps_panel(qtbot, seed=9)
    phases: list[str] = []
    original = ChannelPartials.maps

    def counted(self, *args, **kwargs):
        phases.append("during" if state.is_computing() else "after")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ChannelPartials, "maps", counted)
    kernel = SOBEL.copy()
    kernel[1, 1] = 3.0
    with qtbot.waitSignal(panel.repainted, timeout=5000):
        state.set_kernel(0, kernel)
    assert phases and set(phases) == {"during"}                       # none left for after the result
    for c in range(3):                                                # what each channel tile shows is exact
        view = panel.channel_tile(0, c).view
        step = view.displayed_stride()
        full = conv_partial_maps(state.image, state.kernels[0], state.conv, precision="fast")[c]
        expected = diverging_rgba(full[::step, ::step], view.value_range())
        assert np.array_equal(view.displayed_rgba(), expected)
    state.stop()


def test_the_channel_maps_are_coloured_while_the_worker_computes_unless_the_colours_change(qtbot, monkeypatch):
    """Colouring the R, G, B maps is done before the result comes back; after it only the maps of the
    result itself are coloured. A contrast chosen meanwhile colours them again, in the new contrast."""
    from cnn_explorer.ui.explorer import map_view
    from cnn_explorer.ui.explorer.colorbar import grey_rgba

    state, panel = _rgb_maps_panel(qtbot, seed=10)
    phases: list[str] = []
    original = map_view.diverging_argb32

    def counted(*args, **kwargs):
        phases.append("during" if state.is_computing() else "after")
        return original(*args, **kwargs)

    monkeypatch.setattr(map_view, "diverging_argb32", counted)
    kernel = SOBEL.copy()
    kernel[1, 1] = 2.0
    with qtbot.waitSignal(panel.repainted, timeout=5000):
        state.set_kernel(0, kernel)
    tiles = len(panel.rows[0].all_tiles())
    assert phases.count("during") == 3 and phases.count("after") == tiles - 3   # R, G, B before; the rest after
    before = [panel.channel_tile(0, c).view.displayed_rgba() for c in range(3)]
    kernel[1, 1] = 0.0
    with qtbot.waitSignal(panel.repainted, timeout=5000):
        state.set_kernel(0, kernel)
        panel.set_contrast("image")                # while the worker computes: the colours made meanwhile are void
    for c in range(3):
        view = panel.channel_tile(0, c).view
        assert view.contrast() == "image"
        assert np.array_equal(view.displayed_rgba(), grey_rgba(view.values()[::view.displayed_stride(),
                                                                            ::view.displayed_stride()]))
        assert not np.array_equal(view.displayed_rgba(), before[c])
    state.stop()
