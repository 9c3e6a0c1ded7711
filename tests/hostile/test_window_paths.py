"""The window's file paths never freeze and never lose anything: Open, paste, drop, Load kernel, Classify's
picture loader, Load model, the dataset file or folder, and Save image / Save kernel.

Each hostile file (a FIFO, /dev/zero, a socket, a huge file, a folder) goes through each path as
a user gives it (the file dialog answered by the test, a paste, a drop). A case passes when a
message names the file, the image / kernels / model / dataset in use stay as they were, the
handler returns at once, and no exception escapes to Qt.

(Named test_window_paths.py, not test_window.py: tests/ui/test_window.py has that module name.)
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from writes_helpers import fill_disk_after, make_read_only, snapshot, stray_temporaries

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and /dev/zero are POSIX")

#: a handler that takes longer than this froze the window
QUICK_S = 3.0


@pytest.fixture(scope="module")
def hostile():
    """name -> path of each hostile file; a short folder name, as a socket's path must stay under 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="cnnx-"))
    os.mkfifo(folder / "fifo.png")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(folder / "sock.png"))
    with open(folder / "huge.png", "wb") as fh:  # sparse: 3 GB on paper, nothing on the disk
        fh.truncate(3 * 1024**3)
    (folder / "folder.png").mkdir()
    files = {"fifo": folder / "fifo.png", "socket": folder / "sock.png", "zero": Path("/dev/zero"),
             "huge": folder / "huge.png", "folder": folder / "folder.png"}
    yield files
    sock.close()
    for p in folder.iterdir():
        p.rmdir() if p.is_dir() else p.unlink()
    folder.rmdir()


EXPECTED = {"fifo": "FIFO", "socket": "socket", "zero": "device", "huge": "the window opens files up to",
            "folder": "folder"}
KINDS = list(EXPECTED)


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from cnn_explorer.ui.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _quick(qtbot, call):
    """Run ``call`` as Qt would (exceptions captured: none may escape) and check it came back at once."""
    start = time.monotonic()
    with qtbot.captureExceptions() as escaped:
        result = call()
    assert escaped == [], escaped
    assert time.monotonic() - start < QUICK_S
    return result


def _answer_dialogs(monkeypatch, path):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(path)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


class _Drop:
    """What a drop event hands the page: its mime data; accepting it is recorded."""

    def __init__(self, mime):
        self._mime, self.accepted = mime, False

    def mimeData(self):  # noqa: N802 - Qt API
        return self._mime

    def acceptProposedAction(self):  # noqa: N802 - Qt API
        self.accepted = True


def _url_mime(path):
    from PySide6.QtCore import QMimeData, QUrl

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def _text_mime(text):
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText(text)
    return mime


@pytest.mark.parametrize("kind", KINDS)
def test_explorer_open_paste_drop_and_load_kernel_refuse_hostile_files(qtbot, window, monkeypatch, hostile, kind):
    path, expected = hostile[kind], EXPECTED[kind]
    actions, state = window.explorer_actions, window.explorer.state
    panel, editor = window.explorer.input_panel, window.explorer.kernel_editor
    image, kernels, undo = state.image.copy(), [k.copy() for k in state.kernels], state.undo_stack.count()
    _answer_dialogs(monkeypatch, path)
    for how, call in [
        ("open", actions.open_image_dialog),
        ("paste a file", lambda: actions.paste_from(_url_mime(path))),
        ("paste a path", lambda: actions.paste_from(_text_mime(str(path)))),
        ("drop", lambda: panel.dropEvent(_Drop(_url_mime(path)))),
    ]:
        panel.message.clear_message()
        _quick(qtbot, call)
        assert expected in panel.message.text() and path.name in panel.message.text(), (how, panel.message.text())
        assert "the current image is kept" in panel.message.text()
    editor.message.clear_message()
    _quick(qtbot, actions.load_kernel_dialog)
    assert expected in editor.message.text() or kind == "huge", editor.message.text()
    assert path.name in editor.message.text() and "the kernels are unchanged" in editor.message.text()
    np.testing.assert_array_equal(state.image, image)
    assert all(np.array_equal(a, b) for a, b in zip(state.kernels, kernels)) and len(state.kernels) == len(kernels)
    assert state.undo_stack.count() == undo


def test_a_long_pasted_grid_is_no_file_name(qtbot, window):
    actions, state = window.explorer_actions, window.explorer.state
    text = "\n".join(" ".join("1" for _ in range(300)) for _ in range(300))  # 180,000 characters
    assert _quick(qtbot, lambda: actions.paste_from(_text_mime(text)))
    assert state.image.shape == (300, 300)


@pytest.mark.parametrize("failure", ["disk full", "protected"])
def test_save_image_and_save_kernel_keep_the_old_file(qtbot, window, monkeypatch, tmp_path, failure):
    actions, panel, editor = window.explorer_actions, window.explorer.input_panel, window.explorer.kernel_editor
    for name in ("picture.png", "kernel.json"):
        (tmp_path / name).write_bytes(b"the user's previous file " * 1000)
    before = snapshot(tmp_path)
    for name, dialog, message in [("picture.png", actions.save_image_dialog, panel.message),
                                  ("kernel.json", actions.save_kernel_dialog, editor.message)]:
        _answer_dialogs(monkeypatch, tmp_path / name)
        if failure == "disk full":
            fill_disk_after(monkeypatch, 7)
            words = f"the disk is full: {name} was not changed"
        else:
            make_read_only(monkeypatch, tmp_path)
            words = "permission denied"
        _quick(qtbot, dialog)
        monkeypatch.undo()
        assert words in message.text(), message.text()
        assert ".tmp" not in message.text()
    assert {k: v for k, v in snapshot(tmp_path).items() if k != "s.ini"} == \
        {k: v for k, v in before.items() if k != "s.ini"}
    assert stray_temporaries(tmp_path) == []


@pytest.fixture
def classify_page(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from cnn_explorer.core.train.checkpoints import load_model
    from cnn_explorer.ui.classify.page import ClassifyPage

    page = ClassifyPage(settings=QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(page)
    page.set_model(load_model("mnist"))
    page.show()
    qtbot.waitExposed(page)
    yield page
    page.shutdown()


def test_classify_picture_loader_drop_and_load_model_refuse_hostile_files(qtbot, classify_page, monkeypatch, hostile):
    page = classify_page
    model = page.controller.loaded
    for kind in KINDS:
        path, expected = hostile[kind], EXPECTED[kind]
        _answer_dialogs(monkeypatch, path)
        picture, revision = page.canvas.array().copy(), page.canvas.revision
        for how, call in [("open", page.open_picture_dialog), ("drop", lambda: page.dropEvent(_Drop(_url_mime(path)))),
                          ("load model", page.load_model_dialog)]:
            _quick(qtbot, call)
            if how == "load model" and kind in ("folder", "huge"):  # a model may be a folder or large: the worker
                qtbot.waitUntil(lambda: not page.controller.is_loading, timeout=20000)  # says why, off the GUI thread
                assert path.name in page.message.text()
                continue
            assert expected in page.message.text() and path.name in page.message.text(), (kind, how)
            assert not page.controller.is_loading
        assert np.array_equal(page.canvas.array(), picture) and page.canvas.revision == revision
        assert page.controller.loaded is model  # the model in use is kept


@pytest.mark.parametrize("kind", ["fifo", "socket", "zero"])
def test_train_page_dataset_file_and_load_model_refuse_hostile_files(qtbot, monkeypatch, hostile, kind, tmp_path):
    from PySide6.QtCore import QSettings

    from cnn_explorer.ui.train.page import TrainPage

    page = TrainPage(settings=QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(page)
    try:
        path = hostile[kind]
        spec = page.state.spec
        _answer_dialogs(monkeypatch, path)
        _quick(qtbot, page.data_panel.file_button.click)
        assert not page.data_panel.is_loading()
        assert EXPECTED[kind] in page.data_panel.message.text() and path.name in page.data_panel.message.text()
        _quick(qtbot, page.data_panel.folder_button.click)
        assert not page.data_panel.is_loading() and EXPECTED[kind] in page.data_panel.message.text()
        _quick(qtbot, page.load_button.click)  # Load model…
        assert EXPECTED[kind] in page.run_message.text() and page.state.spec == spec
    finally:
        page.shutdown()


def test_a_large_file_is_read_on_a_worker_and_the_window_keeps_working(qtbot, window, tmp_path):
    from cnn_explorer.ui.background_read import BACKGROUND_BYTES

    panel, state = window.explorer.input_panel, window.explorer.state
    big = tmp_path / "big.npy"
    np.save(big, np.tile(np.arange(1500.0), (1500, 1)))  # 18 MB
    assert big.stat().st_size > BACKGROUND_BYTES
    before = state.image.copy()
    assert _quick(qtbot, lambda: panel.load_file(big))  # returns at once: the read runs on a worker
    assert panel.is_reading() and "Opening big.npy" in panel.message.text()
    assert not panel.load_file(big) and "still opening" in panel.message.text()  # one read at a time
    np.testing.assert_array_equal(state.image, before)  # nothing changes until the read ends
    qtbot.waitUntil(lambda: not panel.is_reading(), timeout=60000)
    assert not np.array_equal(state.image, before) or panel.message.is_error
    if not panel.message.is_error:
        assert state.image.shape[1] == state.image.shape[0] and state.image.max() > 0
        assert state.undo_stack.canUndo()


def test_classify_reads_a_large_picture_on_a_worker(qtbot, classify_page, tmp_path):
    from PIL import Image

    from cnn_explorer.ui.background_read import BACKGROUND_BYTES

    page = classify_page
    big = tmp_path / "big.bmp"  # uncompressed: 2600 x 2300 x 3 bytes = 18 MB, written in a moment
    pixels = np.full((2300, 2600, 3), 255, np.uint8)
    pixels[800:1500, 1200:1400] = 0  # a dark stroke: a "1"
    Image.fromarray(pixels).save(big)
    assert big.stat().st_size > BACKGROUND_BYTES
    assert _quick(qtbot, lambda: page.open_picture(big))
    assert page.reader.is_running() and "Opening big.bmp" in page.message.text()
    qtbot.waitUntil(lambda: not page.reader.is_running(), timeout=60000)
    assert "Opened big.bmp" in page.message.text() and not page.canvas.is_empty()
