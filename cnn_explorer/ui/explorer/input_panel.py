"""InputPanel: the input image — drawing canvas or number grid, canvas size, grey/RGB, loading.

Images come from the Open dialog, drag-and-drop (files or image data), the
clipboard and the Samples menu. A file that cannot be read leaves the current
image untouched and shows why, inline and in the status bar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.images import GRID_SUFFIXES, image_from_bytes, load_input
from cnn_explorer.ui.background_read import BACKGROUND_BYTES, BackgroundRead
from cnn_explorer.ui.explorer.canvas import (
    NUMBERS_MAX_SIDE,
    DrawingCanvas,
    display_range,
)
from cnn_explorer.ui.explorer.pixel_grid import PixelGrid
from cnn_explorer.ui.explorer.state import ExplorerState, ImageOrigin
from cnn_explorer.ui.file_checks import check_file
from cnn_explorer.ui.widgets.fold import FoldRow, fit_spin_width
from cnn_explorer.ui.widgets.inline_message import InlineMessage, file_problem
from cnn_explorer.ui.widgets.qimage import png_bytes

#: Canvas sizes offered (square); "photo" keeps a loaded image's own size.
CANVAS_SIZES = (7, 9, 16, 28, 64, 128, 256, 512)
#: Loaded pictures larger than this per side are scaled down for live work.
MAX_LIVE_SIDE = 1024
_CHANNELS = ("R", "G", "B")
#: the canvas-size entry for any other size: choosing it opens a picture or grid
_OTHER_SIZE = "other size: open…"
#: what the canvas caption calls each kind of image (see ``ImageOrigin``)
_KIND_WORDS = {"slide": "slide grid", "synthetic": "synthetic picture", "photo": "photo", "picture": "photo",
               "grid": "grid", "pasted picture": "pasted picture", "pasted grid": "pasted grid"}


def image_caption(origin: ImageOrigin, image: np.ndarray) -> str:
    """What the canvas shows, e.g. "slide grid 6×6 (000-1)", "your drawing 16×16",
    "photo cat.jpg 1024×768 RGB (scaled from 4032×3024)"; then the value range."""
    h, w = image.shape[:2]
    size = f"{h}×{w}" if h == w else f"{w}×{h}"          # pictures are "width×height", as loaders say
    colour = " RGB" if image.ndim == 3 else ""
    lo, hi = float(image.min()), float(image.max())
    if origin.kind == "drawing":
        head = f"{'blank canvas' if lo == hi else 'your drawing'} {size}{colour}"
    elif origin.kind in ("slide", "synthetic", "photo"):
        head = f"{_KIND_WORDS[origin.kind]} {size}{colour} ({origin.name})"
    elif origin.kind in ("picture", "grid"):
        head = f"{_KIND_WORDS[origin.kind]} {Path(origin.name).name} {size}{colour}"
    else:
        head = f"{_KIND_WORDS.get(origin.kind, origin.name or 'image')} {size}{colour}"
    scaled = next((part.split(" to ")[0] for part in origin.note.split("; ") if part.startswith("scaled from ")), "")
    if scaled:
        head += f" ({scaled})"
    values = f"values {format_number(lo, 'cell')} … {format_number(hi, 'cell')}".replace(" ", "\u00a0")
    return f"{head} · {values}"                 # the range wraps as one piece


class InputPanel(QWidget):
    """Canvas, pixel grid, size and colour choice, brush tools; RGB channels as three small matrices."""

    status_message = Signal(str)
    open_requested = Signal()

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._scale = 1.0
        self.setAcceptDrops(True)
        self.reader = BackgroundRead(self, "picture-reader")  # large files are read off the GUI thread

        self.size_combo = QComboBox(self)
        for n in CANVAS_SIZES:
            self.size_combo.addItem(f"{n}×{n}", n)
        self.size_combo.addItem(_OTHER_SIZE, 0)
        self.size_combo.setToolTip("Canvas size: choosing a size starts a blank canvas (undo brings the old one back)")
        self.size_combo.activated.connect(self._on_size_combo_activated)
        self.grey_radio = QRadioButton("Grey", self)
        self.rgb_radio = QRadioButton("RGB", self)
        colour = QButtonGroup(self)
        colour.addButton(self.grey_radio)
        colour.addButton(self.rgb_radio)
        self.rgb_radio.toggled.connect(self._on_rgb_radio_toggled)
        open_button = QPushButton("Open…", self)
        open_button.setToolTip("Open an image, or a .csv/.npy grid (Ctrl+O); you can also drop a file here")
        open_button.clicked.connect(self.open_requested)

        self.view_combo = QComboBox(self)
        self.view_combo.addItem("Draw", "draw")
        self.view_combo.addItem("Numbers", "numbers")
        self.view_combo.setToolTip("Numbers: type each pixel's value (grids up to 16×16)")
        self.view_combo.currentIndexChanged.connect(self._on_view_combo_changed)
        self.ink_button = QToolButton(self)
        self.ink_button.setText("Ink")
        self.eraser_button = QToolButton(self)
        self.eraser_button.setText("Eraser")
        tools = QButtonGroup(self)
        for button in (self.ink_button, self.eraser_button):
            button.setCheckable(True)
            tools.addButton(button)
        self.ink_button.setChecked(True)
        self.eraser_button.toggled.connect(self._on_eraser_toggled)
        self.brush_spin = QSpinBox(self)
        self.brush_spin.setRange(1, 64)
        self.brush_spin.setPrefix("brush ")
        self.brush_spin.setSuffix(" px")
        self.brush_spin.setToolTip("Brush diameter in image pixels")
        self.ink_spin = QDoubleSpinBox(self)
        self.ink_spin.setRange(-1e6, 1e6)
        self.ink_spin.setDecimals(2)
        self.ink_spin.setPrefix("ink ")
        self.ink_spin.setToolTip("The value the brush writes (the eraser writes the background value)")
        self.ink_spin.setValue(255.0)
        self.channel_combo = QComboBox(self)
        for text, data in (("all channels", -1), ("R only", 0), ("G only", 1), ("B only", 2)):
            self.channel_combo.addItem(text, data)
        self.channel_combo.setToolTip("Which RGB channels the brush paints")
        clear_button = QPushButton("Clear", self)
        clear_button.setToolTip("Fill the canvas with the background value (undoable)")
        clear_button.clicked.connect(self.clear)
        undo_button = QToolButton(self)
        undo_button.setText("Undo")
        undo_button.setToolTip("Undo the last stroke or edit (Ctrl+Z)")
        undo_button.clicked.connect(state.undo_stack.undo)
        undo_button.setEnabled(state.undo_stack.canUndo())
        state.undo_stack.canUndoChanged.connect(undo_button.setEnabled)
        redo_button = QToolButton(self)
        redo_button.setText("Redo")
        redo_button.setToolTip("Redo (Ctrl+Shift+Z)")
        redo_button.clicked.connect(state.undo_stack.redo)
        redo_button.setEnabled(state.undo_stack.canRedo())
        state.undo_stack.canRedoChanged.connect(redo_button.setEnabled)

        self.canvas = DrawingCanvas(state, parent=self)
        self.canvas.hovered.connect(self.status_message)
        self.canvas.stroke_finished.connect(self._on_state_image_changed)
        self.pixel_grid = PixelGrid(state, parent=self)
        self.pixel_grid.message.connect(self._show_error)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.canvas)
        self.stack.addWidget(self.pixel_grid)

        # RGB: the three channels as tinted pictures under the canvas (Draw) ...
        self.channels_box = QWidget(self)
        channels_layout = QGridLayout(self.channels_box)
        channels_layout.setContentsMargins(0, 0, 0, 0)
        self.channel_canvases = [DrawingCanvas(state, channel=c, read_only=True, parent=self.channels_box) for c in range(3)]
        for c, view in enumerate(self.channel_canvases):
            channels_layout.addWidget(QLabel(f"{_CHANNELS[c]} channel", self.channels_box), 0, c, Qt.AlignmentFlag.AlignHCenter)
            view.setMinimumSize(80, 80)
            view.hovered.connect(self.status_message)
            channels_layout.addWidget(view, 1, c)
        # ... and as three editable number matrices, one above the other (Numbers), as slide 003 shows them
        self.channel_numbers = QWidget(self)
        self.channel_numbers.setMinimumSize(1, 1)
        numbers_layout = QVBoxLayout(self.channel_numbers)
        numbers_layout.setContentsMargins(0, 0, 0, 0)
        self.channel_grids = [PixelGrid(state, channel=c, parent=self.channel_numbers) for c in range(3)]
        for c, grid in enumerate(self.channel_grids):
            numbers_layout.addWidget(QLabel(f"{_CHANNELS[c]} channel", self.channel_numbers))
            grid.message.connect(self._show_error)
            grid.setMinimumHeight(40)
            numbers_layout.addWidget(grid, 1)
        self.stack.addWidget(self.channel_numbers)

        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)
        self.message = InlineMessage(self)

        # Rows that fold one control under another when the column is narrow (small screen, big scale).
        self.control_rows = [
            FoldRow([QLabel("Canvas", self), self.size_combo, open_button], self, stretch=self.size_combo),
            FoldRow([self.grey_radio, self.rgb_radio, self.view_combo], self, stretch=self.view_combo),
            FoldRow([self.ink_button, self.eraser_button, self.brush_spin], self, stretch=self.brush_spin),
            FoldRow([self.ink_spin, self.channel_combo], self, stretch=self.ink_spin),
            FoldRow([clear_button, undo_button, redo_button], self),
        ]
        fit_spin_width(self.brush_spin, "brush 64 px")
        fit_spin_width(self.ink_spin, "ink -255.00")
        controls = QVBoxLayout()
        for row in self.control_rows:
            controls.addWidget(row)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.stack, 3)
        layout.addWidget(self.channels_box, 1)
        layout.addWidget(self.info_label)
        layout.addWidget(self.message)

        self.brush_spin.valueChanged.connect(self._on_brush_changed)
        self.ink_spin.valueChanged.connect(self._on_brush_changed)
        self.channel_combo.currentIndexChanged.connect(self._on_brush_changed)
        state.image_changed.connect(self._on_state_image_changed)
        self._last_shape: tuple[int, ...] | None = None
        self._on_state_image_changed()

    # ----------------------------------------------------------------- public
    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.canvas.set_scale(factor)
        self.pixel_grid.set_scale(factor)
        for grid in self.channel_grids:
            grid.set_scale(factor)

    def new_canvas(self, side: int) -> None:
        """Start a blank side x side canvas (grey or RGB as now), undoable."""
        shape = (side, side, 3) if self._state.is_rgb else (side, side)
        self._state.set_image(np.zeros(shape), source="blank canvas", text=f"New {side}×{side} canvas")
        self.ink_spin.setValue(255.0)
        self.message.clear_message()

    def clear(self) -> None:
        """Fill the image with the background (eraser) value, undoable."""
        image = self._state.image
        self._state.set_image(np.full_like(image, self.canvas.eraser_value), text="Clear canvas")
        self.message.clear_message()

    def load_file(self, path: str | Path) -> bool:
        """Load an image or a .csv/.npy grid; on failure show why and keep the current image.

        A file over ``BACKGROUND_BYTES`` is read on a worker: True then means the read
        started, and the image changes (or a message says why not) when it ends.
        """
        name = Path(path).name
        kind = "grid" if Path(path).suffix.lower() in GRID_SUFFIXES else "picture"
        try:
            # a FIFO, device or socket is refused before any read: the window never freezes
            if check_file(path).stat().st_size > BACKGROUND_BYTES:
                return self._load_in_background(path, name, kind)
            loaded = load_input(path, max_side=MAX_LIVE_SIDE)
        # MemoryError...TypeError: a decoder failing in a way core did not foresee
        except (CnnExplorerError, OSError, MemoryError, RuntimeError, ValueError, TypeError) as exc:
            self._show_error(file_problem(path, exc))
            return False
        return self._apply_loaded(loaded, name, ImageOrigin(kind, str(path), getattr(loaded, "note", "")))

    def _load_in_background(self, path: str | Path, name: str, kind: str) -> bool:
        def apply(loaded) -> None:
            self._apply_loaded(loaded, name, ImageOrigin(kind, str(path), getattr(loaded, "note", "")))

        def fail(message: str) -> None:
            self._show_error(file_problem(path, CnnExplorerError(message)))

        if not self.reader.start(lambda: load_input(path, max_side=MAX_LIVE_SIDE), apply, fail):
            self._show_error(f"{name}: another file is still opening — the current image is kept")
            return False
        self.message.show_info(f"Opening {name}…")
        return True

    def is_reading(self) -> bool:
        """True while a large file is being read on a worker (``load_file``)."""
        return self.reader.is_running()

    def stop(self) -> None:
        """Wait for a large file's read to end (the window is closing); its image is then not applied."""
        self.reader.stop()

    def load_bytes(self, data: bytes, name: str = "clipboard") -> bool:
        """Load encoded image bytes (drag-and-drop data, clipboard); on failure keep the current image."""
        try:
            loaded = image_from_bytes(bytes(data), name=name)
        except (CnnExplorerError, OSError, MemoryError, RuntimeError, ValueError, TypeError) as exc:
            self._show_error(file_problem(name, exc))
            return False
        return self._apply_loaded(loaded, name, ImageOrigin("pasted picture", name, getattr(loaded, "note", "")))

    def load_qimage(self, image: QImage, name: str = "clipboard") -> bool:
        """Load a QImage (pasted or dropped pixels) through the same checks as a PNG file."""
        if image.isNull():
            self._show_error(f"{name}: holds no image")
            return False
        return self.load_bytes(png_bytes(image), name)

    # ----------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        mime = event.mimeData()
        urls = [u for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []
        if urls:
            self.load_file(urls[0].toLocalFile())
        elif mime.hasImage():
            self.load_qimage(QImage(mime.imageData()), "dropped image")
        else:
            self._show_error("drop: only local files and image data can be dropped here")
            return
        event.acceptProposedAction()

    # ----------------------------------------------------------------- internals
    def _apply_loaded(self, loaded, name: str, origin: ImageOrigin) -> bool:
        try:
            self._state.set_image(loaded.array, source=loaded.source or name, text=f"Open {name}", origin=origin)
        except CnnExplorerError as exc:
            self._show_error(file_problem(name, exc))
            return False
        lo, hi = display_range(loaded.array)
        self.ink_spin.setValue(hi)
        self.canvas.eraser_value = lo
        self.message.clear_message()
        h, w = loaded.array.shape[:2]
        note = f" ({loaded.note})" if getattr(loaded, "note", "") else ""
        self.status_message.emit(f"Opened {name}: {w}×{h}{note}")
        return True

    def _show_error(self, text: str) -> None:
        self.message.show_error(text)
        self.status_message.emit(text)

    def _on_size_combo_activated(self, index: int) -> None:
        side = self.size_combo.itemData(index)
        if side:
            self.new_canvas(int(side))
        else:
            self._sync_size_combo()
            self.open_requested.emit()

    def _on_rgb_radio_toggled(self, rgb: bool) -> None:
        if rgb != self._state.is_rgb:
            self._state.set_color_mode(rgb)

    def _on_view_combo_changed(self, index: int) -> None:
        self._sync_view()

    def _on_eraser_toggled(self, on: bool) -> None:
        self.canvas.erasing = on

    def _on_brush_changed(self, *_args) -> None:
        self.canvas.brush_size = self.brush_spin.value()
        self.canvas.ink_value = self.ink_spin.value()
        channel = self.channel_combo.currentData()
        self.canvas.paint_channel = None if channel is None or channel < 0 else int(channel)

    def _sync_size_combo(self) -> None:
        h, w = self._state.image.shape[:2]
        index = self.size_combo.findData(h) if h == w and h in CANVAS_SIZES else self.size_combo.findData(0)
        self.size_combo.blockSignals(True)
        self.size_combo.setCurrentIndex(index)
        # the entry names the size shown (a slide grid is no "photo"); in the list it offers to open one
        self.size_combo.setItemText(self.size_combo.findData(0), _OTHER_SIZE if index != self.size_combo.findData(0) else f"{w}×{h}")
        self.size_combo.blockSignals(False)

    def _sync_view(self) -> None:
        image = self._state.image
        small = max(image.shape[:2]) <= NUMBERS_MAX_SIDE
        numbers_item = self.view_combo.model().item(1)
        numbers_item.setEnabled(small)
        numbers = small and self.view_combo.currentData() == "numbers"
        rgb = image.ndim == 3
        if numbers:
            self.stack.setCurrentWidget(self.channel_numbers if rgb else self.pixel_grid)
        else:
            self.stack.setCurrentWidget(self.canvas)
        self.channels_box.setVisible(rgb and not numbers)
        self.channel_combo.setVisible(rgb)

    def _on_state_image_changed(self) -> None:
        image = self._state.image
        shape = image.shape
        if shape != self._last_shape:
            self._last_shape = shape
            self._sync_size_combo()
            for radio, on in ((self.rgb_radio, image.ndim == 3), (self.grey_radio, image.ndim == 2)):
                radio.blockSignals(True)
                radio.setChecked(on)
                radio.blockSignals(False)
            self._sync_view()
        if self.canvas.stroking:
            return  # the full-image statistics wait for the end of the stroke
        self.info_label.setText(image_caption(self._state.image_origin, image))
