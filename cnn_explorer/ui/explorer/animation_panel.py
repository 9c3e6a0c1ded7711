"""The explorer's step-by-step panel: the filter window sliding over the input, one output cell at a time.

Left, the (padded) input with the window highlighted; right, the output map
filling in cell by cell; between them the arithmetic of the current position.
Pooling is animated the same way over the activation map. Each step asks the
core for just that position (``conv_step`` / ``pool_step``), so a 1024×1024
input costs the same per step as a 6×6 one; large grids show a neighbourhood
around the window so the numbers stay readable.

Public API: ``AnimationPanel(state)``; ``set_result(result)``; ``set_scale(f)``; ``actions()`` (the
keys: install them window-wide); ``set_step(n)``; ``jump_to(i, j)``; ``show_cell(stage, k, i, j)``
(connect ``MapsPanel.cell_clicked`` to it, or call :func:`connect_panels`); ``set_stage('conv' | 'pool')``;
``set_kernel(k)``; signals ``step_changed(int)``, ``status_message(str)``. Layout: ``AnimationBody``
(animation_body.py); model work: ``AnimationData``; room for the sum: ``SumRoom``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.animation import AnimationPlayer
from cnn_explorer.ui.explorer.animation_body import AnimationBody, channel_caption
from cnn_explorer.ui.explorer.animation_controls import (
    STAGES,
    AnimationControls,
    step_actions,
)
from cnn_explorer.ui.explorer.animation_data import AnimationData
from cnn_explorer.ui.explorer.animation_hover import input_hover_text, output_hover_text
from cnn_explorer.ui.explorer.animation_room import SumRoom
from cnn_explorer.ui.explorer.colorbar import finite_range
from cnn_explorer.ui.explorer.maps_panel import activation_title
from cnn_explorer.ui.explorer.state import ExplorerState
from cnn_explorer.ui.scale import TEACHER_MAX_SCALE, scaled_font

#: panel width (pixels at scale 1) from which input, arithmetic and output sit side by side
WIDE_WIDTH = 1000


def connect_panels(maps_panel, animation_panel) -> None:
    """Clicking a cell of any map makes the animation jump there (pooled cells switch to pooling)."""
    maps_panel.cell_clicked.connect(animation_panel.show_cell)


class AnimationPanel(QWidget):
    """Animates convolution and pooling one output cell at a time; follows ``state.result_changed``."""

    step_changed = Signal(int)
    status_message = Signal(str)

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._scale = 1.0
        self._data = AnimationData(state)
        self._last_step = None
        self._stale = False                        # the grids wait for the panel to be shown (see set_result)
        self._shown_input_key: tuple | None = None  # what the input grids show now (conv stage)
        self._input_title = self._output_title = ""
        self._enabled = False
        self._restart = False                      # a new or redrawn image: the next result starts at step 1
        self._image_source = state.image_source
        self._presenter = False
        self.player = AnimationPlayer(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build_controls()
        self._build_body()
        self._build_actions()
        self.player.step_changed.connect(self._on_player_step_changed)
        self._set_enabled(False)
        state.image_changed.connect(self._on_state_image_changed)
        state.result_changed.connect(self.set_result)
        state.reset_requested.connect(self.restart)
        if state.result is not None:
            self.set_result(state.result)

    # --- construction ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.controls = AnimationControls(self.player, self.toggle_playing, self)
        c = self.controls
        # The controls are part of this panel's API (tests and the window reach them by these names).
        self.stage_combo, self.kernel_combo, self.play_button = c.stage_combo, c.kernel_combo, c.play_button
        self.home_button, self.back_button = c.home_button, c.back_button
        self.forward_button, self.end_button = c.forward_button, c.end_button
        self.speed_slider, self.speed_label, self.granularity_combo = c.speed_slider, c.speed_label, \
            c.granularity_combo
        self.scrub_slider, self.position_label = c.scrub_slider, c.position_label
        self.stage_combo.currentIndexChanged.connect(self._on_stage_combo_changed)
        self.kernel_combo.currentIndexChanged.connect(self._on_kernel_combo_changed)
        self.scrub_slider.valueChanged.connect(self._on_scrub_slider_changed)

    def _build_body(self) -> None:
        self.body = AnimationBody(self)
        b = self.body
        # The grids and titles are part of this panel's API too.
        self.input_title, self.input_region, self.input_views = b.input_title, b.input_region, b.input_views
        self.output_title, self.output_region, self.output_view = b.output_title, b.output_region, b.output_view
        self.arithmetic = b.arithmetic
        self.output_view.cell_clicked.connect(self.jump_to)
        self.output_view.cell_hovered.connect(self._on_output_view_cell_hovered)
        self.output_view.region_changed.connect(self.body.update_region_notes)
        self.placeholder = QLabel("Draw or load an image to step through its convolution.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self.body, 1)
        self.arithmetic.sum_label.setParent(self)
        self.sum_room = SumRoom(self, self.controls, self.body, self.arithmetic)
        layout.addWidget(self.arithmetic.sum_label, 0)

    def _arrange(self, wide: bool) -> None:
        """Wide: input | arithmetic | output. Narrow (a side column, a big presenter scale):
        input | output with the arithmetic below, and the controls on three lines."""
        self.controls.arrange(wide)
        self.body.arrange(wide)

    def _is_wide(self) -> bool:
        """Side by side when there is width to spare: absolutely, or compared with the height."""
        if self.width() < self.body.wide_width() + 8:
            return False                            # the three columns would not fit: never cut one off
        return self.width() >= WIDE_WIDTH * self._scale or self.width() >= 1.9 * self.height()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        """Controls + the whole written-out sum (the grids scroll in the body): the least height to show."""
        m = self.layout().contentsMargins()
        label = self.arithmetic.sum_label
        parts = [self.controls.minimumSizeHint().height(), self.body.minimumSizeHint().height(),
                 label.heightForWidth(width - m.left() - m.right()) if label.isVisible() else 0]
        return sum(parts) + 2 * self.layout().spacing() + m.top() + m.bottom()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._arrange(wide=self._is_wide())
        super().resizeEvent(event)

    def _build_actions(self) -> None:
        (self.play_action, self.forward_action, self.back_action, self.home_action,
         self.end_action) = step_actions(self, self.player, self.toggle_playing)

    def actions(self) -> list[QAction]:
        """The keyboard actions (Space, Right/Left, PageDown/PageUp, Home/End) to install window-wide."""
        return [self.play_action, self.forward_action, self.back_action, self.home_action, self.end_action]

    # --- public API -----------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.player.step

    @property
    def stage(self) -> str:
        return self._data.stage

    @property
    def kernel_index(self) -> int:
        return self._data.k

    def current_step(self):
        """The core's record of the current position (ConvStep or PoolStep), None without a result."""
        self._catch_up()
        return self._last_step

    def arithmetic_text(self) -> str:
        self._catch_up()
        return self.arithmetic.text()

    def set_step(self, n: int) -> None:
        self.player.set_step(n)

    def restart(self) -> None:
        """Step 1 of the convolution, first kernel (a new sample; the new result keeps this cell)."""
        self.player.pause()
        self.set_kernel(0)
        self.set_stage("conv")
        self.player.set_step(0)

    def toggle_playing(self) -> None:
        """Play or pause; playing needs the panel on screen (the clock never runs for a hidden panel)."""
        if self.player.is_playing() or not self.isVisible():
            self.player.pause()
        else:
            self.player.play()

    def stop(self) -> None:
        """Stop the clock (the window is closing)."""
        self.player.pause()

    def jump_to(self, i: int, j: int) -> None:
        """Show output cell (i, j) of the current stage (the player pauses)."""
        self.player.pause()
        self.player.jump_to(i, j)

    def show_cell(self, stage: str, k: int, i: int, j: int) -> None:
        """Jump to a cell clicked in the maps panel: 'pooled' cells animate pooling, the rest convolution."""
        self.player.pause()
        self.set_kernel(k)
        self.set_stage("pool" if stage == "pooled" else "conv")
        self.player.jump_to(i, j)

    def set_stage(self, stage: str) -> None:
        if stage not in STAGES:
            raise ValueError(f"stage: must be one of {', '.join(STAGES)}, got {stage!r}")
        index = self.stage_combo.findData(stage)
        if index >= 0 and self.stage_combo.model().item(index).isEnabled():
            self.stage_combo.setCurrentIndex(index)

    def set_kernel(self, k: int) -> None:
        if 0 <= k < self.kernel_combo.count():
            self.kernel_combo.setCurrentIndex(k)

    def set_scale(self, f: float) -> None:
        """Presenter scale: numbers, labels and grids grow together (in the presenter view the
        controls, the teacher's, stop growing at TEACHER_MAX_SCALE)."""
        self._scale = float(f)
        self.controls.set_scale(min(f, TEACHER_MAX_SCALE) if self._presenter else f)
        self.placeholder.setFont(scaled_font(self.font(), 13, f, 9))
        self.body.set_scale(f)
        self._arrange(wide=self._is_wide())

    # --- result ---------------------------------------------------------------------------------
    def set_presenter(self, on: bool) -> None:
        """In the presenter view the controls keep the size they have at TEACHER_MAX_SCALE."""
        if bool(on) != self._presenter:
            self._presenter = bool(on)
            self.body.set_presenter(self._presenter)
            self.set_scale(self._scale)

    def set_result(self, result) -> None:
        """A new ``PipelineResult``: keep the stage, kernel and cell where they still exist.

        While the panel is hidden behind another tab of a shown window, only the cheap state
        (kernels, stage, step count) follows; the grids, the padded input and the current step
        catch up when the panel is shown or asked for them (``current_step``, ``arithmetic_text``).
        """
        data = self._data
        data.set_result(result)
        k_count = int(np.asarray(result.feature).shape[0])
        names = self._state.kernel_names
        labels = [f"Kernel {k + 1}" + (f": {names[k]}" if k < len(names) and k_count == len(names) and names[k]
                                       else "") for k in range(k_count)]
        with QSignalBlocker(self.kernel_combo):
            if labels != [self.kernel_combo.itemText(i) for i in range(self.kernel_combo.count())]:
                self.kernel_combo.clear()
                self.kernel_combo.addItems(labels)
            data.k = min(data.k, k_count - 1)
            self.kernel_combo.setCurrentIndex(data.k)
        self.kernel_combo.setVisible(k_count > 1)
        pool_item = self.stage_combo.model().item(self.stage_combo.findData("pool"))
        if pool_item.isEnabled() != (result.pooled is not None):
            pool_item.setEnabled(result.pooled is not None)
        if result.pooled is None and data.stage == "pool":
            with QSignalBlocker(self.stage_combo):
                self.stage_combo.setCurrentIndex(self.stage_combo.findData("conv"))
            data.stage = "conv"
        if not self._enabled:
            self._set_enabled(True)
        if self._restart:
            self._restart = False
            self.player.pause()
            self.player.cursor.set_step(0)          # set_shape below keeps cell (0, 0): step 1
        self._load_stage()

    def _set_enabled(self, on: bool) -> None:
        self._enabled = on
        for w in self.controls.transport_widgets():
            w.setEnabled(on)
        for action in self.actions():
            action.setEnabled(on)
        self.placeholder.setVisible(not on)
        self.body.setVisible(on)
        self.arithmetic.sum_label.setVisible(on)

    def _deferring(self) -> bool:
        """True while the panel sits hidden in a shown window (another tab in front)."""
        return not self.isVisible() and self.window().isVisible()

    def _catch_up(self) -> None:
        """Load the grids and the current step that waited while the panel was hidden."""
        if self._stale and self._data.result is not None:
            self._stale = False
            self._load_grids()
            self._show_step()

    def _load_stage(self) -> None:
        """(Re)load the grids of the current stage and kernel, then show the current step
        (hidden in a shown window: only the step count now, the grids when shown)."""
        if self._data.result is None:
            return
        out_shape = self._data.output().shape
        count = out_shape[0] * out_shape[1]
        with QSignalBlocker(self.scrub_slider):
            self.scrub_slider.setRange(0, max(0, count - 1))
        self._stale = self._deferring()
        if not self._stale:
            self._load_grids()
        self.player.set_shape(out_shape)

    def _ensure_input_views(self, n: int) -> None:
        for view in self.body.ensure_input_views(n):
            view.cell_hovered.connect(self._on_input_view_cell_hovered)
            view.region_changed.connect(self.body.update_region_notes)

    def _load_grids(self) -> None:
        """Put the current stage's input and output into the grids (the costly part of a new result)."""
        data = self._data
        res = data.result
        out = data.output()
        grid = data.input()
        if data.stage == "conv":
            top, bottom, left, right = res.conv.pads
            h, w = np.asarray(res.image).shape[:2]
            interior = (top, top + h, left, left + w)
            channels = [grid] if grid.ndim == 2 else [grid[..., c] for c in range(grid.shape[2])]
            self._ensure_input_views(len(channels))
            key = data.input_key()
            same_picture = key is not None and key == self._shown_input_key
            for c, (view, values) in enumerate(zip(self.input_views, channels)):
                if not same_picture:                # a kernel edit keeps the picture: no re-render of the grid
                    view.set_values(values, colors="grey", value_range=data.input_range, interior=interior,
                                    label_offset=(top, left))
                view.set_cell_range(*self.body.cell_range(len(channels)))
                view.set_caption("" if len(channels) == 1 else channel_caption(c, len(channels)))
            padded = any(res.conv.pads)
            shape = f"{h}×{w}" + (f" (padded {grid.shape[0]}×{grid.shape[1]})" if padded else "")
            names = "" if grid.ndim == 2 else " · " + ", ".join(
                channel_caption(c, grid.shape[2]) for c in range(grid.shape[2]))
            self._input_title = f"Input {shape}{names}"
            self._output_title = f"Feature map {out.shape[0]}×{out.shape[1]}"
            self._shown_input_key = key
        else:
            self._shown_input_key = None
            self._ensure_input_views(1)
            self.input_views[0].set_cell_range(*self.body.cell_range(1))
            self.input_views[0].set_caption("")
            display = data.pool_display(out.shape)
            pads = data.pool_pads
            h, w = grid.shape
            self.input_views[0].set_values(display, colors="diverging", value_range=data.act_range,
                                           interior=(pads[0], pads[0] + h, pads[1], pads[1] + w), label_offset=pads)
            self._input_title = f"{activation_title(res.activation)} map {h}×{w}"
            kind = "Max-pooled" if res.pool.mode == "max" else "Average-pooled"
            self._output_title = f"{kind} map {out.shape[0]}×{out.shape[1]}"
        lo, hi = finite_range(out)
        m = max(abs(lo), abs(hi))
        self.output_view.set_values(out, colors="diverging", value_range=(-m, m))
        count = out.shape[0] * out.shape[1]
        # Wide enough for the longest position text, so stepping never re-lays the panel out.
        widest = f"Step {count} of {count} · output (row {out.shape[0]}, col {out.shape[1]}) = −{format_number(m, 'cell')}.00"
        width = round(self.position_label.fontMetrics().horizontalAdvance(widest))
        if width != self.position_label.minimumWidth():
            self.position_label.setMinimumWidth(width)

    # --- per step -------------------------------------------------------------------------------
    def _on_player_step_changed(self, n: int) -> None:
        self._show_step()
        self.step_changed.emit(n)

    def _show_step(self) -> None:
        """Ask the core for the current position only and move the marks: the per-step work."""
        data = self._data
        if data.result is None or self.player.count == 0:
            return
        if self._stale:
            if self._deferring():
                return                              # shown (with this step) when the panel is shown
            self._stale = False
            self._load_grids()
        n = self.player.step
        i, j = self.player.cursor.cell()
        step = data.step(i, j)
        if data.stage == "conv":
            for view in self.input_views:
                view.set_marks(window=(step.rows, step.cols))
            self.arithmetic.show_conv_step(step, data.input_range)
        else:
            top, left = data.pool_pads
            winner = (step.winner[0] + top, step.winner[1] + left) if data.result.pool.mode == "max" else None
            self.input_views[0].set_marks(window=(np.asarray(step.rows) + top, np.asarray(step.cols) + left),
                                          winner=winner)
            self.arithmetic.show_pool_step(step, data.act_range)
        self._last_step = step
        self.output_view.set_marks(current=(i, j), filled=n + 1)
        with QSignalBlocker(self.scrub_slider):
            self.scrub_slider.setValue(n)
        self.position_label.setText(f"Step {n + 1} of {self.player.count} · output (row {i}, col {j}) "
                                    f"= {format_number(float(step.value), 'cell')}")
        self.input_title.setText(self._input_title)
        self.output_title.setText(self._output_title)
        self.body.update_region_notes()

    # --- slots ----------------------------------------------------------------------------------
    def _on_stage_combo_changed(self, index: int) -> None:
        self._data.stage = self.stage_combo.itemData(index)
        self.player.pause()
        self.player.cursor.set_step(0)              # a stage starts at its step 1, not where the other one was
        self._load_stage()

    def _on_state_image_changed(self) -> None:
        """A new or redrawn image: the animation starts again at step 1 (a new picture: of the convolution)."""
        self._restart = True
        if self._state.image_source != self._image_source:
            self._image_source = self._state.image_source
            if self._data.stage != "conv":
                with QSignalBlocker(self.stage_combo):
                    self.stage_combo.setCurrentIndex(self.stage_combo.findData("conv"))
                self._data.stage = "conv"

    def _on_kernel_combo_changed(self, index: int) -> None:
        if index >= 0:
            self._data.k = index
            self._load_stage()

    def _on_scrub_slider_changed(self, value: int) -> None:
        self.player.pause()
        self.player.set_step(value)

    def _on_output_view_cell_hovered(self, i: int, j: int) -> None:
        self.status_message.emit(output_hover_text(self.output_view, i, j))

    def _on_input_view_cell_hovered(self, r: int, c: int) -> None:
        self.status_message.emit(input_hover_text(self.sender(), r, c, self._data))

    # --- lifetime -------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._catch_up()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.player.pause()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.player.pause()
        super().closeEvent(event)
