"""The learn-kernel demo: what it shows is core's numbers, keys and buttons step, run and reset, edits undo,
and bad settings get a clear message."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from cnn_explorer.core.conv.gradients import kernel_gradient_step
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.demos import parse_demo
from cnn_explorer.core.train import learn_kernel as lk
from cnn_explorer.ui.demos.learn_kernel import LearnKernelDemo


@pytest.fixture
def demo(qtbot):
    widget = LearnKernelDemo()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    yield widget
    widget.shutdown()


def _speed(demo, key: str) -> None:
    demo.speed_combo.setCurrentIndex(demo.speed_combo.findData(key))


def _click_cell(qtbot, figure, r: int, c: int) -> None:
    rect = figure.grid.cell_rect(r, c)
    qtbot.mouseClick(figure.grid, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.center().y())))


def test_it_opens_on_the_slides_case_with_cores_numbers(demo):
    numbers = parse_demo("learn-kernel").numbers()
    record = demo.record()
    assert demo.current_step() == 0 and np.array_equal(demo.kernel(), np.zeros((3, 3)))
    assert np.array_equal(demo.image(), seeds.SLIDE_004_X_IMAGE)
    assert demo.forward.loss.text().endswith(f"= {numbers['loss']}")
    assert "mean((y − t)²)" in demo.forward.loss.text()
    step = kernel_gradient_step(seeds.SLIDE_004_X_IMAGE, record.kernel, record.grad_output, record_settings(demo), 0, 0)
    assert demo.gradient.sum_text() == f"dL/dw[0, 0] = {step.arithmetic(max_terms=81)}"
    assert demo.gradient.sum_text().endswith(f"= {numbers['gradient.0.0']}")
    assert demo.gradient.sum_text().count("×") == 49                          # every multiply-add of the cell
    assert demo.update_section.cell_text.text() == f"w[0, 0] ← 0 − 0.1 × ({numbers['gradient.0.0']}) = " \
                                                   f"{numbers['kernel.0.0']}"
    np.testing.assert_array_equal(demo.forward.target.grid.values(), record.target)
    np.testing.assert_array_equal(demo.gradient.grad_output.grid.values(), record.grad_output)
    np.testing.assert_array_equal(demo.update_section.after.grid.values(), record.new_kernel)


def record_settings(demo):
    return lk.learning_from_params(demo.params()).settings


def test_keys_step_forward_back_and_reset(qtbot, demo):
    first = demo.record()
    qtbot.keyClick(demo, Qt.Key.Key_Right)
    assert demo.current_step() == 1
    np.testing.assert_array_equal(demo.kernel(), first.new_kernel)
    assert demo.forward.loss.text().endswith(f"= {parse_demo('learn-kernel').numbers()['loss.next']}")
    qtbot.keyClick(demo, Qt.Key.Key_Right)
    qtbot.keyClick(demo, Qt.Key.Key_Left)
    assert demo.current_step() == 1 and len(demo.losses()) == 3              # back keeps the steps taken
    qtbot.keyClick(demo, Qt.Key.Key_Home)
    assert demo.current_step() == 0 and demo.losses() == [pytest.approx(14.2245, abs=1e-4)]
    assert not demo.back_button.isEnabled()
    qtbot.mouseClick(demo.step_button, Qt.MouseButton.LeftButton)
    assert demo.current_step() == 1 and demo.back_button.isEnabled()


def test_space_runs_until_the_kernel_is_the_targets(qtbot, demo):
    _speed(demo, "fast")
    with qtbot.waitSignal(demo.status_message, timeout=10_000) as blocker:
        qtbot.keyClick(demo, Qt.Key.Key_Space)
        assert demo.is_running() and demo.run_button.text() == "Pause"
    assert "after 67 steps" in blocker.args[0]
    assert not demo.is_running() and demo.current_step() == 67
    assert np.max(np.abs(demo.kernel() - seeds.SLIDE_004_DIAGONAL)) <= lk.CONVERGED
    losses = demo.losses()
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert demo.update_section.curve.losses() == losses
    assert "the target's kernel" in demo.status.text()


def test_space_pauses(qtbot, demo):
    _speed(demo, "step")
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: demo.current_step() >= 2, timeout=5000)
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert not demo.is_running()
    stopped = demo.current_step()
    qtbot.wait(200)
    assert demo.current_step() == stopped


def test_run_shows_each_multiply_add_then_each_cell(qtbot, demo):
    _speed(demo, "product")
    demo.resize(1100, 500)
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    top = demo.gradient.row.mapTo(demo.area.viewport(), QPoint(0, 0)).y()
    assert 0 <= top < demo.area.viewport().height()                          # scrolled to the gradient
    qtbot.waitUntil(lambda: "(2 of 49 products)" in demo.gradient.sum_text(), timeout=5000)
    assert demo.gradient.sum_text().startswith("dL/dw[0, 0] = (−1)×(−0.2857) + (−1)×0.0408 = ")
    assert demo.gradient.products.grid.text_at(0, 2) == ""                    # not multiplied yet
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert not demo.is_running() and "products)" not in demo.gradient.sum_text()   # paused: the whole sum again
    _speed(demo, "cell")
    demo.toggle_run()
    qtbot.waitUntil(lambda: demo.gradient_cell() == (0, 2), timeout=5000)
    assert demo.gradient.gradient.grid.text_at(0, 1) != "" and demo.gradient.gradient.grid.text_at(2, 2) == ""
    demo.stop()
    assert demo.current_step() == 0 and demo.gradient.gradient.grid.text_at(2, 2) != ""   # paused: every cell


def test_gradient_cells_by_keys_and_clicks(qtbot, demo):
    qtbot.keyClick(demo, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert demo.gradient_cell() == (0, 1)
    qtbot.keyClick(demo, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(demo, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert demo.gradient_cell() == (2, 2)
    _click_cell(qtbot, demo.gradient.gradient, 1, 2)
    assert demo.gradient_cell() == (1, 2)
    record = demo.record()
    assert demo.gradient.sum_text().endswith(f"= {format_number(record.grad_kernel[1, 2])}")
    assert demo.update_section.cell_text.text().startswith("w[1, 2] ← ")
    assert demo.gradient.input.grid.marked_window() is not None


def test_clicking_an_input_cell_flips_it_and_ctrl_z_undoes_it(qtbot, demo):
    qtbot.keyClick(demo, Qt.Key.Key_Right)
    _click_cell(qtbot, demo.forward.input, 0, 0)
    assert demo.image()[0, 0] == 1.0 and demo.current_step() == 0             # a new input: the learning starts again
    qtbot.keyClick(demo, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(demo.image(), seeds.SLIDE_004_X_IMAGE)
    qtbot.keyClick(demo, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert demo.image()[0, 0] == 1.0


def test_a_typed_kernel_starts_the_learning_and_a_bad_one_is_refused(qtbot, demo):
    demo.start_combo.setCurrentIndex(demo.start_combo.findData("typed"))
    assert demo.typed_edit.isEnabled()
    demo.typed_edit.setText("1 2 3 / 4 5")
    qtbot.keyClick(demo.typed_edit, Qt.Key.Key_Return)
    assert "not read" in demo.message_text() and np.array_equal(demo.kernel(), np.zeros((3, 3)))
    demo.typed_edit.setText("1 1")
    qtbot.keyClick(demo.typed_edit, Qt.Key.Key_Return)
    assert "1×2" in demo.message_text()
    demo.typed_edit.clear()
    demo.typed_edit.setFocus()
    qtbot.keyClicks(demo.typed_edit, "1 0 0 / 0 1 0 / 0 0 1")              # Space types a space here, not Run
    assert demo.typed_edit.text() == "1 0 0 / 0 1 0 / 0 0 1" and not demo.is_running()
    qtbot.keyClick(demo.typed_edit, Qt.Key.Key_Left)                          # and Left moves the cursor, not Back
    assert demo.typed_edit.cursorPosition() == len(demo.typed_edit.text()) - 1
    qtbot.keyClick(demo.typed_edit, Qt.Key.Key_Return)
    np.testing.assert_array_equal(demo.kernel(), np.eye(3))
    assert demo.message_text() == ""


def test_a_random_start_follows_its_seed(demo):
    demo.start_combo.setCurrentIndex(demo.start_combo.findData("random"))
    demo.seed_spin.setValue(5)
    np.testing.assert_array_equal(demo.kernel(), lk.start_kernel("random", (3, 3), 5))


def test_a_rate_too_big_is_explained_and_the_run_stops(qtbot, demo):
    demo.rate_spin.setValue(0.5)
    assert "overshoots" in demo.message_text() and "0.307" in demo.message_text()
    _speed(demo, "fast")
    demo.toggle_run()
    qtbot.waitUntil(lambda: not demo.is_running(), timeout=10_000)
    assert "exploded" in demo.message_text() and np.isfinite(demo.kernel()).all()
    assert demo.status.text().startswith(f"Step {demo.current_step():,} ·")             # the figures show where it stopped


def test_a_map_too_small_to_pin_the_kernel_is_explained(demo):
    demo.input_combo.setCurrentIndex(demo.input_combo.findData("6x6"))
    demo.stride_spin.setValue(3)
    assert "4 cells for 9 kernel weights" in demo.message_text()


def test_a_new_rate_keeps_the_kernel_shown(qtbot, demo):
    for _ in range(3):
        qtbot.keyClick(demo, Qt.Key.Key_Right)
    kernel = demo.kernel()
    demo.rate_spin.setValue(0.2)
    assert demo.current_step() == 3 and np.array_equal(demo.kernel(), kernel)
    assert demo.update_section.cell_text.text().startswith("w[0, 0] ← ") and " 0.2 × " in \
        demo.update_section.cell_text.text()


def test_lesson_parameters_open_the_demo_at_that_step(demo):
    params = parse_demo("learn-kernel steps=3 target=x lr=0.2 padding=1").as_dict()
    demo.set_params(params)
    numbers = parse_demo("learn-kernel steps=3 target=x lr=0.2 padding=1").numbers()
    assert demo.current_step() == 3
    assert demo.forward.loss.text().endswith(f"= {numbers['loss']}")
    assert demo.gradient.input.grid.values().shape == (11, 11)              # the padded input
    assert demo.params()["padding"] == "1" and demo.params()["target"] == "x"


def test_the_demo_scales_for_a_projector(demo):
    before = demo.forward.kernel.grid.width()
    demo.set_scale(2.0)
    assert demo.forward.kernel.grid.width() >= 2 * before - 4
    demo.set_scale(1.0)


def test_in_the_window_keys_reach_the_demo(qtbot, main_window):
    demo = main_window.show_demo("learn-kernel")
    qtbot.waitUntil(demo.isVisible, timeout=3000)
    main_window.activateWindow()
    demo.setFocus()
    qtbot.waitUntil(demo.hasFocus, timeout=2000)
    qtbot.keyClick(demo, Qt.Key.Key_Right)
    assert demo.current_step() == 1
    _click_cell(qtbot, demo.forward.input, 4, 4)
    assert demo.image()[4, 4] == -1.0
    qtbot.keyClick(demo, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert demo.image()[4, 4] == 1.0


def test_a_lesson_step_opens_the_demo_at_its_step_with_its_numbers(qtbot, main_window):
    from cnn_explorer.core.lessons.resolve import lesson_from_text

    lesson = lesson_from_text("# Learn\n\n## Three steps in\nLoss {demo.loss}, then {demo.loss.next}; the kernel is "
                              "the target's after {demo.steps.converge} steps.\n@demo learn-kernel steps=3\n")
    assert lesson.steps[0].text == "Loss 1.4864, then 0.908; the kernel is the target's after 67 steps."
    player = main_window.lesson_player()
    player.open_lesson(lesson)
    player.go(0)
    demo = main_window.demos_page().demo_widget("learn-kernel")
    assert main_window.demos_page().current_demo() == "learn-kernel"
    assert demo.current_step() == 3 and demo.forward.loss.text().endswith("= 1.4864")
    player.close()


def test_every_figure_can_be_copied_or_saved(demo):
    from cnn_explorer.ui.export.figure_export import figure_export_of

    figures = [demo.forward.input, demo.forward.kernel, demo.forward.output, demo.forward.target, demo.forward.error,
               demo.gradient.input, demo.gradient.grad_output, demo.gradient.products, demo.gradient.gradient,
               demo.update_section.before, demo.update_section.after, demo.update_section.target_kernel]
    assert all(figure_export_of(f.grid) is not None for f in figures)
    assert figure_export_of(demo.update_section.curve) is not None
    assert demo.update_section.curve.values().shape == (1, 1)


def test_every_kernel_cells_step_is_written_out(demo):
    record = demo.record()
    lines = demo.update_section.all_cells.text().split("\n")
    assert len(lines) == 9 and lines[0] == f"» w[0, 0] ← {record.update_text(0, 0)}"
    assert lines[5] == f"  w[1, 2] ← {record.update_text(1, 2)}"
    demo.select_cell(1, 2)
    assert demo.update_section.all_cells.text().split("\n")[5].startswith("» w[1, 2] ← ")


def test_near_convergence_every_figure_keeps_its_numbers_and_they_grow_with_the_scale(demo):
    """Long numbers (a kernel cell 0.0012 away from the target's) widen the cells rather than drop the numbers."""
    demo.set_params({**demo.params(), "steps": 120})
    figures = [f for section in (demo.forward, demo.gradient, demo.update_section) for f in section.figures
               if f.isVisibleTo(demo) and f.grid.values().size]
    assert len(figures) >= 5
    at_100 = [f.grid.number_pixel_size() for f in figures]
    assert min(at_100) >= 8, at_100
    demo.set_scale(2.0)
    at_200 = [f.grid.number_pixel_size() for f in figures]
    demo.set_scale(1.0)
    assert all(b > a for a, b in zip(at_100, at_200)), (at_100, at_200)
