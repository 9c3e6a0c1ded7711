"""The lesson player in the window: clicker keys, the step list, each step's state on the explorer,
questions, errata, lesson files (menu, drop, errors), writing a lesson, and the command line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QMessageBox

from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.library import find_lesson, shipped_lesson_paths
from cnn_explorer.core.lessons.resolve import load_lesson


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


@pytest.fixture
def player(qapp, window):
    from layout_check import settle

    p = window.lesson_player()
    assert p.open_shipped("000"), p.last_error
    settle(qapp, rounds=2)
    yield p
    p.close()
    if p.message_box is not None:
        p.message_box.close()
        p.message_box = None
    window.set_presenter(False)
    window.scale.set_factor(1.0)
    settle(qapp)


def _step_titled(player, start: str) -> int:
    return next(s.index for s in player.lesson.steps if s.title.startswith(start))


def test_clicker_keys_turn_the_page_even_when_a_spin_box_has_the_focus(qtbot, window, player):
    spin = window.explorer.settings_panel.stride_rows
    spin.setFocus()
    assert QApplication.focusWidget() in (spin, spin.findChild(QLineEdit))
    for key, expected in ((Qt.Key.Key_PageDown, 1), (Qt.Key.Key_Right, 2), (Qt.Key.Key_Space, 3),
                          (Qt.Key.Key_Left, 2), (Qt.Key.Key_PageUp, 1), (Qt.Key.Key_Down, 2), (Qt.Key.Key_Up, 1)):
        qtbot.keyClick(QApplication.focusWidget() or window, key)
        assert player.index == expected, (key, player.index)
    assert spin.value() == 1                                    # the spin box did not take the arrows
    assert player.panel.position_label.text() == "Step 2 of 17"
    assert dict(window.shortcut_rows())["Lesson: next step"].startswith("PageDown")
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)          # no step before the first
    assert player.index == 0 and not player.panel.back_button.isEnabled()


def test_the_steps_text_folds_away_so_the_presenter_shows_the_grids(qtbot, window, player):
    """Issue 13: in the presenter view at 150 % the lesson text left the step grids a short strip; the
    bar's arrow button (or T) folds the text away, for every step until shown again."""
    from layout_check import settle, view_problems

    window.set_presenter(True)
    window.scale.set_factor(1.5)
    window.explorer.show_step_by_step()
    panel = player.panel
    settle(QApplication.instance(), rounds=3)
    assert not panel.text_folded() and panel.body.isVisible()
    open_height = window.explorer.height()
    qtbot.mouseClick(panel.text_button, Qt.MouseButton.LeftButton)
    settle(QApplication.instance(), rounds=3)
    assert panel.text_folded() and not panel.body.isVisible() and panel.text_button.isChecked()
    assert window.explorer.height() >= open_height + 100         # the bar is one line: the explorer gets the room
    assert player.lesson.steps[0].title in panel.text_button.toolTip()
    assert view_problems(window, "presenter") == ([], [])
    folded_height = window.explorer.height()
    player.next()                                                # the choice stays from step to step
    assert panel.text_folded() and player.lesson.steps[1].title in panel.text_button.toolTip()
    assert player.lesson.steps[1].title in panel.plain_text()    # still readable by tests and screen readers

    spin = next(s for s in window.findChildren(QAbstractSpinBox) if s.isVisible())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    spin.setFocus()
    assert QApplication.focusWidget() in (spin, spin.findChild(QLineEdit))
    qtbot.keyClick(spin, Qt.Key.Key_T)                           # a spin box keeps its keys
    assert panel.text_folded()
    QApplication.focusWidget().clearFocus()
    assert QApplication.focusWidget() is None
    qtbot.keyClick(window, Qt.Key.Key_T)
    settle(QApplication.instance(), rounds=3)
    assert not panel.text_folded() and panel.body.isVisible() and not panel.text_button.isChecked()
    assert window.explorer.height() <= folded_height - 40       # the text takes its room again
    assert dict(window.shortcut_rows())["Lesson: hide / show the step's text"] == "T"


def test_the_answer_box_keeps_space_and_arrows_for_typing(qtbot, window, player):
    player.go(_step_titled(player, "Your turn"))
    box = player.panel.answer_edit
    box.setFocus()
    at = player.index
    qtbot.keyClicks(box, "79 2")
    qtbot.keyClick(box, Qt.Key.Key_Left)
    assert player.index == at and box.text() == "79 2"
    qtbot.keyClick(box, Qt.Key.Key_PageDown)
    assert player.index == at + 1


def test_the_step_list_jumps_anywhere_and_the_last_step_says_finish(window, player):
    last = len(player.lesson.steps) - 1
    player.panel.step_list.activated.emit(last)
    assert player.index == last and player.panel.next_button.text() == "Finish"
    player.next()
    assert player.index == last and "last step" in window.statusBar().currentMessage()


def test_each_step_sets_its_state_and_the_users_changes_do_not_stick(window, player):
    state, anim = window.explorer.state, window.explorer.animation_panel
    np.testing.assert_array_equal(state.image, seeds.SLIDE_000_1_IMAGE)
    np.testing.assert_array_equal(state.result.feature[0], seeds.SLIDE_000_1_FEATURE)
    assert window.explorer.showing_step_by_step() and anim.current_step().value == 429
    assert "18×1 + 54×0" in anim.arithmetic_text()
    state.set_kernels([np.ones((3, 3))], ["mine"])          # the class plays with the kernel ...
    player.go(_step_titled(player, "Max-pooling keeps"))    # ... the next step sets its own again
    assert state.kernel_names == ("slide-corners",) and anim.stage == "pool"
    assert anim.current_step().value == 913 and (anim.current_step().i, anim.current_step().j) == (1, 0)
    player.go(_step_titled(player, "Padding keeps"))
    assert state.conv.padding == 1 and state.result.feature.shape[1:] == (7, 7)
    before = state.undo_stack.index()
    player.go(_step_titled(player, "A happy face"))
    assert state.image_origin.name == "000-4" and state.undo_stack.index() == before + 1
    assert state.undo_stack.undoText().startswith("Lesson step")
    state.undo_stack.undo()                                 # Ctrl+Z: back to what was there
    assert state.image.shape == (7, 7) and state.image_origin.name == "001-5"
    player.close()                                          # leaving keeps the last step's state
    assert not player.dock.isVisible() and state.image_origin.name == "001-5"
    assert not player.is_active()


def test_errata_show_the_slides_value_and_the_right_one(window, player):
    player.go(_step_titled(player, "The slide's mistake"))
    shown = player.panel.plain_text()
    assert "the slide shows 1, core computes 0" in shown and "1 0 1 2 1" in shown and "1 0 0 2 1" in shown
    anim = window.explorer.animation_panel
    assert (anim.current_step().i, anim.current_step().j, anim.current_step().value) == (2, 2, 0)
    assert player.open_shipped("001")
    for title, slide, right in (("The slide's first mistake", 83, 88), ("The slide's second mistake", 127, 117)):
        player.go(_step_titled(player, title))
        assert f"the slide shows {slide}, core computes {right}" in player.panel.plain_text()
        assert anim.current_step().value == right


def test_a_typed_question_checks_with_its_tolerance_then_shows_the_arithmetic(qtbot, window, player):
    player.go(_step_titled(player, "Your turn"))
    panel, anim = player.panel, window.explorer.animation_panel
    assert panel.question_row.isVisible() and panel.answer_edit.isVisible()
    assert anim.current_step() is not None and (anim.current_step().i, anim.current_step().j) == (1, 0)  # not yet
    panel.answer_edit.setText("seven")
    assert panel.check_answer() is None and "Type a number" in panel.feedback_text()
    panel.answer_edit.setText("791")
    assert panel.check_answer() is False and "Not quite" in panel.feedback_text()
    panel.answer_edit.setText("792")
    qtbot.keyClick(panel.answer_edit, Qt.Key.Key_Return)
    assert "Right: 121×1 + 75×0" in panel.feedback_text() and panel.feedback_text().endswith("= 792")
    assert (anim.current_step().i, anim.current_step().j) == (1, 1)          # the cell is filled in now
    assert player.open_shipped("001")
    player.go(_step_titled(player, "Your turn: a padded cell"))
    panel.answer_edit.setText("-1.004")
    assert panel.check_answer() is True
    panel.answer_edit.setText("-1.1")
    assert panel.check_answer() is False
    panel.reveal_answer()
    assert panel.feedback_text().startswith("The answer is −1:")


def test_a_multiple_choice_question(window, player):
    player.go(_step_titled(player, "Find it yourself"))
    panel = player.panel
    assert [b.text() for b in panel.choice_buttons] == ["0", "1", "2"] and not panel.answer_edit.isVisible()
    panel.choice_buttons[1].click()
    assert "Not 1" in panel.feedback_text()
    panel.choice_buttons[0].click()
    assert panel.feedback_text().startswith("Right: ")


def test_a_malformed_lesson_names_the_line_and_changes_nothing(tmp_path, window, player):
    player.go(3)
    state = window.explorer.state
    image, undo = state.image.copy(), state.undo_stack.index()
    bad = tmp_path / "bad.md"
    bad.write_text("# Broken\n## One\nText.\n@sample 000-1\n@highlight cell 9,9\n", encoding="utf-8")
    assert not player.open_file(bad)
    assert "bad.md, line 5" in player.last_error and "outside the feature map" in player.last_error
    assert player.message_box is not None and "line 5" in player.message_box.text()
    assert player.lesson.name == "000-cnn-architecture" and player.index == 3
    assert np.array_equal(state.image, image) and state.undo_stack.index() == undo
    first = player.message_box
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    assert not player.open_file(empty) and "empty file" in player.last_error
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes == [player.message_box] and player.message_box is not first   # the newest error replaces the box


def test_dropping_a_lesson_file_opens_it(tmp_path, qapp, window, player):
    path = tmp_path / "dropped.md"
    path.write_text("# Dropped\n## Only step\nThe sharpen patch gives {map[0,0]}.\n@sample 001-2\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    target = window.explorer.input_panel          # it takes dropped pictures: a lesson file still opens as a lesson
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert player.lesson.title == "Dropped" and "gives 226" in player.panel.plain_text()
    assert window.explorer.state.image_origin.name == "001-2"


def test_add_this_view_as_a_step_is_undoable_and_saves_a_lesson_that_replays(tmp_path, window, player):
    player.go(_step_titled(player, "Stride") if any(s.title.startswith("Stride") for s in player.lesson.steps) else 0)
    state = window.explorer.state
    state.set_settings(activation="relu")
    assert player.add_view_as_step("My view", "Look here.")
    assert len(player.draft_blocks) == 1
    state.undo_stack.undo()
    assert player.draft_blocks == []
    state.undo_stack.redo()
    out = tmp_path / "mine"
    assert player.save_lesson(out)
    saved = load_lesson(tmp_path / "mine.md")
    assert len(saved.steps) == len(player.lesson.steps) + 1
    mine = saved.steps[-1]
    assert mine.title == "My view" and mine.state.activation == "relu"
    np.testing.assert_array_equal(mine.state.image, state.image)


def test_the_presenter_view_and_scale_are_kept(window, player):
    window.set_presenter(True)
    window.scale.set_factor(1.5)
    player.go(1)
    assert window.explorer.is_presenter() and player.dock.isVisible()
    assert player.panel.text.font().pixelSize() == round(15 * 1.5)
    player.next()
    assert window.explorer.is_presenter() and player.index == 2


def test_command_line_opens_the_window_in_a_lesson(tmp_path, capsys, window):
    from argparse import Namespace

    from cnn_explorer import cli
    from cnn_explorer.ui.app import configure_window

    args = Namespace(sample=None, kernel=None, scale=1.5, page=None, presenter=True, step=9, lesson="001")
    configure_window(window, args)                       # what --lesson 001 --step 9 --presenter --scale 1.5 does
    player = window.lesson_player()
    try:
        assert player.lesson.name == "001-convolution" and player.index == 8
        assert window.explorer.is_presenter() and player.dock.isVisible()
    finally:
        player.close()
        window.set_presenter(False)
        window.scale.set_factor(1.0)
    shot = tmp_path / "lesson.png"                      # mistakes exit 2 before any window is built
    assert cli.main(["--lesson", "001", "--step", "99", "--screenshot", str(shot)]) == 2
    assert "steps 1 to 15" in capsys.readouterr().err
    assert cli.main(["--lesson", "nope", "--screenshot", str(shot)]) == 2
    assert "unknown 'nope'" in capsys.readouterr().err and not shot.exists()


def test_lessons_command_lists_checks_and_shows(tmp_path, capsys):
    from cnn_explorer import cli

    assert cli.main(["lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [p.stem for p in shipped_lesson_paths()]   # every deck's lesson
    assert [line.split()[0] for line in lines] == ["000-cnn-architecture", "001-convolution", "002-cnn-layers",
                                                   "003-training-and-images", "004-x-and-o"]
    assert cli.main(["lessons", "check", str(find_lesson("000"))]) == 0
    bad = tmp_path / "bad.md"
    bad.write_text("# T\n## S\nx\n@kernel sobel-topp\n", encoding="utf-8")
    assert cli.main(["lessons", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.md, line 4: @kernel: unknown preset 'sobel-topp'" in err and len(err.splitlines()) == 1
    assert cli.main(["lessons", "show", "001"]) == 0
    assert "Erratum at row 0, column 2: the slide shows 83, core computes 88" in capsys.readouterr().out

