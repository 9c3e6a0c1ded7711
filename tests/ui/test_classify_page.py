"""The Classify page: strokes drawn with the mouse are classified live; the views explain; edits reset exactly."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from cnn_explorer.core.train.checkpoints import model_files, resolve_model_path

#: Digits as pen paths in a unit box (x right, y down), drawn into the canvas box below.
PATHS: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5 + 0.38 * math.sin(t), 0.5 - 0.5 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 33)]],
    1: [[(0.5, 0.0), (0.5, 1.0)]],
    7: [[(0.08, 0.02), (0.92, 0.02), (0.42, 1.0)]],
    2: [[(0.12, 0.22), (0.3, 0.03), (0.6, 0.0), (0.85, 0.18), (0.82, 0.42), (0.1, 1.0), (0.95, 1.0)]],
    4: [[(0.2, 0.0), (0.1, 0.55), (0.9, 0.55)], [(0.7, 0.2), (0.68, 1.0)]],
}
BOX = (70.0, 40.0, 210.0, 240.0)  # x0, y0, x1, y1 on the 280x280 canvas


def bundled_available() -> bool:
    weights, meta = model_files(resolve_model_path("mnist"))
    return weights.is_file() and meta.is_file()


@pytest.fixture(scope="module")
def loaded_model():
    """The bundled "mnist" model; until it ships, a small CNN trained here on the bundled sample."""
    from cnn_explorer.core.train.checkpoints import load_model

    if bundled_available():
        loaded = load_model("mnist")
        _warm_digit_reference(loaded)
        return loaded
    # Trained once per machine (about a minute), kept in the temp folder for the next runs.
    cached = Path(tempfile.gettempdir()) / "cnn-explorer-test-models" / "classify-fallback-v1"
    if all(f.is_file() for f in model_files(cached)):
        return load_model(cached)
    cached.parent.mkdir(parents=True, exist_ok=True)
    return _fallback_model(cached)


def _warm_digit_reference(loaded) -> None:
    """Compute the model's digit reference once here, so each page's worker finds it at once instead of
    starting it afresh (and being cancelled) in every test."""
    from cnn_explorer.core.interpret.digit_reference import cached_digit_reference

    cached_digit_reference(loaded.model, loaded.input_shape, loaded.class_names, loaded.mean, loaded.std)


def _fallback_model(path):
    """A small CNN (conv 16 -> pool -> conv 32 -> pool -> dense 10) trained on the bundled sample with shifts."""
    import torch

    from cnn_explorer.core.datasets.bundled import load_mnist_sample
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.layers import Conv2D, Dense, Flatten, MaxPool
    from cnn_explorer.core.model.spec import ModelSpec
    from cnn_explorer.core.train.checkpoints import load_model, save_model

    spec = ModelSpec((Conv2D(16, padding=(1, 1)), MaxPool(), Conv2D(32, padding=(1, 1)), MaxPool(), Flatten(),
                      Dense(10)), (28, 28, 1), tuple(str(d) for d in range(10)), name="test-digits")
    images, labels = load_mnist_sample()
    mean, std = (0.1307,), (0.3081,)
    x = (torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255 - mean[0]) / std[0]
    y = torch.from_numpy(labels)
    torch.manual_seed(0)
    model = build_model(spec)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(4):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            batch = x[idx]
            dy, dx = torch.randint(-2, 3, (2,), generator=gen).tolist()
            batch = torch.roll(batch, (dy, dx), dims=(2, 3))
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(batch), y[idx]).backward()
            opt.step()
    model.eval()
    save_model(path, model, spec, class_names=spec.class_names, mean=mean, std=std)
    return load_model(path)


def points(digit: int, step: float = 6.0) -> list[list[tuple[float, float]]]:
    """The canvas points of ``digit``'s strokes, about ``step`` px apart (like mouse-move events)."""
    x0, y0, x1, y1 = BOX
    strokes = []
    for line in PATHS[digit]:
        pts = [(x0 + px * (x1 - x0), y0 + py * (y1 - y0)) for px, py in line]
        dense = [pts[0]]
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            n = max(1, int(math.hypot(bx - ax, by - ay) / step))
            dense += [(ax + (bx - ax) * k / n, ay + (by - ay) * k / n) for k in range(1, n + 1)]
        strokes.append(dense)
    return strokes


def draw(qtbot, page, digit: int, *, on_move=None) -> None:
    canvas = page.canvas
    for stroke in points(digit):
        first = canvas.to_widget(*stroke[0]).toPoint()
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=first)
        for i, (x, y) in enumerate(stroke[1:]):
            qtbot.mouseMove(canvas, canvas.to_widget(x, y).toPoint())
            if on_move is not None:
                on_move(i)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*stroke[-1]).toPoint())


@pytest.fixture
def page(show_classify_page, loaded_model):
    p = show_classify_page(loaded_model)
    yield p
    p.shutdown()


def settle(qtbot, page) -> None:
    """Let the coalescing timers fire and the heavy views catch up."""
    qtbot.waitUntil(lambda: not page.controller.reading_pending(), timeout=5000)
    page.update_heavy_views()


@pytest.mark.parametrize("digit", [1, 0, 7, 2, 4])
def test_drawn_digits_are_recognised(qtbot, page, digit):
    draw(qtbot, page, digit)
    settle(qtbot, page)
    probs = page.bars.probabilities()
    assert probs is not None and int(np.argmax(probs)) == digit, f"bars {np.round(probs, 3)}"
    assert page.verdict.text().startswith(f"It's a {digit}") or "Not sure" in page.verdict.text()


def test_bars_update_while_the_stroke_is_drawn(qtbot, page):
    seen: list[np.ndarray | None] = []
    canvas = page.canvas
    stroke = points(0)[0]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*stroke[0]).toPoint())
    for x, y in stroke[1:20]:
        qtbot.mouseMove(canvas, canvas.to_widget(x, y).toPoint())
        qtbot.wait(1)  # one event-loop turn, as between real mouse moves
        seen.append(page.bars.probabilities())
    released_before = [s.copy() for s in seen if s is not None]
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*stroke[19]).toPoint())
    assert len(released_before) >= 5
    distinct = {tuple(np.round(s, 6)) for s in released_before}
    assert len(distinct) >= 3, "the bars did not follow the stroke before release"


def test_what_the_network_sees_is_the_preprocessed_drawing(qtbot, page):
    from cnn_explorer.core.datasets.preprocess import prepare_input

    draw(qtbot, page, 7)
    settle(qtbot, page)
    mi = prepare_input(page.canvas.array(), (28, 28, 1), page.controller.loaded.mean, page.controller.loaded.std)
    shown = page.seen_view.rgb()
    assert shown.shape == (28, 28, 3)
    np.testing.assert_array_equal(shown[..., 0], np.round(np.clip(mi.seen, 0, 1) * 255).astype(np.uint8))
    assert "28×28" in page.seen_caption.text()
    # The digit is centred by mass at pixel (14, 14), as MNIST's.
    mass = mi.seen / mi.seen.sum()
    cy, cx = (mass.sum(axis=1) @ np.arange(28)), (mass.sum(axis=0) @ np.arange(28))
    assert abs(cy - 14) < 1.0 and abs(cx - 14) < 1.0


def test_unsure_hint_and_empty_canvas(qtbot, page):
    from cnn_explorer.ui.classify.prediction_bars import verdict

    text, unsure = verdict(np.array([0.05, 0.0, 0.0, 0.0, 0.45, 0.0, 0.0, 0.0, 0.0, 0.5]), tuple("0123456789"))
    assert unsure and text.startswith("Not sure: 9 or 4?")
    assert verdict(np.eye(10)[3], tuple("0123456789")) == ("It's a 3 — 100.0%", False)
    draw(qtbot, page, 1)
    settle(qtbot, page)
    page.clear_button.click()
    settle(qtbot, page)
    assert page.bars.probabilities() is None and page.verdict.text() == "Draw a digit"
    page.undo_button.click()  # undo the clear: the 1 comes back
    settle(qtbot, page)
    assert int(np.argmax(page.bars.probabilities())) == 1
    qtbot.keyClick(page.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the stroke itself
    settle(qtbot, page)
    assert page.canvas.is_empty() and page.bars.probabilities() is None
    assert page.undo_stack.count() == 2 and page.undo_stack.canRedo()


def test_a_model_that_cannot_be_loaded_says_why(qtbot, page, tmp_path):
    before = page.controller.loaded
    with qtbot.waitSignal(page.controller.model_failed, timeout=30000):
        page.load_model_path(tmp_path / "nothing-here")
    qtbot.waitUntil(lambda: not page.controller.is_loading, timeout=5000)
    assert "nothing-here" in page.message.text() and page.message.isVisible()
    assert page.controller.loaded is before  # the model in use is kept


@pytest.mark.parametrize("damage", ["mean", "weights"])
def test_a_model_with_nan_numbers_is_refused_and_the_previous_one_keeps_classifying(qtbot, page, tmp_path, damage):
    from safetensors.torch import load_file, save_file

    from cnn_explorer.core.train.checkpoints import save_model

    source = page.controller.loaded
    path = tmp_path / "bad"
    save_model(path, source.model, source.spec, class_names=source.class_names, mean=source.mean, std=source.std)
    weights, json_path = model_files(path)
    meta = json.loads(json_path.read_text())
    if damage == "mean":  # the checksum covers only the weights
        meta["mean"] = [float("nan")]
    else:  # NaN weights under a valid checksum
        state = {k: v.fill_(float("nan")) if v.is_floating_point() else v for k, v in load_file(str(weights)).items()}
        save_file(state, str(weights), metadata={"format": "pt"})
        meta["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    json_path.write_text(json.dumps(meta))
    with qtbot.waitSignal(page.controller.model_failed, timeout=30000):
        page.load_model_path(path)
    qtbot.waitUntil(lambda: not page.controller.is_loading, timeout=5000)
    expected = "mean: entry 1 is NaN" if damage == "mean" else "NaN of"
    assert expected in page.message.text() and page.message.isVisible()
    assert page.controller.loaded is source  # the model in use is kept, and it still classifies
    draw(qtbot, page, 1)
    settle(qtbot, page)
    probs = page.bars.probabilities()
    assert probs is not None and np.isfinite(probs).all() and int(np.argmax(probs)) == 1


def test_a_loaded_picture_is_classified_dark_on_light(qtbot, page, tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("L", (300, 400), 235)
    d = ImageDraw.Draw(img)
    d.line([(90, 60), (230, 60), (130, 340)], fill=20, width=26, joint="curve")  # a 7, dark ink on paper
    path = tmp_path / "seven.png"
    img.save(path)
    assert page.open_picture(path)
    settle(qtbot, page)
    assert int(np.argmax(page.bars.probabilities())) == 7
    assert "inverted" in page.seen_caption.text()
    assert not page.open_picture(tmp_path / "missing.png")
    assert "missing.png: file not found" in page.message.text()


def test_grad_cam_overlay_has_the_input_size_and_is_not_constant(qtbot, page):
    page.tabs.setCurrentWidget(page.explain_view)
    draw(qtbot, page, 0)
    settle(qtbot, page)
    page.explain_view.method.setCurrentText("Grad-CAM")
    heat = page.explain_view.heatmap()
    assert heat is not None and heat.shape == (28, 28)
    assert float(heat.max() - heat.min()) > 0.1
    assert page.explain_view.overlay_view.rgb().shape == (28, 28, 3)
    page.explain_view.method.setCurrentText("Saliency")
    sal = page.explain_view.heatmap()
    assert sal.shape == (28, 28) and float(sal.max()) == pytest.approx(1.0)
    # Occlusion runs on a worker thread.
    page.explain_view.run_occlusion()
    qtbot.waitUntil(lambda: not page.explain_view.is_busy(), timeout=20000)
    occ = page.explain_view.heatmap()
    assert occ is not None and occ.shape == (28, 28) and float(occ.max()) > 0


def test_knocking_out_a_filter_changes_the_bars_and_reset_restores_them(qtbot, page):
    import torch

    draw(qtbot, page, 7)
    settle(qtbot, page)
    before = page.bars.probabilities()
    state = {k: v.clone() for k, v in page.controller.loaded.model.state_dict().items()}
    stacks = [v for v, s in zip(page.network_view.views(), page.network_view.sections()) if s.conv is not None]
    first = stacks[0]
    # Knock out every filter of the first conv layer by clicking its maps.
    for i in range(first.count()):
        qtbot.mouseClick(first, Qt.MouseButton.LeftButton, pos=first.cell_rect(i).center().toPoint())
    after = page.bars.probabilities()
    assert not np.allclose(before, after, atol=1e-4)
    assert len(page.controller.editor.knocked_out) == first.count()
    page.update_heavy_views()
    # Edit one weight through the panel's spin box too.
    panel = page.weights_panel
    panel.select(first_conv := page.network_view.sections()[0].conv, 0)
    panel.value.setValue(panel.value.value() + 3.0)
    assert page.controller.edited_weights
    assert "knocked out" in panel.summary.text() and "1 weight changed" in panel.summary.text()
    panel.reset.click()
    np.testing.assert_array_equal(page.bars.probabilities(), before)
    for k, v in page.controller.loaded.model.state_dict().items():
        assert torch.equal(v, state[k]), k
    assert first_conv


def test_send_filter_to_explorer_emits_the_kernel(qtbot, page):
    import torch

    conv = page.network_view.sections()[0].conv
    with qtbot.waitSignal(page.kernel_to_explorer_requested, timeout=1000) as blocker:
        page.weights_panel.select(conv, 2)
        page.weights_panel.send.click()
    kernel, name = blocker.args
    module = dict(page.controller.loaded.model.named_modules())[conv]
    np.testing.assert_allclose(kernel, module.weight[2, 0].detach().numpy(), rtol=0, atol=1e-7)
    assert name == f"{conv} filter 2" and kernel.ndim == 2
    assert isinstance(module.weight, torch.nn.Parameter)
    # The same from a map's right-click menu; the menu also knocks out and brings back.
    actions = {a.text(): a for a in page.filter_menu(conv, 5).actions()}
    with qtbot.waitSignal(page.kernel_to_explorer_requested, timeout=1000) as blocker:
        actions["Send to Explorer as a kernel"].trigger()
    assert blocker.args[1] == f"{conv} filter 5"
    actions[f"Knock out {conv} filter 5"].trigger()
    assert page.controller.is_knocked_out(conv, 5)
    again = {a.text(): a for a in page.filter_menu(conv, 5).actions()}
    again[f"Bring back {conv} filter 5"].trigger()
    assert not page.controller.is_knocked_out(conv, 5)


def test_activation_maximization_runs_and_can_be_cancelled(qtbot, page):
    panel = page.featurevis_panel
    page.tabs.setCurrentWidget(panel)
    panel.select(None, 3)
    panel.steps.setValue(30)
    frames = []
    panel.frame_shown.connect(frames.append)
    panel.start_visualization()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30000)
    assert frames and frames[-1].done and frames[-1].step == 30
    assert frames[-1].activation > frames[0].activation
    assert panel.vis_view.rgb() is not None
    # A long run, cancelled from the button.
    panel.steps.setValue(2000)
    frames.clear()
    panel.start.click()
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=10000)
    assert panel.start.text() == "Cancel"
    panel.start.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=10000)
    assert not frames[-1].done and "cancelled" in panel.vis_label.text()


def test_top_patches_are_found_and_cached(qtbot, page):
    panel = page.featurevis_panel
    conv = page.network_view.sections()[0].conv
    panel.select(conv, 1)
    panel.find_patches()
    qtbot.waitUntil(lambda: panel.patches() is not None, timeout=60000)
    qtbot.waitUntil(lambda: not panel.is_finding_patches(), timeout=10000)
    result = panel.patches()
    assert result.patches.shape[:2] == (result.values.shape[0], 9)
    assert np.all(np.diff(result.values[1]) <= 0)
    assert panel.patch_view.rgb() is not None
    panel.find_patches()  # cached: no new worker
    assert not panel.is_finding_patches()


def test_shutdown_leaves_no_thread_running(qtbot, page):
    panel = page.featurevis_panel
    panel.steps.setValue(2000)
    panel.start_visualization()
    draw(qtbot, page, 1)
    page.explain_view.run_occlusion()
    page.shutdown()
    from cnn_explorer.ui import lifecycle

    assert not [t for t in lifecycle.live_qthreads() if t.isRunning()]
    assert not [t for t in lifecycle.live_timers() if t.isActive()]
    assert threading.active_count() >= 1


def test_the_page_loads_the_model_lazily_without_importing_torch_first():
    code = (
        "import sys, os, time; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
        "from cnn_explorer.ui.main_window import MainWindow\n"
        "w = MainWindow()\n"
        "w.show()\n"
        "for _ in range(20): app.processEvents()\n"
        "assert 'torch' not in sys.modules, 'torch imported at start-up'\n"
        "assert w.show_page('classify')\n"
        "p = w.classify_tab.page()\n"
        "end = time.time() + 120\n"
        "while (p.controller.is_loading or p.controller.loaded is None) and time.time() < end:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "print('loaded' if p.controller.loaded is not None else 'failed: ' + p.message.text())\n"
        "p.shutdown(); w.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = "loaded" if bundled_available() else "failed: could not load the model 'mnist'"
    assert out.stdout.strip().splitlines()[-1].startswith(expected), out.stdout


def test_first_show_loads_the_bundled_model(qtbot, temp_settings):
    from cnn_explorer.ui.classify.page import ClassifyPage

    p = ClassifyPage(settings=temp_settings)
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.controller.model_changed, timeout=30000):
        p.show()
    assert "bundled" in p.model_label.text()
    p.shutdown()


def test_any_model_from_the_app_works_including_rgb(qtbot, page):
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.presets import preset
    from cnn_explorer.core.train.checkpoints import TrainedModel

    spec = preset("tiny-vgg", input_shape=(32, 32, 3), class_names=("cat", "dog", "bird"))
    loaded = TrainedModel(build_model(spec).eval(), spec, spec.class_names, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    with qtbot.waitSignal(page.controller.model_changed, timeout=5000):
        page.set_model(loaded)
    rgb = np.zeros((60, 90, 3), np.uint8)
    rgb[10:50, 20:70] = (220, 40, 30)  # a red block on black
    page.set_picture(rgb)
    settle(qtbot, page)
    probs = page.bars.probabilities()
    assert probs.shape == (3,) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert page.seen_view.rgb().shape == (32, 32, 3)
    assert page.seen_view.rgb()[16, 16, 0] > 150 > page.seen_view.rgb()[16, 16, 1]  # colour is kept
    assert "fitted" in page.seen_caption.text()  # the generic path, not the digit one
    page.tabs.setCurrentWidget(page.explain_view)
    page.explain_view.method.setCurrentText("Grad-CAM")
    page.update_heavy_views()
    assert page.explain_view.heatmap().shape == (32, 32)
    page.network_view.every_layer.setChecked(True)
    kinds = [s.kind for s in page.network_view.sections()]
    assert kinds.count("relu") == 4 and "maxpool" in kinds
    assert page.filter_kernel("conv1", 0).shape == (3, 3, 3)


def test_paste_a_picture_from_the_clipboard(qtbot, page):
    from PySide6.QtGui import QColor, QImage, QPainter, QPen
    from PySide6.QtWidgets import QApplication

    image = QImage(200, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setPen(QPen(QColor("black"), 16))
    p.drawLine(100, 20, 100, 180)  # a 1, black on white
    p.end()
    QApplication.clipboard().setImage(image)
    assert page.paste()
    settle(qtbot, page)
    assert int(np.argmax(page.bars.probabilities())) == 1
    QApplication.clipboard().clear()
    assert not page.paste()
    assert "holds no picture" in page.message.text()


def test_drop_a_picture_file(qtbot, page, tmp_path):
    from PIL import Image, ImageDraw
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    img = Image.new("RGB", (240, 240), (250, 250, 245))
    ImageDraw.Draw(img).ellipse((70, 30, 170, 210), outline=(30, 30, 30), width=18)  # a 0, dark on paper
    path = tmp_path / "zero.jpg"
    img.save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    page.dropEvent(event)
    settle(qtbot, page)
    assert int(np.argmax(page.bars.probabilities())) == 0
    assert "zero.jpg" in page.message.text()


def test_a_model_without_convolutions_still_classifies_and_explains_what_it_can(qtbot, page):
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.layers import Dense, Flatten
    from cnn_explorer.core.model.spec import ModelSpec
    from cnn_explorer.core.train.checkpoints import TrainedModel

    spec = ModelSpec((Flatten(), Dense(16, "relu"), Dense(10)), (28, 28, 1), tuple(str(d) for d in range(10)))
    page.set_model(TrainedModel(build_model(spec).eval(), spec, spec.class_names, (0.13,), (0.31,)))
    draw(qtbot, page, 1)
    settle(qtbot, page)
    assert page.bars.probabilities().shape == (10,)
    assert not page.weights_panel.isEnabled()
    page.tabs.setCurrentWidget(page.explain_view)
    page.explain_view.method.setCurrentText("Grad-CAM")
    assert page.explain_view.heatmap() is None
    assert "no convolution layer" in page.explain_view.caption.text()
    page.explain_view.method.setCurrentText("Saliency")
    assert page.explain_view.heatmap().shape == (28, 28)


def test_unreadable_remembered_settings_fall_back_to_defaults(qtbot, temp_settings):
    from cnn_explorer.ui.classify.canvas import BRUSH
    from cnn_explorer.ui.classify.page import ClassifyPage

    temp_settings.setValue("classify/brush", "thick")
    temp_settings.setValue("classify/tab", "weights")
    p = ClassifyPage(settings=temp_settings)
    qtbot.addWidget(p)
    assert p.brush.value() == BRUSH and p.tabs.currentIndex() == 0
    p.shutdown()


def test_prediction_bars_highlight_the_most_likely_class(qtbot):
    from cnn_explorer.ui import theme
    from cnn_explorer.ui.classify.prediction_bars import PredictionBars

    bars = PredictionBars()
    qtbot.addWidget(bars)
    bars.set_classes(("cat", "dog", "owl"))
    bars.resize(300, 90)
    assert bars.highlighted() == -1  # nothing to highlight yet
    bars.set_probabilities(np.array([0.2, 0.7, 0.1]))
    assert bars.highlighted() == 1
    image = bars.grab().toImage()
    rows = [{image.pixel(x, int((i + 0.5) * bars.height() / 3)) for x in range(image.width())} for i in range(3)]
    assert [theme.ACCENT.rgb() in row for row in rows] == [False, True, False]
    assert [theme.BAR_FILL.rgb() in row for row in rows] == [True, False, True]
    bars.set_probabilities(np.array([0.5, 0.5]))  # not one per class: no bar is highlighted
    assert bars.highlighted() == -1


def test_the_drawing_panel_follows_the_brush_and_the_presenter_scale(qtbot):
    from cnn_explorer.ui.classify.drawing_panel import DrawingPanel

    panel = DrawingPanel(brush=22)
    qtbot.addWidget(panel)
    assert panel.canvas.brush == 22
    panel.brush.setValue(30)
    assert panel.canvas.brush == 30
    panel.set_scale(2.0)
    assert panel.canvas.minimumWidth() == 300 and "font-size: 30pt" in panel.verdict.styleSheet()


def test_layer_maps_with_negative_values_bin_like_the_explorers_colour_bar():
    from cnn_explorer.core.colormaps import DIVERGING_LUT, GREY_LUT
    from cnn_explorer.ui.classify.network_view import stack_rgb

    values = np.random.default_rng(0).normal(size=(4, 9, 9)).astype(np.float32)
    m = np.float32(np.abs(values).max())
    # the explorer's binning: floor((v / m + 1) * 128), clipped to the 256 LUT entries
    expected = np.clip(np.floor((values / m + 1.0) * 128.0), 0, 255).astype(np.intp)
    np.testing.assert_array_equal(stack_rgb(values), DIVERGING_LUT[expected])
    assert stack_rgb(np.zeros((1, 2, 2), np.float32)).tolist() == [[[GREY_LUT[0].tolist()] * 2] * 2]


def test_a_failed_model_load_keeps_the_model_and_its_label(qtbot, page, tmp_path, monkeypatch):
    from cnn_explorer.ui import model_folder

    model = page.controller.loaded
    label, tip = page.model_label.text(), page.model_label.toolTip()
    assert "Model:" in label and "loading" not in label
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "cnn-explorer-model", "format_version": 1', encoding="utf-8")
    monkeypatch.setattr(model_folder, "documents_dir", lambda: tmp_path / "docs")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start, filters: (asked.append(start), (str(broken), ""))[1])
    with qtbot.waitSignal(page.controller.model_failed, timeout=10000) as blocker:
        page.load_model_button.click()
    assert asked == [str(tmp_path / "docs" / "CNN Explorer" / "models")]  # the models folder, created
    assert (tmp_path / "docs" / "CNN Explorer" / "models").is_dir()
    assert "broken.json" in blocker.args[0]
    qtbot.waitUntil(lambda: not page.controller.is_loading, timeout=5000)
    assert page.controller.loaded is model
    assert (page.model_label.text(), page.model_label.toolTip()) == (label, tip)
    assert page.message.isVisible() and "broken.json" in page.message.text()
    # the next dialog opens where the last model came from
    asked.clear()
    with qtbot.waitSignal(page.controller.model_failed, timeout=10000):
        page.load_model_dialog()
    assert asked == [str(tmp_path)]
    # a classification still works with the kept model
    draw(qtbot, page, 1)
    qtbot.waitUntil(lambda: page.controller.reading is not None and page.controller.reading.probabilities is not None,
                    timeout=5000)
