"""ClassifyPage: draw a digit (or load a picture), see the prediction live, and see why the network says it.

Left (DrawingPanel, drawing_panel.py): the drawing canvas, what the network sees (the preprocessed input), the
verdict and the probability bars. Right, in tabs: every layer's maps, the
saliency / Grad-CAM / occlusion overlays, weight editing, and feature
visualization. The bundled "mnist" model is loaded on a worker thread the
first time the page is shown, so torch is not imported at window start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMenu,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.datasets.preprocess import load_image
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret import filter_weights
from cnn_explorer.ui import model_folder
from cnn_explorer.ui.background_read import BACKGROUND_BYTES, BackgroundRead
from cnn_explorer.ui.classify.canvas import BRUSH
from cnn_explorer.ui.classify.controller import (
    DEFAULT_MODEL,
    ClassifyController,
    Reading,
)
from cnn_explorer.ui.classify.drawing_panel import DrawingPanel
from cnn_explorer.ui.classify.explain_view import ExplainView
from cnn_explorer.ui.classify.featurevis_panel import FeatureVisPanel
from cnn_explorer.ui.classify.network_view import NetworkView
from cnn_explorer.ui.classify.pictures import picture_from_qimage
from cnn_explorer.ui.classify.weights_panel import WeightsPanel
from cnn_explorer.ui.export.figure_export import figure_export_of
from cnn_explorer.ui.file_checks import check_file, check_model_path
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.widgets.containers import scroll_area
from cnn_explorer.ui.widgets.inline_message import file_problem

#: Heavy views (all layer stacks, overlays) refresh at most this often while drawing.
HEAVY_INTERVAL_MS = 90
#: Information lines hide after this long; errors stay until the next message.
INFO_MS = 8000
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm);;All files (*)"


def _int_setting(settings: QSettings | None, key: str, default: int) -> int:
    """An int remembered in ``settings``; ``default`` when absent or unreadable (a hand-edited file)."""
    if settings is None:
        return default
    try:
        return int(settings.value(key, default))
    except (TypeError, ValueError):
        return default


class ClassifyPage(QWidget):
    """The Classify page. ``settings``: where the brush size and the open tab are remembered (None: nowhere);
    ``controller``: the page's model (None: a new ClassifyController)."""

    kernel_to_explorer_requested = Signal(object, str)   # (kh, kw) or (kh, kw, C) float kernel, its name
    status_message = Signal(str)
    reading_shown = Signal(object)                        # a Reading, after the bars and the seen input show it

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None, *,
                 controller: ClassifyController | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._explicit_model = False
        self._label_before_load: tuple[str, str] | None = None  # the model label while a load runs
        self.setAcceptDrops(True)
        self.reader = BackgroundRead(self, "picture-reader")  # large pictures are read off the GUI thread
        self.controller = controller if controller is not None else ClassifyController(self)

        # ---- left: drawing, what the network sees, verdict, bars
        self.drawing = DrawingPanel(_int_setting(settings, "classify/brush", BRUSH))
        left = self.drawing
        self.model_label, self.load_model_button, self.message = left.model_label, left.load_model_button, left.message
        self.canvas, self.seen_view, self.seen_caption = left.canvas, left.seen_view, left.seen_caption
        self.clear_button, self.undo_button, self.open_button = left.clear_button, left.undo_button, left.open_button
        self.paste_button, self.brush, self.verdict, self.bars = left.paste_button, left.brush, left.verdict, left.bars

        # ---- right: why
        self.network_view = NetworkView()
        self.explain_view = ExplainView()
        self.weights_panel = WeightsPanel(self.controller)
        self.featurevis_panel = FeatureVisPanel(self.controller)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.network_view, "Layers")
        self.tabs.addTab(self.explain_view, "Why?")
        self.tabs.setTabToolTip(1, "Saliency, Grad-CAM and occlusion: which pixels the class depends on")
        self.tabs.addTab(self.weights_panel, "Edit weights")
        self.tabs.addTab(self.featurevis_panel, "Feature visualization")
        self.tabs.setCurrentIndex(_int_setting(settings, "classify/tab", 0))

        self.left_scroll = left_scroll = scroll_area(left, self, horizontal=Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(420)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left_scroll)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([560, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # When the window is smaller than the page's minimum (a small projector, a big presenter scale)
        # the page scrolls instead of squeezing its panels until their texts are cut.
        self.page_scroll = scroll_area(self.splitter, self)
        layout.addWidget(self.page_scroll)
        self._fit_left_column()
        left.installEventFilter(self)   # a font change (presenter scale) reaches the content's layout later

        self._heavy = new_timer(self, "classify-heavy-views", single_shot=True, interval_ms=HEAVY_INTERVAL_MS)
        self._heavy.timeout.connect(self._on_heavy_timeout)
        self._message_timer = new_timer(self, "classify-message", single_shot=True, interval_ms=INFO_MS)
        self._message_timer.timeout.connect(self.message.hide)
        self._connect()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)  # a safety net: the window's closeEvent calls it first
        self.set_scale(1.0)

    def _connect(self) -> None:
        c = self.controller
        c.model_loading.connect(self._on_controller_model_loading)
        c.model_changed.connect(self._on_controller_model_changed)
        c.model_failed.connect(self._on_controller_model_failed)
        c.reading_changed.connect(self._on_controller_reading_changed)
        c.edits_changed.connect(self._on_controller_edits_changed)
        self.canvas.drawing_changed.connect(self._on_canvas_drawing_changed)
        self.open_button.clicked.connect(self.open_picture_dialog)
        self.paste_button.clicked.connect(self.paste)
        self.load_model_button.clicked.connect(self.load_model_dialog)
        self.bars.class_clicked.connect(self._on_bars_class_clicked)
        self.network_view.knock_out_requested.connect(self._on_network_knock_out_requested)
        self.network_view.filter_menu_requested.connect(self._on_network_filter_menu_requested)
        self.weights_panel.send_requested.connect(self.send_filter_to_explorer)
        for source in (self.explain_view, self.weights_panel, self.featurevis_panel):
            source.status_message.connect(self._on_panel_status_message)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        paste = QShortcut(QKeySequence.StandardKey.Paste, self, self.paste)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # ----------------------------------------------------------------- public API
    @property
    def undo_stack(self):
        """The drawing's QUndoStack (strokes, clear, pictures): pass it to ``add_page`` for Edit ▸ Undo."""
        return self.canvas.undo_stack

    def set_model(self, loaded: Any) -> None:
        """Classify with ``loaded`` (a core.train.checkpoints.TrainedModel or anything with model, spec, class_names,
        mean, std)."""
        self._explicit_model = True
        self.explain_view.cancel()
        self.featurevis_panel.cancel()
        self.controller.set_model(loaded)

    def load_model_path(self, path_or_name: str | Path) -> None:
        """Load a saved model (path) or a bundled one (name, e.g. "mnist") on a worker thread."""
        try:  # a FIFO would block the loading worker for good: refused here, the current model stays
            check_model_path(path_or_name)
        except CnnExplorerError as exc:
            self._say(file_problem(path_or_name, exc, "the current model is kept"), error=True)
            return
        self._explicit_model = True
        self.explain_view.cancel()
        self.featurevis_panel.cancel()
        self.controller.load(path_or_name)

    def ensure_model(self) -> None:
        """Start loading the bundled model unless a model is loaded, loading or was given."""
        if self.controller.loaded is None and not self.controller.is_loading and not self._explicit_model:
            self.controller.load(DEFAULT_MODEL)

    def shutdown(self) -> None:
        """Stop every worker and timer (the window calls this from closeEvent); undoes weight edits."""
        self._heavy.stop()
        self.reader.stop()
        self._message_timer.stop()
        self.explain_view.cancel()
        self.featurevis_panel.cancel()
        self.controller.shutdown()
        if self.settings is not None:
            self.settings.setValue("classify/brush", self.brush.value())
            self.settings.setValue("classify/tab", self.tabs.currentIndex())

    def set_scale(self, factor: float) -> None:
        """Presenter scale: bigger verdict, bars, maps and canvas."""
        self.drawing.set_scale(factor)
        self.network_view.set_scale(factor)
        self.weights_panel.set_scale(factor)
        self._fit_left_column()

    def _fit_left_column(self) -> None:
        """The left column (which never scrolls sideways) is at least as wide as its content."""
        content = self.left_scroll.widget()
        extent = self.left_scroll.verticalScrollBar().sizeHint().width()
        need = max(content.minimumWidth(), content.minimumSizeHint().width()) + extent + 2
        if self.left_scroll.minimumWidth() != need:
            self.left_scroll.setMinimumWidth(need)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        # the column's content laid out again (its fonts, a folded row): the column's least width follows
        if event.type() == QEvent.Type.LayoutRequest and watched is self.left_scroll.widget():
            self._fit_left_column()
        return False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.ensure_model()

    # ----------------------------------------------------------------- pictures
    def open_picture_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture to classify", self._last_dir(), IMAGE_FILTER)
        if path:
            self.open_picture(path)

    def open_picture(self, path: str | Path) -> bool:
        """Show the picture at ``path`` on the canvas and classify it; False (and a message) if it can't be read."""
        try:  # a FIFO, device or socket is refused before any read; a large file is read on a worker
            if check_file(path).stat().st_size > BACKGROUND_BYTES:
                return self._open_in_background(path)
            rgb = np.asarray(load_image(path).convert("RGB"))
        except (CnnExplorerError, OSError) as exc:  # OSError: a path the OS refuses (name too long)
            self._say(file_problem(path, exc), error=True)     # worded as on the Explorer page
            return False
        self._show_opened(path, rgb)
        return True

    def _show_opened(self, path: str | Path, rgb: np.ndarray) -> None:
        if self.settings is not None:
            self.settings.setValue("classify/last_dir", str(Path(path).parent))
        self.set_picture(rgb)
        self._say(f"Opened {Path(path).name}: drawing on it adds ink; Clear starts afresh")

    def _open_in_background(self, path: str | Path) -> bool:
        started = self.reader.start(lambda: np.asarray(load_image(path).convert("RGB")),
                                    lambda rgb: self._show_opened(path, rgb),
                                    lambda message: self._say(file_problem(path, CnnExplorerError(message)), error=True))
        self._say(f"Opening {Path(path).name}…" if started else
                  f"{Path(path).name}: another picture is still opening", error=not started)
        return started

    def set_picture(self, rgb: np.ndarray) -> None:
        """Put a picture (H, W, 3) uint8 on the canvas (undoable) and classify it."""
        self.canvas.set_picture(rgb)

    def paste(self) -> bool:
        """Classify the picture (or image file) on the clipboard."""
        return self._take_mime(QApplication.clipboard().mimeData(), "clipboard")

    def _take_mime(self, mime: QMimeData | None, where: str) -> bool:
        if mime is None:
            self._say(f"The {where} holds no picture", error=True)
            return False
        if mime.hasUrls():
            for url in mime.urls():
                if url.isLocalFile():
                    return self.open_picture(url.toLocalFile())
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.set_picture(picture_from_qimage(image))
                return True
        self._say(f"The {where} holds no picture", error=True)
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        mime = event.mimeData()
        if mime.hasImage() or any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._take_mime(event.mimeData(), "dropped item"):
            event.acceptProposedAction()

    def _last_dir(self) -> str:
        return str(self.settings.value("classify/last_dir", "")) if self.settings is not None else ""

    def load_model_dialog(self) -> None:
        """Ask for a model (in the models folder, or the one last used) and load it; a failure keeps the model."""
        path = model_folder.ask_open_path(self, self.settings)
        if path:
            model_folder.remember(self.settings, path)
            self.load_model_path(path)

    # ----------------------------------------------------------------- filters
    def filter_kernel(self, layer: str, channel: int) -> np.ndarray:
        """A learned filter as the explorer takes kernels: (kh, kw) for one input channel, else (kh, kw, C)."""
        w = filter_weights(self.controller.loaded.model, layer, channel)  # (C_in, kh, kw)
        return w[0].astype(np.float64) if w.shape[0] == 1 else np.ascontiguousarray(w.transpose(1, 2, 0), np.float64)

    def send_filter_to_explorer(self, layer: str, channel: int) -> None:
        """Emit ``kernel_to_explorer_requested`` with filter ``channel`` of conv ``layer``."""
        if self.controller.loaded is None:
            return
        kernel = self.filter_kernel(layer, channel)
        if kernel.ndim == 3 and kernel.shape[2] > 64:
            self._say(f"{layer} filter {channel} has {kernel.shape[2]} input channels; the explorer takes at most 64",
                      error=True)
            return
        self.kernel_to_explorer_requested.emit(kernel, f"{layer} filter {channel}")
        self.status_message.emit(f"Sent {layer} filter {channel} to the Explorer")

    def _on_network_knock_out_requested(self, layer: str, channel: int) -> None:
        off = not self.controller.is_knocked_out(layer, channel)
        self.controller.knock_out(layer, channel, off)
        self.status_message.emit(f"{layer} filter {channel} {'knocked out' if off else 'back on'}")

    def _on_network_filter_menu_requested(self, layer: str, channel: int, pos: QPoint) -> None:
        menu = self.filter_menu(layer, channel)
        menu.exec(pos)

    def filter_menu(self, layer: str, channel: int) -> QMenu:
        """The right-click menu of a conv filter's map."""
        menu = QMenu(self)
        off = self.controller.is_knocked_out(layer, channel)
        menu.addAction(f"Bring back {layer} filter {channel}" if off else f"Knock out {layer} filter {channel}",
                       lambda: self._on_network_knock_out_requested(layer, channel))
        menu.addAction("Edit its weights…", lambda: self._show_filter_in(self.weights_panel, layer, channel))
        menu.addAction("Send to Explorer as a kernel", lambda: self.send_filter_to_explorer(layer, channel))
        menu.addSeparator()
        menu.addAction("Visualize (activation maximization)", lambda: self._visualize(layer, channel))
        menu.addAction("Top-activating patches", lambda: self._top_patches(layer, channel))
        for view, sec in zip(self.network_view.views(), self.network_view.sections()):
            figure = figure_export_of(view) if sec.conv == layer else None
            if figure is not None:
                menu.addSeparator()
                menu.addActions(figure.actions())
                break
        return menu

    def _show_filter_in(self, panel: QWidget, layer: str, channel: int) -> None:
        self.tabs.setCurrentWidget(panel)
        panel.select(layer, channel)

    def _visualize(self, layer: str, channel: int) -> None:
        self._show_filter_in(self.featurevis_panel, layer, channel)
        if not self.featurevis_panel.is_running():
            self.featurevis_panel.start_visualization()

    def _top_patches(self, layer: str, channel: int) -> None:
        self._show_filter_in(self.featurevis_panel, layer, channel)
        self.featurevis_panel.find_patches()

    # ----------------------------------------------------------------- slots
    def _on_canvas_drawing_changed(self) -> None:
        self.controller.set_source(None if self.canvas.is_empty() else self.canvas.array())

    def _on_bars_class_clicked(self, index: int) -> None:
        self.explain_view.choose_class(index)
        self.tabs.setCurrentWidget(self.explain_view)

    def _on_tabs_current_changed(self, index: int) -> None:
        if self.settings is not None:
            self.settings.setValue("classify/tab", index)

    def _on_panel_status_message(self, text: str) -> None:
        self.status_message.emit(text)

    def _on_controller_model_loading(self, name: str) -> None:
        self._say(f"Loading model {name}…")
        if self._label_before_load is None:  # what to show again if this load fails
            self._label_before_load = (self.model_label.text(), self.model_label.toolTip())
        self.model_label.setText(f"Model: loading {name}…")

    def _on_controller_model_changed(self, loaded: Any) -> None:
        self._label_before_load = None
        names = tuple(str(n) for n in loaded.class_names)
        title = self.drawing.show_model(loaded, names)
        self.message.setVisible(False)
        self._message_timer.stop()
        self.network_view.set_model(loaded.model, names)
        self.explain_view.set_model(loaded)
        self.status_message.emit(f"Model ready: {title}")

    def _on_controller_model_failed(self, message: str) -> None:
        if self._label_before_load is not None and not self.controller.is_loading:
            # the load failed: the previous model stays, and so does its label
            text, tip = self._label_before_load
            self._label_before_load = None
            self.model_label.setText(text)
            self.model_label.setToolTip(tip)
        hint = ""
        if self.controller.loaded is None:
            hint = " — load a model (Load model…) or train one on the Train page"
        self._say(message + hint, error=True)

    def _on_controller_reading_changed(self, reading: Reading) -> None:
        self.drawing.show_reading(reading, self.controller.class_names)
        self.reading_shown.emit(reading)
        if not self._heavy.isActive():
            self._heavy.start()

    def _on_controller_edits_changed(self) -> None:
        if self.controller.reading is not None and not self._heavy.isActive():
            self._heavy.start()

    def _on_heavy_timeout(self) -> None:
        self.update_heavy_views()

    def update_heavy_views(self) -> None:
        """Refresh the layer stacks and overlays from the latest reading now."""
        self._heavy.stop()
        reading = self.controller.reading
        if reading is None:
            return
        editor = self.controller.editor
        knocked = editor.knocked_out if editor is not None else frozenset()
        self.network_view.set_activations(self.controller.activations(reading), knocked)
        self.explain_view.set_reading(reading)
        if self.weights_panel.isVisible():
            self.weights_panel.refresh_map()

    # ----------------------------------------------------------------- messages
    def _say(self, text: str, *, error: bool = False) -> None:
        line = " ".join(str(text).split())
        if error:
            self.message.show_error(line)
            self._message_timer.stop()
        else:
            self.message.show_info(line)
            self._message_timer.start()
        self.status_message.emit(text)
