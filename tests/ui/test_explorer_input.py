"""The explorer's input side: drawing strokes, undo/redo, pixel grid, loading, pasting, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt

from cnn_explorer.core.errors import CnnExplorerError


def _point(canvas, row, col) -> QPoint:
    return canvas.widget_point(row, col).toPoint()


def _stroke(qtbot, canvas, cells):
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, *cells[0]))
    for cell in cells[1:]:
        qtbot.mouseMove(canvas, pos=_point(canvas, *cell))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, *cells[-1]))


def test_mouse_stroke_changes_the_array_where_it_passed(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(28)
    assert state.image.shape == (28, 28) and not state.image.any()
    _stroke(qtbot, panel.canvas, [(5, 3), (5, 10), (12, 10)])
    image = state.image
    # every pixel on the horizontal and vertical segment is inked, nothing far away is
    assert np.all(image[5, 3:11] == 255)
    assert np.all(image[5:13, 10] == 255)
    assert image[20:, :].sum() == 0 and image[:, 15:].sum() == 0
    assert image[0:4].sum() == 0
    qtbot.waitUntil(lambda: state.result is not None and state.result.image is not None and state.result.image[5, 3] == 255)


def test_brush_size_and_eraser(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(28)
    panel.brush_spin.setValue(3)
    _stroke(qtbot, panel.canvas, [(10, 10)])
    assert state.image[9:12, 9:12].min() == 255 and state.image[7, 10] == 0
    panel.eraser_button.setChecked(True)
    panel.brush_spin.setValue(1)
    _stroke(qtbot, panel.canvas, [(10, 10)])
    assert state.image[10, 10] == 0 and state.image[9, 10] == 255


def test_undo_and_redo_of_a_stroke(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(16)
    before = state.image.copy()
    _stroke(qtbot, panel.canvas, [(2, 2), (2, 8)])
    after = state.image.copy()
    assert not np.array_equal(before, after)
    assert state.undo_stack.undoText() == "Stroke"
    state.undo_stack.undo()
    np.testing.assert_array_equal(state.image, before)
    state.undo_stack.redo()
    np.testing.assert_array_equal(state.image, after)
    # the result follows the image after undo
    state.undo_stack.undo()
    state.recompute_now()
    np.testing.assert_array_equal(state.result.image, before)


def test_canvas_sizes_and_clear(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    for side in (7, 9, 16, 28, 64, 128, 256, 512):
        index = panel.size_combo.findData(side)
        assert index >= 0
        panel.size_combo.activated.emit(index)
        assert state.image.shape == (side, side)
    panel.new_canvas(7)
    state.set_cell(3, 3, 9.0)
    panel.clear()
    assert not state.image.any()
    state.undo_stack.undo()
    assert state.image[3, 3] == 9.0


def test_pixel_grid_typing_sets_a_value_and_refuses_text(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(7)
    panel.view_combo.setCurrentIndex(panel.view_combo.findData("numbers"))
    grid = panel.pixel_grid
    assert panel.stack.currentWidget() is grid
    assert grid.rowCount() == 7 and grid.columnCount() == 7
    grid.item(2, 4).setText("42")
    assert state.image[2, 4] == 42
    grid.item(2, 4).setText("forty")
    assert state.image[2, 4] == 42
    assert grid.item(2, 4).text() == "42"
    assert "not a number" in panel.message.text()
    state.undo_stack.undo()
    assert state.image[2, 4] == 0


def test_rgb_shows_three_channel_matrices(qtbot, explorer_page):
    state, panel = explorer_page.state, explorer_page.input_panel
    image = np.zeros((6, 6, 3))
    image[..., 0], image[..., 1], image[..., 2] = 10, 20, 30
    state.set_image(image, source="rgb test")
    assert panel.rgb_radio.isChecked()
    assert not panel.channels_box.isHidden()
    texts = [grid.item(0, 0).text() for grid in panel.channel_grids]
    assert texts == ["10", "20", "30"]
    panel.channel_grids[1].item(1, 1).setText("99")
    assert state.image[1, 1].tolist() == [10, 99, 30]
    panel.grey_radio.setChecked(True)
    assert state.image.ndim == 2
    assert panel.channels_box.isHidden()
    state.undo_stack.undo()
    assert state.image.ndim == 3


def test_corrupt_file_shows_a_message_and_keeps_the_image(qtbot, explorer_page, tmp_path):
    state, panel = explorer_page.state, explorer_page.input_panel
    panel.new_canvas(9)
    state.set_cell(4, 4, 7.0)
    before = state.image.copy()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    messages = []
    panel.status_message.connect(messages.append)
    assert panel.load_file(bad) is False
    np.testing.assert_array_equal(state.image, before)
    assert "broken.png" in panel.message.text()
    assert not panel.message.isHidden()
    assert messages and "broken.png" in messages[-1]
    assert panel.load_file(tmp_path / "missing.png") is False
    assert "not found" in panel.message.text() or "missing.png" in panel.message.text()
    np.testing.assert_array_equal(state.image, before)


def test_loading_a_grid_file_and_undo(qtbot, explorer_page, tmp_path):
    state, panel = explorer_page.state, explorer_page.input_panel
    path = tmp_path / "grid.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,9\n")
    assert panel.load_file(path)
    np.testing.assert_array_equal(state.image, np.arange(1, 10).reshape(3, 3))
    assert panel.message.isHidden()
    state.undo_stack.undo()
    assert state.image.shape == (28, 28)


def test_paste_text_grid_image_and_garbage(qtbot, main_window):
    from PySide6.QtGui import QImage

    actions, state = main_window.explorer_actions, main_window.explorer.state
    mime = QMimeData()
    mime.setText("1 2\n3 4")
    assert actions.paste_from(mime)
    np.testing.assert_array_equal(state.image, [[1, 2], [3, 4]])
    picture = QImage(5, 4, QImage.Format.Format_RGB888)
    picture.fill(Qt.GlobalColor.white)
    mime = QMimeData()
    mime.setImageData(picture)
    assert actions.paste_from(mime)
    assert state.image.shape[:2] == (4, 5) and state.image.max() == 255
    kept = state.image.copy()
    mime = QMimeData()
    mime.setText("1 2\n3 x")
    assert not actions.paste_from(mime)
    np.testing.assert_array_equal(state.image, kept)
    assert "row 2" in main_window.explorer.input_panel.message.text()


def test_paste_a_grid_longer_than_a_file_name(qtbot, main_window):
    # more than 255 characters on one line: no valid file name, still a grid (was OSError ENAMETOOLONG)
    state = main_window.explorer.state
    mime = QMimeData()
    mime.setText("\n".join(" ".join("0.5" for _ in range(100)) for _ in range(3)))
    assert main_window.explorer_actions.paste_from(mime)
    assert state.image.shape == (3, 100)


def test_save_image_round_trip(qtbot, main_window, tmp_path):
    actions, state = main_window.explorer_actions, main_window.explorer.state
    state.set_image(np.array([[0.5, -1.0], [2.0, 3.25]]))
    assert actions.save_image_to(tmp_path / "g.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "g.npy"), state.image)
    assert actions.save_image_to(tmp_path / "g.csv")
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "g.csv", delimiter=","), state.image)
    assert actions.save_image_to(tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 0


def test_state_rejects_bad_images_and_keeps_the_old_one(qtbot, explorer_page):
    state = explorer_page.state
    before = state.image.copy()
    with pytest.raises(CnnExplorerError, match="image"):
        state.set_image(np.zeros((4, 4, 5)))
    np.testing.assert_array_equal(state.image, before)


def test_drop_a_file_and_image_data(qtbot, explorer_page, tmp_path):
    from PySide6.QtCore import QPointF, QUrl
    from PySide6.QtGui import QDropEvent, QImage

    state, panel = explorer_page.state, explorer_page.input_panel
    path = tmp_path / "drop.csv"
    path.write_text("0,1\n2,3\n")

    def drop(mime):
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        panel.dropEvent(event)

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop(mime)
    np.testing.assert_array_equal(state.image, [[0, 1], [2, 3]])
    picture = QImage(3, 2, QImage.Format.Format_Grayscale8)
    picture.fill(128)
    mime = QMimeData()
    mime.setImageData(picture)
    drop(mime)
    assert state.image.shape == (2, 3) and np.all(state.image == 128)


def test_arrow_keys_move_in_the_grid_not_the_animation(qtbot, main_window):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    grid = main_window.explorer.kernel_editor.grid
    def overridden(key, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
        event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
        event.ignore()  # as Qt sends it: accepted means "the widget wants this key itself"
        grid.event(event)
        return event.isAccepted()

    assert overridden(Qt.Key.Key_Right) and overridden(Qt.Key.Key_Space) and overridden(Qt.Key.Key_PageDown)
    assert not overridden(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_canvas_picture_updates_only_the_stroke_and_stays_exact(qtbot, explorer_page):
    from cnn_explorer.ui.explorer.canvas import DrawingCanvas

    def pixels(canvas):
        image = canvas.to_qimage()
        h, w = image.height(), image.width()
        return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, : 3 * w].copy()

    state, panel = explorer_page.state, explorer_page.input_panel
    state.set_image(np.full((64, 64), 40.0))
    state.set_cell(0, 0, 200.0)
    panel.canvas.ink_value = 120.0
    pixels(panel.canvas)
    _stroke(qtbot, panel.canvas, [(30, 5), (30, 50), (40, 50)])
    assert state.changed_since(state.image_revision - 1) is not None
    fresh = DrawingCanvas(state)
    qtbot.addWidget(fresh)
    np.testing.assert_array_equal(pixels(panel.canvas), pixels(fresh))
    assert pixels(fresh)[30, 3 * 20] == 120  # values 40..200 are a picture: shown on the 0..255 scale


def test_save_image_writes_exact_grids_and_the_picture_the_window_shows(qtbot, main_window, tmp_path):
    from PIL import Image

    from cnn_explorer.core.io.images import load_grid

    actions, state = main_window.explorer_actions, main_window.explorer.state
    rgb = np.dstack([np.full((2, 3), 1 / 3), np.full((2, 3), 200.0), np.arange(6.0).reshape(2, 3)])
    state.set_image(rgb)
    assert actions.save_image_to(tmp_path / "rgb.csv")  # exact numbers, one block a channel
    assert np.array_equal(load_grid(tmp_path / "rgb.csv"), state.image)
    state.set_image(np.array([[0.5, -1.0], [2.0, 3.25]]))
    assert actions.save_image_to(tmp_path / "grid")  # no suffix: PNG, stretched min..max as on screen
    with Image.open(tmp_path / "grid.png") as im:
        assert im.mode == "L" and np.asarray(im).tolist() == [[90, 0], [180, 255]]
    picture = np.arange(0.0, 240.0, 20.0).reshape(3, 4)
    state.set_image(picture)
    assert actions.save_image_to(tmp_path / "picture.bmp")
    with Image.open(tmp_path / "picture.bmp") as im:
        assert np.asarray(im).tolist() == picture.tolist()
    assert not actions.save_image_to(tmp_path / "picture.xyz")
    assert "unsupported picture type" in main_window.explorer.input_panel.message.text()


def test_a_pasted_picture_with_transparency_is_composited_on_white(qtbot, main_window):
    from PySide6.QtGui import QColor, QImage

    from cnn_explorer.ui.classify.pictures import picture_from_qimage

    image = QImage(3, 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    image.setPixelColor(0, 0, QColor(255, 0, 0, 255))
    assert picture_from_qimage(image).tolist() == [[[255, 0, 0], [255, 255, 255], [255, 255, 255]],
                                                   [[255, 255, 255]] * 3]
    assert main_window.explorer.input_panel.load_qimage(image, "pasted")
    assert main_window.explorer.state.image[0].tolist() == [[255, 0, 0], [255, 255, 255], [255, 255, 255]]
