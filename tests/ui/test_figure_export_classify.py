"""Copy and Save as… on the Classify page: each layer's maps, with their values; a map's own menu lists them too."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from test_figure_export import CLASSIFY_FIGURES, check_figures

from cnn_explorer.core.io.grid_text import parse_csv_blocks
from cnn_explorer.core.train.checkpoints import model_files, resolve_model_path
from cnn_explorer.ui.export.figure_export import figure_export_of


def _bundled() -> bool:
    weights, meta = model_files(resolve_model_path("mnist"))
    return weights.is_file() and meta.is_file()


pytestmark = pytest.mark.skipif(not _bundled(), reason="the bundled mnist model is not installed")


@pytest.fixture(scope="module", autouse=True)
def _digit_reference():
    """The bundled model's digit reference, computed once here rather than started (and cancelled) by each page."""
    from cnn_explorer.core.interpret.digit_reference import cached_digit_reference
    from cnn_explorer.core.train.checkpoints import load_model

    loaded = load_model("mnist")
    cached_digit_reference(loaded.model, loaded.input_shape, loaded.class_names, loaded.mean, loaded.std)


@pytest.fixture
def page(qtbot, show_classify_page):
    from cnn_explorer.core.train.checkpoints import load_model

    p = show_classify_page(load_model("mnist"))
    canvas = p.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(140, 40).toPoint())
    for y in range(50, 250, 20):
        qtbot.mouseMove(canvas, canvas.to_widget(140, y).toPoint())
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(140, 240).toPoint())
    qtbot.waitUntil(lambda: not p.controller.reading_pending(), timeout=5000)
    p.update_heavy_views()
    yield p
    p.shutdown()


def test_every_figure_of_the_classify_page_offers_copy_and_save_as(page):
    check_figures(page, CLASSIFY_FIGURES)


def test_every_layer_view_saves_its_maps_with_their_exact_values(page, tmp_path):
    views = list(zip(page.network_view.views(), page.network_view.sections()))
    assert views
    for view, section in views:
        fig = figure_export_of(view)
        assert fig is not None and fig.title() == section.title
    stack, section = next((v, s) for v, s in views if s.conv is not None)
    fig = figure_export_of(stack)
    values = fig.values()
    assert values.ndim == 3 and values.shape[0] == stack.count()
    fig.save(tmp_path / "maps.csv")
    blocks = parse_csv_blocks((tmp_path / "maps.csv").read_text(encoding="utf-8"), "maps.csv")
    assert len(blocks) == stack.count()
    assert all(np.array_equal(b, v.astype(np.float64)) for b, v in zip(blocks, values))
    fig.save(tmp_path / "maps.npy")
    assert np.array_equal(np.load(tmp_path / "maps.npy"), values)


def test_a_maps_own_menu_ends_with_copy_and_save_as_and_no_second_menu_opens(page):
    stack, section = next((v, s) for v, s in zip(page.network_view.views(), page.network_view.sections())
                          if s.conv is not None)
    texts = [a.text().replace("&", "") for a in page.filter_menu(section.conv, 0).actions() if a.text()]
    assert texts[-2:] == ["Copy", "Save as…"]
    at = stack.cell_rect(0).center().toPoint()
    QGuiApplication.sendEvent(stack, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, stack.mapToGlobal(at)))
    fig = figure_export_of(stack)
    assert fig.menu is None or not fig.menu.isVisible()     # the page's filter menu is the one for a map
    below = QPoint(2, stack.height() - 1)
    if stack.index_at(below) is None:                       # the gap between maps has Copy / Save as… alone
        QGuiApplication.sendEvent(stack, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, below,
                                                           stack.mapToGlobal(below)))
        assert fig.menu.isVisible()
        fig.menu.close()


def test_ctrl_c_on_the_focused_prediction_bars_copies_them(page, qtbot):
    bars = page.bars
    QGuiApplication.clipboard().clear()
    bars.setFocus()
    qtbot.waitUntil(bars.hasFocus, timeout=2000)
    qtbot.keyClick(bars, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    image = QGuiApplication.clipboard().image()
    ratio = bars.devicePixelRatioF()
    assert (image.width(), image.height()) == (round(bars.width() * ratio), round(bars.height() * ratio))
