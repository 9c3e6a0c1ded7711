"""Copy and Save as… on every map and figure: PNG at a chosen width, SVG with the grid's numbers, exact CSV/NPY."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.grid_text import parse_csv_blocks
from cnn_explorer.ui.export.figure_export import csv_text, figure_export_of

#: every kind of figure the issue lists, by page: each must offer Copy and Save as…
EXPLORER_FIGURES = {"MapTile", "KernelGrid", "PixelGrid", "NumberGridView"}
TRAIN_FIGURES = {"Curves", "ConfusionView", "ImageGrid"}
CLASSIFY_FIGURES = {"ImageView", "KernelGrid", "PredictionBars", "MapStack", "VectorBars"}

#: values no decimal shortcut can hide: thirds, tiny and huge magnitudes, negatives
AWKWARD = np.array([[1 / 3, -2 / 3, 1e-12], [12345.678901234, -0.1, 7.0]])


def _figures(root: QWidget) -> dict[str, list[QWidget]]:
    out: dict[str, list[QWidget]] = {}
    for w in root.findChildren(QWidget):
        if figure_export_of(w) is not None:
            out.setdefault(type(w).__name__, []).append(w)
    return out


def check_figures(root: QWidget, names: set[str]) -> None:
    """Each widget of the named kinds under ``root`` offers Copy / Save as…, on a right-click too."""
    found = _figures(root)
    for name in names:
        assert name in found, f"{name} offers no Copy / Save as…"
        for w in found[name]:
            fig = figure_export_of(w)
            assert [a.text().replace("&", "") for a in fig.actions()] == ["Copy", "Save as…"]
            assert fig.title()
            assert w.focusPolicy() != Qt.FocusPolicy.NoFocus or not fig.copy_key
            QGuiApplication.sendEvent(w, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(0, 0),
                                                           w.mapToGlobal(QPoint(0, 0))))
            assert fig.menu is not None and fig.menu.isVisible(), name
            fig.menu.close()


@pytest.fixture
def sample_page(explorer_page, qtbot):
    """The explorer with a 6x6 input of awkward numbers and a kernel of thirds."""
    rng = np.random.default_rng(3)
    explorer_page.state.set_image(rng.normal(size=(6, 6)) / 3, source="test")
    explorer_page.state.set_kernels([np.array([[1 / 3, 0, -1 / 3], [2 / 3, 0, -2 / 3], [1 / 3, 0, -1 / 3]])])
    explorer_page.state.recompute_now()
    qtbot.wait(10)
    return explorer_page


def _tile(page, stage="feature"):
    tiles = [w for w in page.findChildren(QWidget) if type(w).__name__ == "MapTile" and w.stage == stage
             and w.isVisible()]
    assert tiles, f"no visible {stage} map"
    return tiles[0]


def test_every_figure_of_the_explorer_and_train_pages_offers_copy_and_save_as(main_window, qtbot):
    """(The Classify page's figures: test_figure_export_classify.py, with a model loaded.)"""
    qtbot.waitUntil(lambda: EXPLORER_FIGURES <= set(_figures(main_window)), timeout=10000)   # maps come after paint
    main_window.show_page("train")
    qtbot.waitUntil(lambda: main_window.train_page() is not None, timeout=10000)
    # the page loads its first dataset on a worker: let it finish (its preview is a figure too)
    panel = main_window.train_page().data_panel
    qtbot.waitUntil(lambda: panel.dataset is not None and not panel.is_loading(), timeout=30000)
    check_figures(main_window, EXPLORER_FIGURES | TRAIN_FIGURES)


def test_right_click_on_a_map_shows_copy_and_save_as(sample_page, qtbot):
    tile = _tile(sample_page)
    target = tile.view.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(10, 10), target.mapToGlobal(QPoint(10, 10)))
    QGuiApplication.sendEvent(target, event)
    menu = figure_export_of(tile).menu
    assert menu is not None and menu.isVisible()
    assert [a.text().replace("&", "") for a in menu.actions()] == ["Copy", "Save as…"]
    menu.close()


def test_png_at_a_chosen_width_has_that_size_in_proportion(sample_page, tmp_path):
    tile = _tile(sample_page)
    fig = figure_export_of(tile)
    out = tmp_path / "feature.png"
    fig.save(out, width=1000)
    image = QImage(str(out))
    assert image.width() == 1000
    assert image.height() == round(tile.height() * 1000 / tile.width())
    with pytest.raises(CnnExplorerError, match="too large"):
        fig.save(tmp_path / "huge.png", width=100_000)


def test_svg_is_valid_and_holds_the_kernels_numbers(sample_page, tmp_path):
    sample_page.state.set_kernels([np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])])   # Sobel: every number fits
    grid = sample_page.kernel_editor.grid
    fig = figure_export_of(grid)
    assert ".svg" in fig.suffixes()
    out = tmp_path / "kernel.svg"
    fig.save(out)
    assert QSvgRenderer(str(out)).isValid()
    texts = re.findall(r">([^<]*)</text>", out.read_text(encoding="utf-8"))
    shown = [grid.item(r, c).text() for r in range(grid.rowCount()) for c in range(grid.columnCount())]
    assert sorted(set(shown)) == ["-1", "-2", "0", "1", "2"]
    for s in set(shown):
        assert texts.count(s) >= shown.count(s), (s, texts)


def test_csv_and_npy_hold_the_exact_values_of_a_map(sample_page, tmp_path):
    tile = _tile(sample_page)
    fig = figure_export_of(tile)
    values = tile.view.values()
    fig.save(tmp_path / "map.csv")
    fig.save(tmp_path / "map.npy")
    (back,) = parse_csv_blocks((tmp_path / "map.csv").read_text(encoding="utf-8"), "map.csv")
    assert np.array_equal(back, values)
    assert np.array_equal(np.load(tmp_path / "map.npy"), values)


def test_csv_of_a_stack_has_one_block_a_grid_and_round_trips():
    stack = np.stack([AWKWARD, -AWKWARD, AWKWARD * 1e6])
    blocks = parse_csv_blocks(csv_text(stack), "stack")
    assert len(blocks) == 3
    assert all(np.array_equal(b, s) for b, s in zip(blocks, stack))
    (one,) = parse_csv_blocks(csv_text(AWKWARD), "grid")
    assert np.array_equal(one, AWKWARD)


def test_ctrl_c_on_a_focused_map_copies_the_map_as_a_picture(main_window, qtbot):
    qtbot.waitUntil(lambda: any(type(w).__name__ == "MapTile" for w in main_window.findChildren(QWidget)),
                    timeout=10000)
    tile = next(w for w in main_window.findChildren(QWidget) if type(w).__name__ == "MapTile" and w.isVisible())
    QGuiApplication.clipboard().clear()
    view = tile.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    image = QGuiApplication.clipboard().image()
    assert not image.isNull()
    ratio = tile.devicePixelRatioF()
    assert (image.width(), image.height()) == (round(tile.width() * ratio), round(tile.height() * ratio))


def test_save_as_dialog_writes_the_chosen_type_and_keeps_a_failed_path_open(sample_page, qtbot, tmp_path):
    fig = figure_export_of(_tile(sample_page))
    opened = []
    fig.save_dialog_opened.connect(opened.append)
    fig.save_action.trigger()
    (dialog,) = opened
    (tmp_path / "a-file").write_text("not a folder")
    dialog.set_path(tmp_path / "a-file" / "map.csv")
    assert dialog.suffix() == ".csv"
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.error.isVisible()
    dialog.set_path(tmp_path / "map.png")
    dialog.set_width(640)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible()
    assert QImage(str(tmp_path / "map.png")).width() == 640


def test_a_failed_write_leaves_the_old_file(sample_page, tmp_path, monkeypatch):
    fig = figure_export_of(_tile(sample_page))
    out = tmp_path / "map.npy"
    out.write_bytes(b"old")

    def broken_save(f, arr, allow_pickle=False):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(CnnExplorerError, match="cannot write"):
        fig.save(out)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.npy"]
    monkeypatch.setattr(QImage, "save", lambda *a, **k: False)
    png = tmp_path / "map.png"
    png.write_bytes(b"old png")
    with pytest.raises(CnnExplorerError):
        fig.save(png, width=100)
    assert png.read_bytes() == b"old png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.npy", "map.png"]


def test_the_training_curves_as_svg_keep_their_axis_numbers_as_text(qtbot, tmp_path):
    from cnn_explorer.ui.train.curves import Curves

    curves = Curves()
    qtbot.addWidget(curves)
    curves.resize(800, 300)
    curves.show()
    qtbot.waitExposed(curves)
    for epoch in (1, 2, 3):
        curves.add_epoch(epoch, 1.0 / epoch, 50 + 10 * epoch, 1.2 / epoch, 45 + 10 * epoch)
    curves.set_epochs(3)
    curves.redraw()
    out = tmp_path / "curves.svg"
    figure_export_of(curves).save(out)
    assert QSvgRenderer(str(out)).isValid()
    texts = set(re.findall(r">([^<]*)</text>", out.read_text(encoding="utf-8")))
    assert {"Loss", "Accuracy", "20", "40", "60", "80"} <= {t.strip() for t in texts}


def test_the_reliability_diagram_offers_copy_save_as_and_its_bins_as_values(qtbot, tmp_path):
    from cnn_explorer.core.train.calibration import reliability
    from cnn_explorer.ui.train.reliability_view import ReliabilityView

    view = ReliabilityView()
    qtbot.addWidget(view)
    export = figure_export_of(view)
    assert export is not None
    assert view.table() is None  # before a run: nothing to save as numbers
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 1, 1])
    r = reliability(probabilities, labels)
    view.set_reliability(r, 1.0)
    table = view.table()
    assert table.shape == (r.bins, 5)
    assert table[:, 2].sum() == 4  # every image in one bin
    np.testing.assert_array_equal(table[:, 0], r.edges[:-1])
