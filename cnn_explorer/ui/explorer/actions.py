"""ExplorerActions: the explorer's file and clipboard actions (open, save, kernels, samples, copy, paste).

Dialogs only pick a path; the work is in plain methods (``save_image_to``,
``load_kernel_from``, ``paste_from``...) that tests call directly. Failures show
a message (inline and in the status bar) and change nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QObject, QSettings, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.grid_text import parse_rows
from cnn_explorer.core.io.image_save import save_grid, save_image
from cnn_explorer.core.io.images import GRID_SUFFIXES
from cnn_explorer.core.kernels.library import (
    load_kernels_info,
    save_kernel,
    save_kernels,
)
from cnn_explorer.core.kernels.samples import SAMPLES, get_sample
from cnn_explorer.ui.explorer.canvas import display_range
from cnn_explorer.ui.explorer.page import ExplorerPage
from cnn_explorer.ui.explorer.state import ImageOrigin
from cnn_explorer.ui.file_checks import MAX_TEXT_BYTES, check_file
from cnn_explorer.ui.widgets.inline_message import file_problem

IMAGE_FILTER = "Images and grids (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.csv *.npy);;All files (*)"
SAVE_IMAGE_FILTER = "PNG image (*.png);;NumPy grid, exact (*.npy);;CSV grid, exact (*.csv)"
KERNEL_FILTER = "Kernel files (*.json *.csv)"



def display_pixels(image: np.ndarray) -> np.ndarray:
    """An (H, W) or (H, W, 3) array as the window shows it, uint8 (grey grids stretched min..max to black..white)."""
    if image.ndim == 3:
        return np.ascontiguousarray(np.clip(image, 0, 255).astype(np.uint8))
    lo, hi = display_range(image)
    return np.ascontiguousarray(np.clip((image - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8))


def image_to_qimage(image: np.ndarray) -> QImage:
    """An (H, W) or (H, W, 3) array as an 8-bit QImage (see ``display_pixels``)."""
    data = display_pixels(image)
    h, w = data.shape[:2]
    if data.ndim == 3:
        return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def grid_from_text(text: str) -> np.ndarray:
    """Numbers pasted as text (rows on lines or separated by ';', cells by commas/spaces) -> (H, W) grid."""
    rows = [r for r in re.split(r"[;\n\r]+", text) if r.strip()]
    return parse_rows(rows, "pasted grid")


class ExplorerActions(QObject):
    """QActions for the File and Edit menus of the explorer page."""

    status_message = Signal(str)

    def __init__(self, page: ExplorerPage, dialog_parent: QWidget, settings: QSettings | None = None) -> None:
        super().__init__(page)
        self._page = page
        self._state = page.state
        self._parent = dialog_parent
        self._settings = settings

        def action(text: str, slot, shortcut=None, tip: str = "") -> QAction:
            act = QAction(text, dialog_parent)
            if shortcut is not None:
                act.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
            if tip:
                act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.open_action = action("&Open image…", self.open_image_dialog, QKeySequence.StandardKey.Open, "Open an image or a .csv/.npy grid")
        self.save_image_action = action("&Save image…", self.save_image_dialog, QKeySequence.StandardKey.Save, "Save the input image (PNG, or an exact .npy/.csv grid)")
        self.save_kernel_action = action("Save &kernel…", self.save_kernel_dialog, None, "Save the kernel stack (.json) or one kernel (.csv)")
        self.load_kernel_action = action("&Load kernel…", self.load_kernel_dialog, None, "Load a kernel or a kernel stack from .json or .csv")
        self.copy_image_action = action("&Copy image", self.copy_image, QKeySequence.StandardKey.Copy, "Copy the input image to the clipboard")
        self.copy_maps_action = action("Copy &maps", self.copy_maps, QKeySequence("Ctrl+Shift+C"), "Copy the maps panel as a picture")
        self.paste_action = action("&Paste image", self.paste, QKeySequence.StandardKey.Paste, "Paste an image, an image file or a grid of numbers")
        page.input_panel.open_requested.connect(self.open_image_dialog)
        page.kernel_editor.save_requested.connect(self.save_kernel_dialog)
        page.kernel_editor.load_requested.connect(self.load_kernel_dialog)

    # ----------------------------------------------------------------- samples
    def build_samples_menu(self, menu: QMenu) -> None:
        """Fill ``menu`` with every core sample by its human name, in one submenu a topic
        ("Convolution step by step", "Edges and image filters", ... "Photos").

        Entries name photos without decoding them; the descriptions (status tips) of a
        submenu's photos are filled when it first opens, so start-up stays fast.
        """
        self._pending_menus: list[tuple[QMenu, list[str]]] = []
        for topic, names in SAMPLES.by_topic().items():
            sub = menu.addMenu(topic.replace("&", "&&"))
            for name in names:
                act = sub.addAction(SAMPLES.label_of(name).replace("&", "&&"))
                act.setData(name)
                act.triggered.connect(lambda _checked=False, n=name: self.open_sample(n))
            self._pending_menus.append((sub, names))
            sub.aboutToShow.connect(self.fill_sample_menus)

    def fill_sample_menus(self) -> None:
        """Give every sample entry its description as a status tip (decodes the photos)."""
        pending, self._pending_menus = self._pending_menus, []
        for sub, _names in pending:
            for act in sub.actions():
                act.setStatusTip(" ".join(SAMPLES[act.data()].description.split()))

    def open_sample(self, name: str) -> None:
        """Open a core sample with its slide's kernel and settings (one undo step)."""
        try:
            sample = get_sample(name)
            self._state.apply_sample(sample)
        except CnnExplorerError as exc:
            self._fail(str(exc))
            return
        self._remember("explorer/last_sample", name)
        self._page.input_panel.message.clear_message()
        self._succeed(f"Sample: {' '.join(sample.label.split())}", kernel=True)

    # ----------------------------------------------------------------- images
    def open_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open image", self._last_dir(), IMAGE_FILTER)
        if path:
            self._remember("explorer/last_dir", str(Path(path).parent))
            self._page.input_panel.load_file(path)

    def save_image_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save image", self._last_dir(), SAVE_IMAGE_FILTER)
        if path:
            self._remember("explorer/last_dir", str(Path(path).parent))
            self.save_image_to(path)

    def save_image_to(self, path: str | Path) -> bool:
        """Write the input image: a picture as the window shows it (.png, no suffix, other picture types)
        or an exact grid (.npy, .csv/.txt with RGB channels as blocks), by core's writers."""
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".png")
        try:
            if path.suffix.lower() in GRID_SUFFIXES:
                save_grid(path, self._state.image)
            else:
                save_image(path, display_pixels(self._state.image))
        except CnnExplorerError as exc:  # a full disk, a protected folder: the old file is unchanged (atomic write)
            self._fail(str(exc).replace(str(path), path.name))
            return False
        self._succeed(f"Saved the image to {path}")
        return True

    # ----------------------------------------------------------------- kernels
    def save_kernel_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save kernel", self._last_dir(), KERNEL_FILTER)
        if path:
            self._remember("explorer/last_dir", str(Path(path).parent))
            self.save_kernel_to(path)

    def save_kernel_to(self, path: str | Path) -> bool:
        """Save the stack (.json) or, for one kernel, .json or .csv; a stack to .csv saves the current kernel."""
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        kernels, names = self._state.kernels, self._state.kernel_names
        try:
            if len(kernels) > 1 and path.suffix.lower() == ".json":
                save_kernels(path, kernels, names)
            else:
                index = self._page.kernel_editor.current_index
                save_kernel(path, kernels[index], names[index])
        except CnnExplorerError as exc:  # a full disk, a protected folder: the old file is unchanged (atomic write)
            self._fail(str(exc).replace(str(path), path.name), kernel=True)
            return False
        self._succeed(f"Saved the kernel{'s' if len(kernels) > 1 and path.suffix.lower() == '.json' else ''} to {path}",
                      kernel=True)
        return True

    def load_kernel_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Load kernel", self._last_dir(), KERNEL_FILTER)
        if path:
            self._remember("explorer/last_dir", str(Path(path).parent))
            self.load_kernel_from(path)

    def load_kernel_from(self, path: str | Path) -> bool:
        """Load one kernel into the current tab, or a stack file as the whole stack; bad files change nothing."""
        path = Path(path)
        try:
            check_file(path, "kernel file", limit=MAX_TEXT_BYTES)  # never opens a FIFO or /dev/zero
            infos = load_kernels_info(path)
            if len(infos) == 1:
                name = infos[0].name or path.stem
                self._state.set_kernel(self._page.kernel_editor.current_index, np.array(infos[0].values), name, text=f"Load {path.name}")
            else:
                names = [info.name or f"{path.stem} {i + 1}" for i, info in enumerate(infos)]
                self._state.set_kernels([np.array(info.values) for info in infos], names, text=f"Load {path.name}")
        except (CnnExplorerError, OSError) as exc:
            self._fail(file_problem(path, exc, "the kernels are unchanged"), kernel=True)
            return False
        self._succeed(f"Loaded {len(infos)} kernel{'s' if len(infos) > 1 else ''} from {path.name}", kernel=True)
        return True

    # ----------------------------------------------------------------- clipboard
    def copy_image(self) -> None:
        QGuiApplication.clipboard().setImage(image_to_qimage(self._state.image))
        self.status_message.emit("Copied the input image")

    def copy_maps(self) -> None:
        QGuiApplication.clipboard().setPixmap(self._page.maps_panel.grab())
        self.status_message.emit("Copied the maps as a picture")

    def paste(self) -> bool:
        return self.paste_from(QGuiApplication.clipboard().mimeData())

    def paste_from(self, mime: QMimeData | None) -> bool:
        """Paste image data, an image file (URL) or a text grid of numbers; anything else: a message."""
        panel = self._page.input_panel
        if mime is None:
            self._fail("paste: the clipboard is empty")
            return False
        if mime.hasImage():
            return panel.load_qimage(QImage(mime.imageData()), "pasted image")
        urls = [u for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        if urls:
            return panel.load_file(urls[0].toLocalFile())
        text = mime.text().strip() if mime.hasText() else ""
        # os.path.lexists, not Path.is_file: a long pasted grid is no valid file name (OSError ENAMETOOLONG);
        # a pasted path to a FIFO, device or folder goes to load_file too, which refuses it with a message
        if text and "\n" not in text and os.path.lexists(os.path.expanduser(text)):
            return panel.load_file(Path(text).expanduser())
        if text:
            try:
                grid = grid_from_text(text)
            except CnnExplorerError as exc:
                self._fail(f"{exc} — the current image is kept")
                return False
            self._state.set_image(grid, source="pasted grid", text="Paste grid", origin=ImageOrigin("pasted grid"))
            self._succeed(f"Pasted a {grid.shape[0]}×{grid.shape[1]} grid")
            return True
        self._fail("paste: the clipboard holds no image, file or numbers")
        return False

    # ----------------------------------------------------------------- helpers
    def _fail(self, text: str, *, kernel: bool = False) -> None:
        """Show ``text`` inline (under the kernel editor or the input) and in the status bar."""
        text = " ".join(text.split())
        panel = self._page.kernel_editor if kernel else self._page.input_panel
        panel.message.show_error(text)
        self.status_message.emit(text)

    def _succeed(self, text: str, *, kernel: bool = False) -> None:
        """A success: the panel's old error banner goes (it no longer applies) and ``text`` goes to the status bar."""
        panel = self._page.kernel_editor if kernel else self._page.input_panel
        panel.message.clear_message()
        self.status_message.emit(text)

    def _last_dir(self) -> str:
        if self._settings is None:
            return ""
        return str(self._settings.value("explorer/last_dir", "", str) or "")

    def _remember(self, key: str, value: str) -> None:
        if self._settings is not None:
            self._settings.setValue(key, value)
