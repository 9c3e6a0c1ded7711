"""MainWindow: pages as tabs (the explorer first), menus, shortcuts, status bar, remembered geometry.

It assembles; the pages and their actions do the work. The Train and Classify
pages are built the first time they are shown (:class:`LazyPage`), so start-up
pays for the explorer alone and torch is imported only when a page needs it.
:meth:`MainWindow.open_as_app` is the interactive start: the window fitted to
its screen, and the start view (``start_view.py``) on first start.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.explorer.actions import ExplorerActions
from cnn_explorer.ui.explorer.page import ExplorerPage
from cnn_explorer.ui.help_view import HelpWindow, show_about
from cnn_explorer.ui.journeys import lessons_available, run_journey
from cnn_explorer.ui.lessons.keys import LESSON_KEY_ROWS, LessonDrops
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.scale import PresenterScale
from cnn_explorer.ui.start_view import StartView
from cnn_explorer.ui.widgets.icon import app_icon
from cnn_explorer.ui.widgets.lazy_page import LazyPage
from cnn_explorer.ui.widgets.splitter_grip import SplitterGrips
from cnn_explorer.ui.widgets.status_messages import StatusMessages
from cnn_explorer.ui.widgets.window_fit import fit_window
from cnn_explorer.ui.window_menus import build_menus

#: the window's size before it is fitted to its screen
DEFAULT_SIZE = (1366, 768)
MINIMUM_SIZE = (960, 600)
#: QSettings key: True once the start view was dismissed (it then shows only from Help ▸ Start here)
START_DISMISSED_KEY = "start/dismissed"


class MainWindow(QMainWindow):
    """The application window. ``settings``: where geometry and last choices live (None: remember nothing)."""

    first_painted = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("CNN Explorer")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)
        self._painted = False
        self.scale = PresenterScale(self)
        self.undo_group = QUndoGroup(self)
        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        # the pages, or in front of them the start view (built the first time it shows)
        self.central = QStackedWidget(self)
        self.central.addWidget(self.pages)
        self.setCentralWidget(self.central)
        self.start_view: StartView | None = None
        self.help_window: HelpWindow | None = None
        self.grips = SplitterGrips(self)
        self._layout_timer = new_timer(self, "window-reset-layout", single_shot=True, interval_ms=0)
        self._layout_timer.timeout.connect(self.grips.reset_sizes)
        self.scale_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.scale_label)
        self.messages = StatusMessages(self.statusBar(), self.scale_label)

        # The maps (pyqtgraph, about half a second to load) are built right after the first paint.
        self.explorer = ExplorerPage(parent=self, defer_maps=True)
        self._start_up_timer = new_timer(self, "window-finish-start-up", single_shot=True, interval_ms=0)
        self._start_up_timer.timeout.connect(self.finish_start_up)
        self.explorer_actions = ExplorerActions(self.explorer, self, settings)
        self.explorer.status_message.connect(self.show_message)
        self.explorer_actions.status_message.connect(self.show_message)
        self.grips.add(self.explorer.splitter)
        self.add_page("Explorer", self.explorer, self.explorer.state.undo_stack)
        self.train_tab = LazyPage(self._make_train_page, self)
        self.train_tab.built.connect(self._on_lazy_page_built)
        self.add_page("Train", self.train_tab)
        self.classify_tab = LazyPage(self._make_classify_page, self)
        self.classify_tab.built.connect(self._on_lazy_page_built)
        self.add_page("Classify", self.classify_tab)
        self.demos_tab = LazyPage(self._make_demos_page, self)
        self.demos_tab.built.connect(self._on_lazy_page_built)
        self.add_page("Demos", self.demos_tab)
        self._lesson_player = None
        self.lesson_drops = LessonDrops(self, lambda path: self.lesson_player().open_file(path))
        self.lesson_drops.watch()
        build_menus(self)
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

    def _make_demos_page(self) -> QWidget:
        # imported on first show, not at the top: start-up pays for the explorer alone
        from cnn_explorer.ui.demos.page import DemosPage

        page = DemosPage()
        page.status_message.connect(self.show_message)
        return page

    def demos_page(self):
        """The Demos page (built now if it was not yet)."""
        return self.demos_tab.ensure_built()

    def show_demo(self, name: str, params=None, *, list_shown: bool | None = True) -> QWidget:
        """Bring the Demos page to the front with demo ``name`` (``params``: its parameters; defaults otherwise).

        ``list_shown`` False folds the list of demos (a lesson step: the lesson bar is the way on).
        """
        self.show_page("demos")
        return self.demos_page().show_demo(name, params, list_shown=list_shown)

    def lesson_player(self):
        """The lesson player (its bar, Next/Back, lesson files), built the first time a lesson is wanted."""
        if self._lesson_player is None:
            # here, not at the top: the lessons' model tables (a tenth of a second) load with the first lesson
            from cnn_explorer.ui.lessons.player import LessonPlayer

            self._lesson_player = LessonPlayer(self)
            self._lesson_player.panel.set_scale(self.scale.factor)
        return self._lesson_player

    def train_page(self):
        """The Train page (built now if it was not yet)."""
        return self.train_tab.ensure_built()

    def classify_page(self):
        """The Classify page (built now if it was not yet)."""
        return self.classify_tab.ensure_built()

    def _on_lazy_page_built(self, page: QWidget) -> None:
        for splitter in page.findChildren(QSplitter):
            self.grips.add(splitter)
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
        self._set_explorer_shortcuts_active(widget is self.explorer and not self.start_view_shown())
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

    def reset_layout(self) -> None:
        """Ctrl+0: presenter scale 100% and every splitter at its default sizes, remembered at once."""
        self.scale.reset()
        self.grips.reset_sizes()
        self._layout_timer.start()  # again once the smaller fonts have shrunk the columns' minimum widths
        if self.settings is not None:
            self.settings.remove("explorer/splitter")
            self.settings.setValue("view/scale", 1.0)
        self.show_message("Default size and layout")

    def _on_scale_changed(self, factor: float) -> None:
        self.grips.set_scale(factor)
        if self.start_view is not None:
            self.start_view.set_scale(factor)
        self.explorer.set_scale(factor)
        if self._lesson_player is not None:
            self._lesson_player.panel.set_scale(factor)
        for i in range(1, self.pages.count()):
            set_scale = getattr(self.pages.widget(i), "set_scale", None)
            if callable(set_scale):
                set_scale(factor)
        self.scale_label.setText(f"scale {round(factor * 100)}%")
        self.messages.refresh()

    def show_message(self, text: str) -> None:
        """Show ``text`` in the status bar for a few seconds (cut with "…" where it would run under the scale)."""
        self.messages.show(text)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(action, keys) for every window action with a shortcut, menu order."""
        rows = []
        for act in self.actions():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
            if keys:
                rows.append((act.text().replace("&", ""), keys))
        return rows + list(LESSON_KEY_ROWS)

    def show_help(self, tab: str = "guide") -> HelpWindow:
        """The non-modal help window ("guide" or "shortcuts" tab in front); one at a time."""
        if self.help_window is None:
            self.help_window = HelpWindow(self.shortcut_rows(), self, self.scale.factor)
            self.help_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.help_window.destroyed.connect(self._on_help_window_destroyed)
            area = self.geometry()
            self.help_window.resize(min(760, area.width() - 40), min(640, area.height() - 40))
        self.help_window.show_tab(tab)
        self.help_window.show()
        self.help_window.raise_()
        return self.help_window

    def _on_help_window_destroyed(self, *_args) -> None:
        self.help_window = None

    def show_shortcuts(self) -> HelpWindow:
        """F1: the help window with the shortcut list in front."""
        return self.show_help("shortcuts")

    # ----------------------------------------------------------------- start view
    def start_view_shown(self) -> bool:
        return self.start_view is not None and self.central.currentWidget() is self.start_view

    def show_start_view(self) -> StartView:
        """Show the journeys in front of the pages (first start, Help ▸ Start here)."""
        if self.start_view is None:
            self.start_view = StartView(self)
            self.start_view.set_scale(self.scale.factor)
            self.start_view.journey_requested.connect(self._on_start_view_journey_requested)
            self.start_view.dismissed.connect(self.hide_start_view)
            self.central.addWidget(self.start_view)
        self.start_view.set_lessons_available(lessons_available(self))
        self.central.setCurrentWidget(self.start_view)
        self._set_explorer_shortcuts_active(False)  # arrows and Space walk the cards, not the animation
        self.start_view.focus_first_card()
        return self.start_view

    def hide_start_view(self) -> None:
        """Back to the pages; the start view will not show by itself again (QSettings)."""
        self.central.setCurrentWidget(self.pages)
        self._on_pages_current_changed(self.pages.currentIndex())
        if self.settings is not None:
            self.settings.setValue(START_DISMISSED_KEY, True)
        current = self.pages.currentWidget()
        if current is not None:
            current.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_start_view_journey_requested(self, key: str) -> None:
        self.hide_start_view()
        run_journey(self, key)

    def open_as_app(self, available: QRect | None = None) -> None:
        """The interactive start: fit the window to its screen (``available``: that screen's available
        geometry, default the real one), show the start view on first start, show the window."""
        self.fit_to_screen(available)
        if self.settings is not None and not self.settings.value(START_DISMISSED_KEY, False, bool):
            self.show_start_view()
        self.first_painted.connect(lambda: self.fit_to_screen(available))  # again, now that the frame is known
        self.show()
        if self.start_view_shown():
            self.start_view.focus_first_card()  # a hidden widget cannot take the focus: again, now shown

    def fit_to_screen(self, available: QRect | None = None) -> bool:
        """Keep the window inside the screen's available area (shrunk and moved as needed); True if it changed."""
        return fit_window(self, available)

    def show_about(self) -> None:
        show_about(self)

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
        if self._lesson_player is not None:
            self._lesson_player.shutdown()
        self.save_settings()
        for i in range(self.pages.count()):
            page = self.pages.widget(i)
            stop = getattr(page, "shutdown", None) or getattr(page, "stop", None)
            if callable(stop):
                stop()
        self.scale.reset()
        super().closeEvent(event)
