"""ExplorerPage: the convolution explorer — input | kernel and settings | maps and step-by-step animation.

Three columns in a splitter; the two left columns scroll so nothing is clipped at
1366x768 or at presenter scale. The right column holds the maps panel and the
animation panel as tabs ("Maps", "Step by step"); clicking a map cell jumps the
animation there. The presenter view (``set_presenter(True)``) folds the two left
columns into a slim bar (sample, kernel, key settings) and gives the tabs the
whole page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from cnn_explorer.ui.explorer.animation_panel import AnimationPanel
from cnn_explorer.ui.explorer.input_panel import InputPanel
from cnn_explorer.ui.explorer.kernel_editor import KernelEditor
from cnn_explorer.ui.explorer.maps_panel import MapsPanel
from cnn_explorer.ui.explorer.presenter_bar import PresenterBar
from cnn_explorer.ui.explorer.settings_panel import SettingsPanel
from cnn_explorer.ui.explorer.state import ExplorerState
from cnn_explorer.ui.lifecycle import new_timer
from cnn_explorer.ui.scale import BASE_POINT_SIZE, TEACHER_MAX_SCALE
from cnn_explorer.ui.widgets.containers import FillColumn, group_box, scroll_area


class ExplorerPage(QWidget):
    """The explorer page over one ``ExplorerState``; ``status_message(str)`` carries messages for the status bar."""

    status_message = Signal(str)
    presenter_changed = Signal(bool)
    sample_requested = Signal(str)          # from the presenter bar: the window opens the sample
    leave_presenter_requested = Signal()

    def __init__(self, state: ExplorerState | None = None, parent: QWidget | None = None, *,
                 defer_maps: bool = False) -> None:
        """``defer_maps``: the maps (pyqtgraph) are built only by :meth:`finish_start_up`, which the
        main window calls once it has painted."""
        super().__init__(parent)
        self.state = state if state is not None else ExplorerState(self)
        self.input_panel = InputPanel(self.state)
        self.kernel_editor = KernelEditor(self.state)
        self.settings_panel = SettingsPanel(self.state)
        self.maps_panel = MapsPanel(self.state, deferred=defer_maps)
        self.animation_panel = AnimationPanel(self.state)

        controls = QWidget(self)
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(group_box("Kernel", self.kernel_editor, controls))
        controls_layout.addWidget(group_box("Convolution, activation, pooling", self.settings_panel, controls))
        controls_layout.addStretch(1)
        input_box = FillColumn(self)
        input_layout = QVBoxLayout(input_box)
        input_layout.setContentsMargins(0, 0, 0, 0)
        input_layout.addWidget(group_box("Input", self.input_panel, input_box))

        self.output_tabs = QTabWidget(self)
        self.output_tabs.addTab(self.maps_panel, "Maps")
        # Below its smallest size (a big scale on a small screen) the step view scrolls, never squashes.
        self.animation_scroll = scroll_area(self.animation_panel, self)
        self.output_tabs.addTab(self.animation_scroll, "Step by step")
        self.output_tabs.setDocumentMode(True)

        self.input_scroll = scroll_area(input_box, self)
        self.controls_scroll = scroll_area(controls, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.input_scroll)
        self.splitter.addWidget(self.controls_scroll)
        self.splitter.addWidget(self.output_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 5)
        self.splitter.setSizes([360, 360, 900])
        self._compact_combos()
        self._fit_columns()
        self._fit_timer = new_timer(self, "explorer-fit-columns", single_shot=True, interval_ms=0)
        self._fit_timer.timeout.connect(self._fit_columns)
        self.presenter_bar = PresenterBar(self.state, self.kernel_editor, self.settings_panel, self)
        self.presenter_bar.setVisible(False)
        self.presenter_bar.sample_requested.connect(self.sample_requested)
        self.presenter_bar.leave_requested.connect(self.leave_presenter_requested)
        self._presenter = False
        self._scale = 1.0
        self._normal_sizes: list[int] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.presenter_bar)
        layout.addWidget(self.splitter)

        for source in (self.input_panel, self.kernel_editor, self.settings_panel, self.maps_panel, self.animation_panel):
            source.status_message.connect(self.status_message)
        self.maps_panel.cell_clicked.connect(self._on_maps_cell_clicked)
        self.state.error_occurred.connect(self.status_message)
        self.addActions(self.animation_panel.actions())

    def set_scale(self, factor: float) -> None:
        """Presenter scale: every panel's numbers and grids grow together."""
        self._scale = float(factor)
        for panel in (self.input_panel, self.kernel_editor, self.maps_panel, self.animation_panel, self.presenter_bar):
            panel.set_scale(factor)
        self._fit_tab_bar()
        self._fit_columns()
        self._fit_timer.start()  # again once the new fonts are polished in

    def set_presenter(self, on: bool) -> None:
        """Presenter view: the input, kernel and settings columns fold into the slim bar and the
        Maps / Step by step tabs take the whole page; off brings the columns back as they were."""
        on = bool(on)
        if on == self._presenter:
            return
        self._presenter = on
        if on:
            self._normal_sizes = self.splitter.sizes()
        self.input_scroll.setVisible(not on)
        self.controls_scroll.setVisible(not on)
        self.presenter_bar.setVisible(on)
        self.animation_panel.set_presenter(on)
        self._fit_tab_bar()
        if not on and self._normal_sizes:
            self.splitter.setSizes(self._normal_sizes)
        self.presenter_changed.emit(on)

    def _fit_tab_bar(self) -> None:
        """In the presenter view the Maps / Step by step tabs (the teacher's) stop growing at TEACHER_MAX_SCALE."""
        bar = self.output_tabs.tabBar()
        font = QFont(bar.font())
        if font.pointSizeF() <= 0:
            return
        base = bar.property(BASE_POINT_SIZE)
        if base is None:                              # not rescaled yet: its font is the one for this scale
            base = font.pointSizeF() / self._scale
            bar.setProperty(BASE_POINT_SIZE, base)
        size = base * (min(self._scale, TEACHER_MAX_SCALE) if self._presenter else self._scale)
        if abs(font.pointSizeF() - size) > 1e-3:
            font.setPointSizeF(size)
            bar.setFont(font)

    def is_presenter(self) -> bool:
        return self._presenter

    def _compact_combos(self) -> None:
        """Combo boxes size to a few characters, not to their longest entry (narrow columns, big fonts)."""
        for panel in (self.input_panel, self.kernel_editor, self.settings_panel):
            for combo in panel.findChildren(QComboBox):
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(7)

    def _fit_columns(self) -> None:
        """The scrolling columns are at least as wide as their content (no sideways scrolling)."""
        for area in (self.input_scroll, self.controls_scroll):
            extent = area.verticalScrollBar().sizeHint().width()
            area.setMinimumWidth(area.widget().minimumSizeHint().width() + extent + 2)

    def finish_start_up(self) -> None:
        """Build what start-up deferred (the maps); harmless when nothing was deferred."""
        self.maps_panel.build_deferred()

    def show_step_by_step(self) -> None:
        self.output_tabs.setCurrentWidget(self.animation_scroll)

    def show_maps(self) -> None:
        self.output_tabs.setCurrentWidget(self.maps_panel)

    def showing_step_by_step(self) -> bool:
        """True while the Step-by-step tab is in front (False: Maps)."""
        return self.output_tabs.currentWidget() is self.animation_scroll

    def stop(self) -> None:
        """Stop timers (animation, pending recomputation) and a large file's read before the window closes."""
        self.input_panel.stop()
        self.animation_panel.stop()
        self._fit_timer.stop()
        self.state.stop()

    def _on_maps_cell_clicked(self, stage: str, k: int, i: int, j: int) -> None:
        self.animation_panel.show_cell(stage, k, i, j)
        self.show_step_by_step()
