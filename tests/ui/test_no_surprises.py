"""Issue 11, "no surprises": a sample or preset brings what belongs to it, one undo takes it back,
messages speak the user's language and are the same on every page, the canvas caption says what is shown."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtWidgets import QToolButton

from cnn_explorer.core.conv.convolution import ConvSettings
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.samples import get_sample

#: what no message a user sees may contain (decoder names, exception classes, Python internals)
JARGON = ("Pillow", "PIL", "Error:", "Exception", "Traceback", "errno", "<", "0x", "BytesIO", "Errno")


def _snapshot(state):
    return {
        "image": state.image.copy(), "source": state.image_source, "origin": state.image_origin,
        "kernels": [k.copy() for k in state.kernels], "names": state.kernel_names,
        "conv": state.conv, "activation": state.activation, "pool": state.pool,
    }


def _assert_same(state, snap):
    np.testing.assert_array_equal(state.image, snap["image"])
    assert state.image.shape == snap["image"].shape
    assert (state.image_source, state.image_origin) == (snap["source"], snap["origin"])
    assert len(state.kernels) == len(snap["kernels"])
    for a, b in zip(state.kernels, snap["kernels"]):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert state.kernel_names == snap["names"]
    assert (state.conv, state.activation, state.pool) == (snap["conv"], snap["activation"], snap["pool"])


def _open_xo_and_wander(window):
    """The X/O sample, then what a class does with it: pooling stage, a later step, a bias."""
    explorer = window.explorer
    window.explorer_actions.open_sample("004")
    explorer.state.recompute_now()
    explorer.show_step_by_step()
    panel = explorer.animation_panel
    panel.set_kernel(2)
    panel.set_stage("pool")
    panel.set_step(5)
    assert (panel.stage, panel.kernel_index, panel.step) == ("pool", 2, 5)
    return explorer


def _choose_preset(editor, name):
    index = editor.preset_combo.findData(name)
    assert index >= 0, name
    editor.preset_combo.setCurrentIndex(index)
    editor.preset_combo.activated.emit(index)


# --------------------------------------------------------------------------- samples and presets
def test_the_sobel_sample_after_xo_brings_its_own_kernel_and_settings(qtbot, main_window):
    explorer = _open_xo_and_wander(main_window)
    state, panel, editor = explorer.state, explorer.animation_panel, explorer.kernel_editor
    assert state.conv.normalize and len(state.kernels) == 3
    main_window.explorer_actions.open_sample("001-1")
    state.recompute_now()
    assert len(state.kernels) == 1 and state.kernel_names == ("sobel-top",)
    assert (state.conv.normalize, state.conv.bias, state.conv.flip) == (False, 0.0, False)
    assert state.conv == get_sample("001-1").conv
    assert (state.activation, state.pool) == ("none", None)
    assert not editor.normalize_check.isChecked() and editor.tabs.count() == 1
    # the animation starts again at step 1 of the convolution, first kernel
    assert (panel.stage, panel.kernel_index, panel.step) == ("conv", 0, 0)
    text = panel.arithmetic_text()
    assert text.endswith("= 295")
    assert "/ 9" not in text and "÷" not in text


def test_reset_requested_tells_views_to_start_over_on_apply_undo_and_redo(qtbot, explorer_page):
    state = explorer_page.state
    seen = []
    state.reset_requested.connect(lambda: seen.append(len(state.kernels)))
    state.apply_sample(get_sample("004"))
    state.undo_stack.undo()
    state.undo_stack.redo()
    assert seen == [3, 1, 3]
    state.set_kernels([np.ones((2, 2))])          # an ordinary edit keeps the step
    assert seen == [3, 1, 3]


def test_a_preset_replaces_the_stack_and_resets_normalize_bias_and_flip(qtbot, main_window):
    explorer = _open_xo_and_wander(main_window)
    state, editor, panel = explorer.state, explorer.kernel_editor, explorer.animation_panel
    editor.bias_spin.setValue(2.5)
    editor.flip_check.setChecked(True)
    state.set_settings(conv=ConvSettings(**{**state.conv.__dict__, "stride": (2, 2)}))
    assert (state.conv.normalize, state.conv.bias, state.conv.flip) == (True, 2.5, True)
    _choose_preset(editor, "sobel-top")
    state.recompute_now()
    assert len(state.kernels) == 1 and state.kernel_names == ("sobel-top",) and editor.tabs.count() == 1
    assert (state.conv.normalize, state.conv.bias, state.conv.flip) == (False, 0.0, False)
    assert state.conv.stride == (2, 2)                          # settings that are not the kernel's stay
    assert not editor.normalize_check.isChecked() and not editor.flip_check.isChecked()
    assert editor.bias_spin.value() == 0.0
    panel.set_stage("conv")
    panel.set_step(0)
    text = panel.arithmetic_text()
    assert "/ 9" not in text and "÷" not in text
    assert text.rsplit("= ", 1)[1] == "−2"                      # 9×9 X under the top Sobel, cell (0, 0)
    # the X/O features are meant with normalize, as the slides use them
    _choose_preset(editor, "xo-x")
    assert state.conv.normalize and editor.normalize_check.isChecked() and len(state.kernels) == 1


def test_one_ctrl_z_restores_the_xo_state_exactly_and_redo_reapplies(qtbot, main_window):
    explorer = _open_xo_and_wander(main_window)
    state = explorer.state
    explorer.kernel_editor.bias_spin.setValue(0.5)
    xo = _snapshot(state)
    main_window.explorer_actions.open_sample("001-1")
    sobel = _snapshot(state)
    main_window.activateWindow()
    qtbot.keyClick(main_window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _assert_same(state, xo)
    assert explorer.kernel_editor.normalize_check.isChecked() and explorer.kernel_editor.tabs.count() == 3
    assert explorer.kernel_editor.bias_spin.value() == 0.5
    main_window.redo_action.trigger()
    _assert_same(state, sobel)
    # a preset is one undo step too
    main_window.undo_action.trigger()
    _choose_preset(explorer.kernel_editor, "sobel-top")
    main_window.undo_action.trigger()
    _assert_same(state, xo)
    main_window.redo_action.trigger()
    assert state.kernel_names == ("sobel-top",) and not state.conv.normalize and state.conv.bias == 0.0


def test_add_preset_builds_a_stack_from_the_plus_menu(qtbot, explorer_page):
    state, editor = explorer_page.state, explorer_page.kernel_editor
    _choose_preset(editor, "sobel-left")
    plus = next(b for b in editor.findChildren(QToolButton) if b.text() == "+")
    menu_actions = [a for sub in plus.menu().actions() for a in sub.menu().actions()]
    next(a for a in menu_actions if a.text() == "sobel-right").trigger()
    assert state.kernel_names == ("sobel-left", "sobel-right") and editor.current_index == 1
    state.undo_stack.undo()
    assert state.kernel_names == ("sobel-left",)


# --------------------------------------------------------------------------- messages
def _bad_files(tmp_path):
    """Files a user might open by mistake: text, a PNG header with nothing behind it, a cut-off PNG."""
    text = tmp_path / "notes.png"
    text.write_text("hello, I am text\n")
    header = tmp_path / "header.png"
    header.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    good = tmp_path / "good.png"
    Image.fromarray((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    return [text, header, cut, empty]


def _assert_plain(message: str) -> None:
    assert message
    for word in JARGON:
        assert word not in message, (word, message)


def test_the_same_bad_file_reads_the_same_on_explorer_and_classify(qtbot, main_window, tmp_path):
    explorer = main_window.explorer
    classify = main_window.classify_page()
    for bad in _bad_files(tmp_path):
        assert explorer.input_panel.load_file(bad) is False
        on_explorer = explorer.input_panel.message.text()
        assert classify.open_picture(bad) is False
        on_classify = classify.message.text()
        assert on_explorer == on_classify, bad.name
        assert on_explorer.startswith(f"{bad.name}: ") and str(tmp_path) not in on_explorer
        assert on_explorer.endswith("— the current image is kept")
        _assert_plain(on_explorer)
    # dropped onto the Explorer (a file URL) and pasted: the very same words
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "cut.png"))])
    assert main_window.explorer_actions.paste_from(mime) is False
    pasted = explorer.input_panel.message.text()
    assert classify.open_picture(tmp_path / "cut.png") is False
    assert pasted == classify.message.text()
    assert pasted.startswith("cut.png: not a readable image (the file is cut short")


def test_a_bad_picture_in_a_training_folder_is_named_in_the_same_words(tmp_path):
    from cnn_explorer.core.datasets.folder import load_image_folder
    from cnn_explorer.ui.widgets.inline_message import file_problem

    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        Image.fromarray(np.full((8, 8), 100 if label == "cat" else 200, np.uint8)).save(tmp_path / label / "a.png")
    bad = tmp_path / "dog" / "notes.png"
    bad.write_text("hello, I am text\n")
    with pytest.raises(CnnExplorerError) as info:
        load_image_folder(tmp_path)
    explorer_words = file_problem(bad, CnnExplorerError(f"{bad}: not a readable image (not a PNG, JPEG, BMP, GIF, "
                                                        "TIFF or WebP file)"), kept="")
    assert str(info.value).endswith(explorer_words)
    _assert_plain(str(info.value).replace(str(tmp_path), ""))


def test_file_problem_speaks_without_exception_names():
    from cnn_explorer.ui.widgets.inline_message import file_problem

    cases = {
        FileNotFoundError(2, "No such file or directory"): "x.png: file not found — the current image is kept",
        PermissionError(13, "Permission denied"): "x.png: permission denied",
        RuntimeError("decoder jpeg not available"): "x.png: not a readable image (the file is damaged",
        ValueError("<PIL.PngImagePlugin object at 0x7f>"): "x.png: not a readable image (the file is damaged",
    }
    for exc, start in cases.items():
        text = file_problem("/some/folder/x.png", exc)
        assert text.startswith(start), text
        _assert_plain(text)
    assert file_problem("/k/s.json", CnnExplorerError("kernel file '/k/s.json': invalid JSON at line 1"),
                        "the kernels are unchanged") == "kernel file s.json: invalid JSON at line 1 — the kernels are unchanged"


def test_a_success_after_an_error_hides_the_banner(qtbot, main_window, tmp_path):
    explorer, actions = main_window.explorer, main_window.explorer_actions
    banner = explorer.input_panel.message
    bad = _bad_files(tmp_path)[0]
    for success in (lambda: actions.open_sample("000-1"),
                    lambda: actions.paste_from(_text_mime("1 2; 3 4")),
                    lambda: explorer.input_panel.load_file(tmp_path / "good.png"),
                    lambda: explorer.input_panel.new_canvas(16),
                    lambda: actions.save_image_to(tmp_path / "saved.png")):
        assert explorer.input_panel.load_file(bad) is False
        assert banner.is_error and not banner.isHidden()
        assert success() is not False
        assert banner.isHidden() and not banner.text()
    # the kernel editor's banner too
    kernel_banner = explorer.kernel_editor.message
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert actions.load_kernel_from(broken) is False
    assert kernel_banner.is_error
    _assert_plain(kernel_banner.text())
    _choose_preset(explorer.kernel_editor, "sobel-top")
    assert kernel_banner.isHidden()
    assert actions.load_kernel_from(broken) is False
    assert actions.save_kernel_to(tmp_path / "k.json")
    assert kernel_banner.isHidden()


def _text_mime(text: str) -> QMimeData:
    mime = QMimeData()
    mime.setText(text)
    return mime


# --------------------------------------------------------------------------- canvas caption
def test_the_canvas_caption_says_what_is_shown(qtbot, main_window, tmp_path):
    explorer, actions = main_window.explorer, main_window.explorer_actions
    state, panel = explorer.state, explorer.input_panel

    def caption():
        return panel.info_label.text()

    assert caption().startswith("blank canvas 28×28 ·")
    panel.new_canvas(16)
    state.set_cell(3, 3, 255.0)
    assert caption().startswith("your drawing 16×16 ·")
    actions.open_sample("000-1")
    assert caption().startswith("slide grid 6×6 (000-1) ·")
    assert panel.size_combo.currentText() == "6×6"             # not "photo 6×6"
    actions.open_sample("004")
    assert caption() == "slide grid 9×9 (004) · values\u00a0−1\u00a0…\u00a01"
    actions.open_sample("checkerboard")
    assert caption().startswith("synthetic picture 64×64 (checkerboard)")
    big = tmp_path / "street.png"
    Image.fromarray(np.full((1536, 2048, 3), (200, 10, 10), np.uint8)).save(big)
    assert panel.load_file(big)
    assert caption().startswith("photo street.png 1024×768 RGB (scaled from 2048×1536) ·")
    assert actions.paste_from(_text_mime("1 2 3; 4 5 6"))
    assert caption().startswith("pasted grid 3×2 ·")
    grid = tmp_path / "numbers.csv"
    grid.write_text("1,2\n3,4\n")
    assert panel.load_file(grid)
    assert caption().startswith("grid numbers.csv 2×2 ·")
    state.undo_stack.undo()
    assert caption().startswith("pasted grid 3×2 ·")
    for _ in range(4):                                            # grid file, picture, checkerboard, X
        state.undo_stack.undo()
    assert caption().startswith("slide grid 6×6 (000-1) ·")
    _assert_plain(caption())
