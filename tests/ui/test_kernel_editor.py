"""The kernel editor and the settings panel: presets, cell edits, invalid cells, stacks, the formula."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from cnn_explorer.core.conv.convolution import ConvSettings, conv2d


def _choose_preset(editor, name: str) -> None:
    index = editor.preset_combo.findData(name)
    assert index >= 0, name
    editor.preset_combo.setCurrentIndex(index)
    editor.preset_combo.activated.emit(index)


def _photo_like(state):
    rng = np.random.default_rng(3)
    state.set_image(rng.integers(0, 256, size=(20, 24)).astype(float), source="noise")


def test_preset_picker_is_grouped(qtbot, explorer_page):
    from cnn_explorer.core.kernels.library import PRESETS

    combo = explorer_page.kernel_editor.preset_combo
    headers = [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i) is None]
    for group in ("EDGES", "BLUR/SHARPEN", "LINE DETECTORS", "X/O FEATURES", "SLIDE EXAMPLES"):
        assert group in headers
    names = {combo.itemData(i) for i in range(combo.count())} - {None}
    assert names == set(PRESETS)


def test_choosing_a_preset_shows_the_core_feature_map(qtbot, explorer_page):
    from cnn_explorer.core.kernels.library import get_preset

    state, editor = explorer_page.state, explorer_page.kernel_editor
    _photo_like(state)
    _choose_preset(editor, "sobel-top")
    np.testing.assert_array_equal(state.kernels[0], get_preset("sobel-top").values)
    assert editor.grid.item(0, 1).text() == "2"
    with qtbot.waitSignal(explorer_page.maps_panel.repainted, timeout=3000):
        pass
    expected = conv2d(state.image, [get_preset("sobel-top").values], state.conv).maps[0]
    np.testing.assert_allclose(state.result.feature[0], expected, rtol=0, atol=1e-9)
    shown = explorer_page.maps_panel.tile(0, "feature").view.values()
    np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-9)


def test_invalid_cell_is_marked_and_ignored_until_fixed(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "slide-corners")
    state.recompute_now()
    kernel_before = state.kernels[0].copy()
    result_before = state.result
    editor.grid.item(1, 1).setText("abc")
    assert (1, 1) in editor.invalid_cells
    assert editor.grid.item(1, 1).background().color().name() == "#f8b4b4"
    assert "row 1, col 1" in editor.message.text() and not editor.message.isHidden()
    np.testing.assert_array_equal(state.kernels[0], kernel_before)
    state.recompute_now()
    assert state.result is not None
    np.testing.assert_array_equal(state.result.kernels[0], result_before.kernels[0])
    # another valid edit while a cell is still bad: still ignored
    editor.grid.item(0, 0).setText("5")
    np.testing.assert_array_equal(state.kernels[0], kernel_before)
    editor.grid.item(1, 1).setText("−2")
    assert not editor.invalid_cells and editor.message.isHidden()
    expected = kernel_before.copy()
    expected[0, 0], expected[1, 1] = 5, -2
    np.testing.assert_array_equal(state.kernels[0], expected)
    assert editor.grid.item(1, 1).background().style() == Qt.BrushStyle.NoBrush


def test_fraction_cells_keep_exact_values(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "box-blur")
    editor.grid.item(0, 0).setText("1/9")
    np.testing.assert_array_equal(state.kernels[0], np.full((3, 3), 1 / 9))


def test_kernel_size_spin_and_text_entry(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "slide-corners")
    editor.cols_spin.setValue(5)
    assert state.kernels[0].shape == (3, 5)
    np.testing.assert_array_equal(state.kernels[0][:, 3:], 0)
    editor.rows_spin.setValue(1)
    assert state.kernels[0].shape == (1, 5)
    editor.text_edit.setText("1,2;3,x")
    editor.text_edit.returnPressed.emit()
    assert state.kernels[0].shape == (1, 5)
    assert "row 2" in editor.message.text()
    editor.text_edit.setText("1, 2; 3, 4")
    editor.text_edit.returnPressed.emit()
    np.testing.assert_array_equal(state.kernels[0], [[1, 2], [3, 4]])
    state.undo_stack.undo()
    assert state.kernels[0].shape == (1, 5)


def test_kernel_stack_gives_one_map_per_kernel(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _photo_like(state)
    _choose_preset(editor, "sobel-left")
    editor.add_preset("sobel-right")         # the picker replaces the stack (issue 11); "+ ▸" adds to it
    assert editor.tabs.count() == 2 and editor.current_index == 1
    state.recompute_now()
    assert state.result.feature.shape[0] == 2
    np.testing.assert_allclose(state.result.feature[0], -state.result.feature[1], atol=1e-9)
    editor.remove_kernel()
    state.recompute_now()
    assert state.result.feature.shape[0] == 1 and editor.tabs.count() == 1


def test_bias_normalize_flip_go_to_the_settings(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    editor.bias_spin.setValue(1.5)
    editor.normalize_check.setChecked(True)
    editor.flip_check.setChecked(True)
    assert (state.conv.bias, state.conv.normalize, state.conv.flip) == (1.5, True, True)
    state.undo_stack.undo()
    assert editor.flip_check.isChecked() is False


def test_formula_shows_the_numbers(qtbot, explorer_page):
    state, settings = explorer_page.state, explorer_page.settings_panel
    state.set_image(np.zeros((7, 7)))
    state.set_kernels([np.ones((3, 3))])
    settings.padding_combo.setCurrentIndex(settings.padding_combo.findData("amount"))
    settings.padding_spin.setValue(1)
    assert state.conv.padding == 1
    assert "(7 − 3 + 2·1) / 1 + 1 = 7" in settings.formula.text()
    settings.stride_rows.setValue(2)
    settings.stride_cols.setValue(2)
    assert "(7 − 3 + 2·1) / 2 + 1 = 4" in settings.formula.text()
    settings.pool_combo.setCurrentIndex(settings.pool_combo.findData("max"))
    assert "4×4 → 2×2" in settings.pool_formula.text()


def test_impossible_settings_message_and_previous_result_kept(qtbot, explorer_page):
    state, settings = explorer_page.state, explorer_page.settings_panel
    state.set_image(np.arange(49, dtype=float).reshape(7, 7))
    state.set_kernels([np.ones((3, 3))])
    state.set_settings(conv=ConvSettings(), pool=None)
    state.recompute_now()
    good = state.result
    assert good.feature.shape == (1, 5, 5)
    settings.dilation_spin.setValue(4)  # 3x3 dilated by 4 spans 9 > 7
    state.recompute_now()
    assert state.error and "kernel" in state.error
    assert state.result is good
    assert not settings.message.isHidden() and "larger than the padded input" in settings.message.text()
    assert "larger" in settings.formula.text()
    settings.dilation_spin.setValue(1)
    state.recompute_now()
    assert state.error is None and settings.message.isHidden()


def test_settings_panel_follows_undo_and_samples(qtbot, main_window):
    state, settings = main_window.explorer.state, main_window.explorer.settings_panel
    main_window.explorer_actions.open_sample("000-4")
    assert settings.pool_ceil.isChecked() and settings.pool_combo.currentData() == "max"
    assert "(7 − 3) / 1 + 1 = 5" in settings.formula.text()
    assert "5×5 → 3×3" in settings.pool_formula.text()
    settings.activation_combo.setCurrentIndex(settings.activation_combo.findData("tanh"))
    assert state.activation == "tanh"
    state.undo_stack.undo()
    assert settings.activation_combo.currentData() == state.activation != "tanh"
    state.recompute_now()
    np.testing.assert_array_equal(state.result.pooled.values[0], [[1, 1, 0], [4, 2, 1], [0, 2, 1]])


def test_save_and_load_kernels(qtbot, main_window, tmp_path):
    actions, state, editor = main_window.explorer_actions, main_window.explorer.state, main_window.explorer.kernel_editor
    _choose_preset(editor, "slide-stride")
    assert actions.save_kernel_to(tmp_path / "one.csv")
    editor.add_preset("sobel-top")           # the picker replaces the stack (issue 11); "+ ▸" adds to it
    assert actions.save_kernel_to(tmp_path / "stack.json")
    state.set_kernels([np.eye(2)], ["eye"])
    assert actions.load_kernel_from(tmp_path / "stack.json")
    assert state.kernel_names == ("slide-stride", "sobel-top") and len(state.kernels) == 2
    assert actions.load_kernel_from(tmp_path / "one.csv")
    np.testing.assert_array_equal(state.kernels[editor.current_index], [[3, 4, 4], [1, 0, 2], [-1, 0, 3]])


def test_malformed_kernel_file_changes_nothing(qtbot, main_window, tmp_path):
    actions, state = main_window.explorer_actions, main_window.explorer.state
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,five,6\n")
    kernels = state.kernels
    assert not actions.load_kernel_from(bad)
    assert state.kernels == kernels
    text = main_window.explorer.kernel_editor.message.text()
    assert "bad.csv" in text and "row 2" in text and "unchanged" in text
    assert not actions.load_kernel_from(tmp_path / "absent.json")
    assert state.kernels == kernels


def test_a_new_kernel_clears_the_marks_of_bad_cells(qtbot, explorer_page):
    # The grid is updated in place (only changed cells): a cell marked invalid must still be reset.
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "slide-corners")
    editor.grid.item(1, 1).setText("abc")
    assert editor.grid.item(1, 1).background().style() != Qt.BrushStyle.NoBrush
    _choose_preset(editor, "sobel-top")
    assert not editor.invalid_cells and editor.message.isHidden()
    assert [[editor.grid.item(r, c).text() for c in range(3)] for r in range(3)] == [
        ["1", "2", "1"], ["0", "0", "0"], ["-1", "-2", "-1"]]
    assert [[editor.grid.item(r, c).data(Qt.ItemDataRole.UserRole) for c in range(3)] for r in range(3)] == \
        state.kernels[0].tolist()
    assert editor.grid.item(1, 1).background().style() == Qt.BrushStyle.NoBrush
    assert editor.grid.item(1, 1).toolTip() == repr(0.0)
    assert editor.text_edit.text() == "1, 2, 1; 0, 0, 0; -1, -2, -1"


def test_kernel_grid_shows_plain_numbers_and_keeps_exact_values(qtbot):
    from cnn_explorer.ui.explorer.kernel_grid import KernelGrid

    grid = KernelGrid()
    qtbot.addWidget(grid)
    plane = np.array([[123.456, 1e-5, -0.5], [1 / 9, 0.0, 1e20]])
    grid.show_plane(plane)
    assert [[grid.item(r, c).text() for c in range(3)] for r in range(2)] == [
        ["123.456", "1e-05", "-0.5"], ["0.1111", "0", "1e+20"]]
    assert grid.item(1, 0).toolTip() == repr(1 / 9)
    np.testing.assert_array_equal(grid.plane(), plane)
    with qtbot.waitSignal(grid.cell_edited):
        grid.item(0, 0).setText("x")
    assert grid.invalid_cells == {(0, 0): "x"}
    np.testing.assert_array_equal(grid.plane(), plane)   # the bad cell keeps its last valid value
    with qtbot.waitSignal(grid.cell_edited):
        grid.item(0, 0).setText("2,5")                     # decimal comma
    assert not grid.invalid_cells and grid.plane()[0, 0] == 2.5


def test_kernel_text_is_exact_so_enter_gives_back_the_same_kernel(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "box-blur")
    before = state.kernels[0].copy()
    assert editor.text_edit.text().startswith("0.1111111111111111, ")
    editor.text_edit.returnPressed.emit()
    np.testing.assert_array_equal(state.kernels[0], before)


def test_preset_picker_follows_the_library_groups(qtbot, explorer_page):
    from cnn_explorer.core.kernels.library import GROUPS, MAX_SIDE

    editor = explorer_page.kernel_editor
    combo = editor.preset_combo
    headers = [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i) is None][1:]
    assert headers == [g.upper() for g in GROUPS]
    assert editor.rows_spin.maximum() == editor.cols_spin.maximum() == MAX_SIDE


def test_a_stack_too_wide_for_tabs_shows_a_list_of_its_kernels(qtbot):
    """Issue 13: four line detectors in a narrow column pushed the fourth tab out of its bar; the
    stack now shows every tab while all fit and a list with previous / next buttons when they do not."""
    import layout_check as lc  # tests/ui/layout_check.py

    from cnn_explorer.ui.explorer.kernel_editor import KernelEditor
    from cnn_explorer.ui.explorer.state import ExplorerState

    state = ExplorerState()
    editor = KernelEditor(state)
    qtbot.addWidget(editor)
    editor.set_preset("line-1")
    for name in ("line-2", "line-3", "line-4"):
        editor.add_preset(name)
    selector, tabs = editor.kernel_selector, editor.tabs
    editor.resize(max(editor.minimumSizeHint().width(), tabs.full_width() + 200), 700)
    editor.show()
    qtbot.waitUntil(lambda: editor.isVisible() and tabs.width() >= tabs.full_width())
    assert not selector.is_compact() and tabs.isVisible() and not selector.combo.isVisible()
    assert lc.tab_bar_problems(tabs) == []
    assert [tabs.tabToolTip(i) for i in range(4)] == ["line-1", "line-2", "line-3", "line-4"]

    editor.resize(editor.minimumSizeHint().width(), 700)      # the 1366x768 column: the tabs do not fit
    qtbot.waitUntil(lambda: selector.is_compact())
    assert not tabs.isVisible() and selector.combo.isVisible()
    assert selector.width() < tabs.full_width()
    assert [selector.combo.itemText(i) for i in range(4)] == ["line-1", "line-2", "line-3", "line-4"]
    assert selector.combo.currentIndex() == 3 and editor.current_index == 3
    assert not selector.next_button.isEnabled()
    assert lc.text_problems(editor) == [] and lc.squash_problems(editor) == []

    selector.previous_button.click()                          # previous / next walk the stack
    assert editor.current_index == 2 and selector.combo.currentIndex() == 2
    np.testing.assert_array_equal(editor.current_kernel(), state.kernels[2])
    selector.combo.setCurrentIndex(0)
    selector.combo.activated.emit(0)                          # choosing in the list edits that kernel
    assert editor.current_index == 0 and tabs.currentIndex() == 0 and not selector.previous_button.isEnabled()
    editor.remove_kernel()                                    # the list follows the stack
    assert [selector.combo.itemText(i) for i in range(selector.combo.count())] == ["line-2", "line-3", "line-4"]
    editor.resize(tabs.full_width() + 200, 700)               # wide again: every tab, none scrolled away
    qtbot.waitUntil(lambda: tabs.isVisible() and tabs.width() >= tabs.full_width())
    assert not selector.is_compact() and not selector.combo.isVisible()
    assert lc.tab_bar_problems(tabs) == [] and tabs.currentIndex() == editor.current_index == 0
