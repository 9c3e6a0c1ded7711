"""MainWindow: pages as tabs (the explorer first), menus, shortcuts, status bar, remembered geometry.

It assembles; the pages and their actions do the work. The Train and Classify
pages are built the first time they are shown (:class:`LazyPage`), so start-up
pays for the explorer alone and torch is imported only when a page needs it.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer import __version__
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.explorer.actions import ExplorerActions
from cnn_explorer.ui.explorer.page import ExplorerPage
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.scale import PresenterScale
from cnn_explorer.ui.widgets.icon import app_icon
from cnn_explorer.ui.widgets.lazy_page import LazyPage

STATUS_TIMEOUT_MS = 8000

ABOUT_TEXT = (
    "<h3>CNN Explorer {version}</h3>"
    "<p>See how a convolutional neural network sees: draw or load an image, pick or type a kernel, "
    "and watch the feature map, the activation and the pooled map update live; step through the "
    "sliding filter one multiplication at a time.</p>"
    "<p>Convolution here is cross-correlation, as in the slides and every deep-learning library.</p>"
)


class MainWindow(QMainWindow):
    """The application window. ``settings``: where geometry and last choices live (None: remember nothing)."""

    first_painted = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("CNN Explorer")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(960, 600)
        self.resize(1366, 768)
        self._painted = False
        self.scale = PresenterScale(self)
        self.undo_group = QUndoGroup(self)
        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        self.setCentralWidget(self.pages)
        self.scale_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.scale_label)

        # The maps (pyqtgraph, about half a second to load) are built right after the first paint.
        self.explorer = ExplorerPage(parent=self, defer_maps=True)
        self._start_up_timer = new_timer(self, "window-finish-start-up", single_shot=True, interval_ms=0)
        self._start_up_timer.timeout.connect(self.finish_start_up)
        self.explorer_actions = ExplorerActions(self.explorer, self, settings)
        self.explorer.status_message.connect(self.show_message)
        self.explorer_actions.status_message.connect(self.show_message)
        self.add_page("Explorer", self.explorer, self.explorer.state.undo_stack)
        self.train_tab = LazyPage(self._make_train_page, self)
        self.train_tab.built.connect(self._on_lazy_page_built)
        self.add_page("Train", self.train_tab)
        self.classify_tab = LazyPage(self._make_classify_page, self)
        self.classify_tab.built.connect(self._on_lazy_page_built)
        self.add_page("Classify", self.classify_tab)
        self._build_menus()
        self.scale.scale_changed.connect(self._on_scale_changed)
        self._on_scale_changed(self.scale.factor)
        self._restore()
        self.show_message("Draw on the canvas, open an image (Ctrl+O) or pick a sample from File ▸ Samples")

    # ----------------------------------------------------------------- pages
    def add_page(self, title: str, widget: QWidget, undo_stack=None) -> int:
        """Add a page as a tab; returns its index.

        ``undo_stack`` (a QUndoStack) drives Edit ▸ Undo/Redo while the page is shown. The
        window calls the page's ``set_scale(f)`` on presenter zoom and ``shutdown()`` (or
        ``stop()``) when it closes, when the page has them.
        """
        widget.setProperty("undo_stack", undo_stack)
        if undo_stack is not None:
            self.undo_group.addStack(undo_stack)
        index = self.pages.addTab(widget, title)
        if self.pages.count() == 1:
            self._on_pages_current_changed(0)
        return index

    def show_page(self, name: str) -> bool:
        """Show the page whose title matches ``name`` (case-insensitive); False if there is none."""
        for i in range(self.pages.count()):
            if self.pages.tabText(i).replace("&", "").lower() == name.strip().lower():
                self.pages.setCurrentIndex(i)
                return True
        return False

    def explorer_kernels(self) -> list[tuple[str, object]]:
        """[(name, (kh, kw[, C]) array)] of the explorer's kernel stack, for pages that show or reuse them."""
        state = self.explorer.state
        return list(zip(state.kernel_names, state.kernels))

    # The Train and Classify pages, built on first show.
    def _make_train_page(self) -> QWidget:
        # imported on first show, not at the top: start-up pays for the explorer alone
        from cnn_explorer.ui.train.page import TrainPage

        page = TrainPage(self.settings)
        page.set_kernel_provider(self.explorer_kernels)
        page.status_message.connect(self.show_message)
        page.model_trained.connect(self._on_train_model_trained)
        return page

    def _make_classify_page(self) -> QWidget:
        # imported on first show, not at the top: start-up pays for the explorer alone
        from cnn_explorer.ui.classify.page import ClassifyPage

        page = ClassifyPage(self.settings)
        page.kernel_to_explorer_requested.connect(self._on_classify_kernel_to_explorer_requested)
        status = getattr(page, "status_message", None)
        if status is not None:
            status.connect(self.show_message)
        return page

    def train_page(self):
        """The Train page (built now if it was not yet)."""
        return self.train_tab.ensure_built()

    def classify_page(self):
        """The Classify page (built now if it was not yet)."""
        return self.classify_tab.ensure_built()

    def _on_lazy_page_built(self, page: QWidget) -> None:
        tab = self.sender()
        stack = getattr(page, "undo_stack", None)
        if stack is not None and tab is not None:
            tab.setProperty("undo_stack", stack)
            self.undo_group.addStack(stack)
            if self.pages.currentWidget() is tab:
                self.undo_group.setActiveStack(stack)

    def _on_train_model_trained(self, loaded) -> None:
        self.classify_page().set_model(loaded)
        self.show_message("The trained model is now the Classify page's model")

    def _on_classify_kernel_to_explorer_requested(self, kernel, name: str) -> None:
        values = np.asarray(kernel, dtype=np.float64)
        if values.ndim == 3 and values.shape[2] == 1:
            values = values[:, :, 0]
        try:
            self.explorer.state.set_kernels([values], [name], text=f"Kernel {name} from the network")
        except CnnExplorerError as exc:
            self.show_message(str(exc))
            return
        self.show_page("explorer")
        self.show_message(f"Kernel {name} from the network is now the explorer's kernel (Ctrl+Z undoes)")

    def page_names(self) -> list[str]:
        return [self.pages.tabText(i).replace("&", "").lower() for i in range(self.pages.count())]

    def _on_pages_current_changed(self, index: int) -> None:
        widget = self.pages.widget(index)
        stack = widget.property("undo_stack") if widget is not None else None
        self.undo_group.setActiveStack(stack)
        self._set_explorer_shortcuts_active(widget is self.explorer)
        if widget is not self.explorer and self.explorer.is_presenter():
            self.set_presenter(False)            # the presenter view belongs to the explorer

    def _explorer_only_actions(self) -> list[QAction]:
        ea = getattr(self, "explorer_actions", None)
        if ea is None:
            return []
        acts = [ea.open_action, ea.save_image_action, ea.copy_image_action, ea.copy_maps_action, ea.paste_action]
        return acts + list(self.explorer.animation_panel.actions())

    def _set_explorer_shortcuts_active(self, active: bool) -> None:
        """Explorer shortcuts (Ctrl+O/V/C/S, Space, arrows...) act only while the explorer is shown.

        The other pages have their own Paste, Space and arrow keys; window-wide twins
        would make Qt fire neither (an ambiguous shortcut). Menu entries stay usable.
        """
        for act in self._explorer_only_actions():
            saved = act.property("explorer_shortcuts")
            if saved is None:
                saved = [QKeySequence(k) for k in act.shortcuts()]
                act.setProperty("explorer_shortcuts", saved)
            act.setShortcuts(saved if active else [])

    # ----------------------------------------------------------------- menus
    def _action(self, text: str, slot, shortcuts=(), tip: str = "", checkable: bool = False) -> QAction:
        act = QAction(text, self)
        act.setShortcuts([QKeySequence(s) for s in shortcuts])
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setCheckable(checkable)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_menus(self) -> None:
        ea = self.explorer_actions
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(ea.open_action)
        file_menu.addAction(ea.save_image_action)
        file_menu.addSeparator()
        file_menu.addAction(ea.load_kernel_action)
        file_menu.addAction(ea.save_kernel_action)
        file_menu.addSeparator()
        self.samples_menu = file_menu.addMenu("Sa&mples")
        ea.build_samples_menu(self.samples_menu)
        file_menu.addSeparator()
        self.quit_action = self._action("&Quit", self.close, [QKeySequence.StandardKey.Quit, "Ctrl+Q"], "Quit CNN Explorer")
        file_menu.addAction(self.quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act in (self.undo_action, self.redo_action):
            self.addAction(act)
            edit_menu.addAction(act)
        edit_menu.addSeparator()
        for act in (ea.copy_image_action, ea.copy_maps_action, ea.paste_action):
            self.addAction(act)
            edit_menu.addAction(act)

        view_menu = self.menuBar().addMenu("&View")
        self.full_screen_action = self._action("&Full screen", self.toggle_full_screen, ["F11"], "Full screen on/off", checkable=True)
        self.zoom_in_action = self._action("Zoom &in (presenter)", self.scale.zoom_in, ["Ctrl+=", "Ctrl++"], "Larger numbers, labels and grids")
        self.zoom_out_action = self._action("Zoom &out", self.scale.zoom_out, ["Ctrl+-"], "Smaller numbers, labels and grids")
        self.zoom_reset_action = self._action("&Reset zoom", self.scale.reset, ["Ctrl+0"], "Normal size")
        for act in (self.full_screen_action, self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action):
            view_menu.addAction(act)
        self._build_presenter_actions(view_menu)
        step_actions = self.explorer.animation_panel.actions()
        if step_actions:
            view_menu.addSeparator()
            step_menu = view_menu.addMenu("&Step by step")
            for act in step_actions:
                step_menu.addAction(act)
                self.addAction(act)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, ["F1"], "List the keyboard shortcuts"))
        help_menu.addAction(self._action("&About CNN Explorer", self.show_about))

    # ----------------------------------------------------------------- presenter view
    def _build_presenter_actions(self, view_menu) -> None:
        """View ▸ Presenter (F5, checkable); Esc leaves it (active only while it is on)."""
        self.presenter_action = self._action("&Presenter view", self.set_presenter, ["F5"],
                                             "Step by step and Maps fill the window; the editing panels fold into "
                                             "a slim bar (F5 or Esc leaves)", checkable=True)
        view_menu.insertAction(view_menu.actions()[0] if view_menu.actions() else None, self.presenter_action)
        self.leave_presenter_action = self._action("Leave presenter view", lambda: self.set_presenter(False),
                                                   ["Esc"])
        self.leave_presenter_action.setEnabled(False)
        self.explorer.leave_presenter_requested.connect(lambda: self.set_presenter(False))
        self.explorer.sample_requested.connect(self.explorer_actions.open_sample)

    def set_presenter(self, on: bool) -> None:
        """Enter (True) or leave the presenter view: the explorer, its editing panels folded, no page tabs."""
        on = bool(on)
        if on:
            self.pages.setCurrentWidget(self.explorer)
        self.explorer.set_presenter(on)
        self.pages.tabBar().setVisible(not on)
        self.leave_presenter_action.setEnabled(on)
        if self.presenter_action.isChecked() != on:
            self.presenter_action.setChecked(on)
        if on:
            self.show_message("Presenter view: F5 or Esc leaves it")

    # ----------------------------------------------------------------- view
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.full_screen_action.setChecked(self.isFullScreen())

    def _on_scale_changed(self, factor: float) -> None:
        self.explorer.set_scale(factor)
        for i in range(1, self.pages.count()):
            set_scale = getattr(self.pages.widget(i), "set_scale", None)
            if callable(set_scale):
                set_scale(factor)
        self.scale_label.setText(f"scale {round(factor * 100)}%")

    def show_message(self, text: str) -> None:
        """Show ``text`` in the status bar for a few seconds."""
        self.statusBar().showMessage(" ".join(str(text).split()), STATUS_TIMEOUT_MS)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(action, keys) for every window action with a shortcut, menu order."""
        rows = []
        for act in self.actions():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
            if keys:
                rows.append((act.text().replace("&", ""), keys))
        return rows

    def show_shortcuts(self) -> QDialog:
        """A non-modal window listing the shortcuts."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view = QTextBrowser(dialog)
        rows = "".join(f"<tr><td>{name}</td><td><b>{keys}</b></td></tr>" for name, keys in self.shortcut_rows())
        view.setHtml(f"<table cellspacing='6'>{rows}</table>")
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        dialog.resize(460, 520)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About CNN Explorer", ABOUT_TEXT.format(version=__version__))

    # ----------------------------------------------------------------- life cycle
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self._start_up_timer.start()          # next event-loop turn: after this paint reached the screen
            self.first_painted.emit()

    def finish_start_up(self) -> None:
        """Build what start-up deferred until after the first paint (the explorer's maps); idempotent."""
        self._start_up_timer.stop()
        self.explorer.finish_start_up()

    def start_up_pending(self) -> bool:
        """True while the first paint has scheduled :meth:`finish_start_up` and it has not run."""
        return self._start_up_timer.isActive()

    def _restore(self) -> None:
        if self.settings is None:
            return
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        splitter = self.settings.value("explorer/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.explorer.splitter.restoreState(splitter)
        try:
            factor = float(self.settings.value("view/scale", 1.0))
        except (TypeError, ValueError):
            factor = 1.0
        if not math.isfinite(factor):  # a hand-edited settings file: nan/inf would reach the font size
            factor = 1.0
        self.scale.set_factor(factor)
        last_sample = self.settings.value("explorer/last_sample", "", str)
        if last_sample in SAMPLES:
            self.explorer_actions.open_sample(last_sample)
            self.explorer.state.undo_stack.clear()

    def save_settings(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("explorer/splitter", self.explorer.splitter.saveState())
        self.settings.setValue("view/scale", self.scale.factor)
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._start_up_timer.stop()
        self.save_settings()
        for i in range(self.pages.count()):
            page = self.pages.widget(i)
            stop = getattr(page, "shutdown", None) or getattr(page, "stop", None)
            if callable(stop):
                stop()
        self.scale.reset()
        super().closeEvent(event)
