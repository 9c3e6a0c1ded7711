"""The 1-D convolution demo as a user drives it: the slide's example, stepping and playing with the keys, editing
the row and the filters (bad input gets a message and loses nothing), a second filter, lessons' parameters."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.lessons.demos import parse_demo
from cnn_explorer.core.lessons.resolve import lesson_from_text
from cnn_explorer.ui.demos.conv1d import Conv1dDemo
from cnn_explorer.ui.export.figure_export import figure_export_of


@pytest.fixture
def demo(qtbot):
    widget = Conv1dDemo()
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def _retype(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_it_opens_on_the_slides_example_with_every_output_filled(demo):
    c = demo.conv()
    np.testing.assert_array_equal(c.row, [0, 1, 1, 0, 1, 0])
    np.testing.assert_array_equal(c.outputs, [[-1, 1, 1]])
    assert demo.position() == c.length == 3 and demo.step_label.text() == "Step 3 of 3"
    assert "⌊(6 + 2·0 − 2)/2⌋ + 1 = 3" in demo.size_label.text()
    assert "answers most to (1, 0)" in demo.best_label.text()
    assert "Largest in this row: 1 at output cell 1, reading (1, 0)" in demo.best_label.text()
    assert demo.view.row_labels() == ["row x", "filter", "products", "output"]


def test_the_keys_step_the_window_and_show_each_sum(qtbot, demo):
    demo.view.setFocus()
    qtbot.keyClick(demo.view, Qt.Key.Key_Home)
    assert demo.position() == 0 and "starts at the left end" in demo.arith_label.text()
    assert not demo.back_button.isEnabled() and demo.next_button.isEnabled()
    qtbot.keyClick(demo.view, Qt.Key.Key_Right)
    assert demo.position() == 1 and "output cell 0 (row cells 0, 1): 0×1 + 1×(−1) = −1" in demo.arith_label.text()
    qtbot.keyClick(demo.view, Qt.Key.Key_Right)
    assert "output cell 1 (row cells 2, 3): 1×1 + 0×(−1) = 1" in demo.arith_label.text()
    qtbot.keyClick(demo.view, Qt.Key.Key_Left)
    assert demo.position() == 1
    qtbot.keyClick(demo.view, Qt.Key.Key_End)
    assert demo.position() == 3 and not demo.next_button.isEnabled()
    qtbot.mouseClick(demo.first_button, Qt.MouseButton.LeftButton)
    assert demo.position() == 0
    cell = demo.view.output_cell_rect(1).center().toPoint()
    qtbot.mouseClick(demo.view, Qt.MouseButton.LeftButton, pos=cell)          # a click shows that cell's sum
    assert demo.position() == 2 and "output cell 1 (row cells 2, 3)" in demo.arith_label.text()


def test_space_plays_and_pauses_and_play_stops_at_the_end(qtbot, demo):
    demo.speed_combo.setCurrentText("Fast")
    demo.view.setFocus()
    qtbot.keyClick(demo.view, Qt.Key.Key_Space)      # at the end: plays from the start
    assert demo.is_playing() and demo.position() == 0 and "Pause" in demo.play_button.text()
    qtbot.waitUntil(lambda: demo.position() == 1, timeout=2000)
    qtbot.keyClick(demo.view, Qt.Key.Key_Space)
    assert not demo.is_playing() and demo.position() == 1 and "Play" in demo.play_button.text()
    demo.step_forward()
    demo.toggle_playing()
    qtbot.waitUntil(lambda: not demo.is_playing(), timeout=2000)
    assert demo.position() == 3


def test_space_in_the_row_box_types_a_space_and_does_not_play(qtbot, demo):
    demo.row_edit.setFocus()
    demo.row_edit.end(False)
    qtbot.keyClicks(demo.row_edit, " 1")
    assert not demo.is_playing() and demo.row_edit.text() == "0 1 1 0 1 0 1"
    np.testing.assert_array_equal(demo.conv().outputs, [[-1, 1, 1]])        # 7 numbers, stride 2: still 3


def test_editing_the_row_stride_and_padding_recomputes(qtbot, demo):
    _retype(qtbot, demo.row_edit, "2, 5, -1, 3")
    demo.stride_spin.setValue(1)
    np.testing.assert_array_equal(demo.conv().outputs, [[-3, 6, -4]])
    demo.padding_spin.setValue(1)
    np.testing.assert_array_equal(demo.conv().padded, [0, 2, 5, -1, 3, 0])
    np.testing.assert_array_equal(demo.conv().outputs, [[-2, -3, 6, -4, 3]])
    assert demo.position() == 5
    demo.row_edit.setText("2 5 −1 3")                 # pasted from a slide: the Unicode minus reads too
    np.testing.assert_array_equal(demo.conv().row, [2, 5, -1, 3]) and demo.error_text() == ""


def test_bad_input_gets_a_message_and_the_last_good_picture_stays(qtbot, demo):
    _retype(qtbot, demo.row_edit, "1 x 0")
    assert "row: 'x' is not a number" in demo.error_text() and "still shown" in demo.error_text()
    np.testing.assert_array_equal(demo.conv().outputs, [[-1, 1, 1]])
    _retype(qtbot, demo.row_edit, "1 0")
    _retype(qtbot, demo.filter_edit, "1 1 1")
    assert "the filter of 3 does not fit" in demo.error_text()
    demo.padding_spin.setValue(1)                                           # padding makes room
    assert demo.error_text() == "" and demo.conv().outputs.shape == (1, 1)
    demo.filter_edit.selectAll()
    qtbot.keyClick(demo.filter_edit, Qt.Key.Key_Backspace)
    assert "filter 1: write 1 to 9 numbers, got 0" in demo.error_text()
    qtbot.keyClick(demo.filter_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)    # undo gives it back
    assert demo.filter_edit.text() == "1 1 1" and demo.error_text() == ""


def test_a_second_filter_gives_a_second_output_row(qtbot, demo):
    qtbot.mouseClick(demo.second_check, Qt.MouseButton.LeftButton)
    assert demo.second_edit.isEnabled() and len(demo.conv().filters) == 2
    np.testing.assert_array_equal(demo.conv().outputs, [[-1, 1, 1], [1, -1, -1]])
    assert demo.view.row_labels()[-2:] == ["output 1", "output 2"]
    assert "Filter 2 (−1, 1) answers most to (0, 1)" in demo.best_label.text()
    _retype(qtbot, demo.second_edit, "1 2 3")
    assert "filter 2: give it as many numbers as filter 1" in demo.error_text()
    qtbot.mouseClick(demo.second_check, Qt.MouseButton.LeftButton)
    assert demo.error_text() == "" and len(demo.conv().filters) == 1


def test_a_lessons_parameters_and_the_slides_example_button(qtbot, demo):
    demo.set_params(parse_demo("conv-1d filter2=-1,1 padding=1").as_dict())
    np.testing.assert_array_equal(demo.conv().outputs, [[0, 0, -1, 0], [0, 0, 1, 0]])
    assert demo.second_check.isChecked() and demo.padding_spin.value() == 1
    with qtbot.waitSignal(demo.status_message) as message:
        qtbot.mouseClick(demo.reset_button, Qt.MouseButton.LeftButton)
    assert "slide's example" in message.args[0]
    assert not demo.second_check.isChecked() and demo.stride_spin.value() == 2 and demo.padding_spin.value() == 0


def test_the_figure_copies_and_saves_with_its_numbers(demo, tmp_path):
    export = figure_export_of(demo.view)
    assert export is not None and "filter (1, −1), stride 2" in export.title()
    np.testing.assert_array_equal(export.values(), demo.conv().outputs)
    assert demo.view.cell_size() > 10


def test_hiding_the_demo_stops_play(qtbot, demo):
    demo.toggle_playing()
    assert demo.is_playing()
    demo.hide()
    assert not demo.is_playing()


def test_a_lesson_opens_the_demo_and_comes_back_to_the_presenter_view(qtbot, main_window):
    lesson = lesson_from_text("# L\n\n## The X\nNine by nine.\n@sample 004\n\n## 1-D\nOutputs {demo.out}.\n"
                              "@demo conv-1d stride=1\n\n## Back\nThe X again.\n@sample 004\n")
    assert lesson.steps[1].text == "Outputs −1 0 1 −1 1."
    main_window.set_presenter(True)
    player = main_window.lesson_player()
    player.open_lesson(lesson)
    assert main_window.explorer.is_presenter()
    player.go(1)
    page = main_window.demos_page()
    assert page.current_demo() == "conv-1d" and not main_window.explorer.is_presenter()
    np.testing.assert_array_equal(page.demo_widget("conv-1d").conv().outputs, [[-1, 0, 1, -1, 1]])
    player.go(2)                                   # the demo took the presenter view away: the lesson gives it back
    assert main_window.page_names()[main_window.pages.currentIndex()] == "explorer"
    assert main_window.explorer.is_presenter()
    player.close()
    main_window.set_presenter(False)


def test_the_cells_grow_with_the_presenter_scale_in_the_window(qtbot, main_window):
    """At 1366x768 a bigger scale never gives smaller cells (the page scrolls instead), 100 % → 200 % → 300 %."""
    main_window.resize(1366, 768)
    sizes = []
    try:
        for factor in (1.0, 2.0, 3.0):
            main_window.scale.set_factor(factor)
            demo = main_window.show_demo("conv-1d", list_shown=False)
            qtbot.wait(1)
            sizes.append(demo.view.cell_size())
    finally:
        main_window.scale.set_factor(1.0)
    assert sizes[0] >= 26 and sizes[0] < sizes[1] < sizes[2], sizes
