"""The animation's controls: stage and kernel, play/pause and stepping, speed, the scrub slider.

Buttons and the speed controls drive an :class:`AnimationPlayer` directly; the
stage, kernel and scrub signals are the panel's to handle. Two lines when the
panel is wide, three when it is narrow.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QGridLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from cnn_explorer.ui.explorer.animation import (
    GRANULARITIES,
    GRANULARITY_LABELS,
    MAX_SPEED,
    MIN_SPEED,
    AnimationPlayer,
)
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.widgets.containers import box_of, clear_grid

STAGES = ("conv", "pool")
STAGE_LABELS = {"conv": "Convolution", "pool": "Pooling"}
SPEED_UNITS = {"cell": "steps/s", "row": "rows/s", "map": "maps/s"}


class AnimationControls(QWidget):
    """The control strip above the animation; ``toggle_playing`` is what the play button calls."""

    def __init__(self, player: AnimationPlayer, toggle_playing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._player = player
        self._scale = 1.0
        self.stage_combo = QComboBox(self)
        for stage in STAGES:
            self.stage_combo.addItem(STAGE_LABELS[stage], stage)
        self.stage_combo.setToolTip("Animate the convolution or the pooling")
        self.kernel_combo = QComboBox(self)
        self.kernel_combo.setToolTip("Which kernel of the stack to animate")
        sp = QStyle.StandardPixmap
        self.home_button = self._button("", sp.SP_MediaSkipBackward, "First step (Home)", player.home)
        self.back_button = self._button("", sp.SP_MediaSeekBackward, "Step back (Left, Page Up)", player.step_back)
        self.play_button = self._button("Play", sp.SP_MediaPlay, "Play / pause (Space)", toggle_playing)
        self.forward_button = self._button("", sp.SP_MediaSeekForward, "Step forward (Right, Page Down)",
                                           player.step_forward)
        self.end_button = self._button("", sp.SP_MediaSkipForward, "Last step (End)", player.end)
        self.speed_title = QLabel("Speed", self)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_slider.setValue(player.speed)
        self.speed_slider.setToolTip("Speed: 1 to 60 steps per second")
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_slider.valueChanged.connect(self._on_speed_slider_changed)
        self.speed_label = QLabel(self)
        self.granularity_combo = QComboBox(self)
        for g in GRANULARITIES:
            self.granularity_combo.addItem(GRANULARITY_LABELS[g], g)
        self.granularity_combo.setToolTip("What one tick of the clock fills in")
        self.granularity_combo.currentIndexChanged.connect(self._on_granularity_combo_changed)
        self.scrub_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.scrub_slider.setToolTip("Scrub through the steps")
        self.scrub_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.position_label = QLabel(self)
        self.position_label.setWordWrap(True)  # "Step 9 of 16 · output (row 2, col 0) = 633" wraps at large scales
        player.playing_changed.connect(self._on_player_playing_changed)
        self._update_speed_label()
        self._fix_play_width()

        lr = QBoxLayout.Direction.LeftToRight
        self._transport_box = box_of((self.stage_combo, self.kernel_combo, self.home_button, self.back_button,
                                      self.play_button, self.forward_button, self.end_button), self, lr)
        self._transport_box.layout().addStretch(1)
        # Export… (the window's File ▸ Export animation); hidden until the window hands over its action
        self.export_button = QToolButton(self)
        self.export_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.export_button.hide()
        self._export_wanted = False
        self._transport_box.layout().addWidget(self.export_button)
        self._speed_box = box_of((self.speed_title, self.speed_slider, self.speed_label, self.granularity_combo),
                                 self, lr, stretch_of=self.speed_slider)
        self._scrub_box = box_of((self.scrub_slider, self.position_label), self, lr, stretch_of=self.scrub_slider)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._wide: bool | None = None
        self.arrange(wide=True)

    def _button(self, text: str, icon, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text
                                  else Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    def arrange(self, wide: bool) -> None:
        """Wide: transport and speed on one line, the scrub slider below. Narrow: three lines,
        the position text under the scrub slider."""
        if wide == self._wide:
            return
        self._wide = wide
        # narrow (at large scales, beside the editing column), the Export… button folds away so that the transport
        # line fits; File ▸ Export animation… (Ctrl+Shift+E) stays
        self.export_button.setVisible(wide and self._export_wanted)
        clear_grid(self._grid, (self._transport_box, self._speed_box, self._scrub_box), 3)
        if wide:
            self._grid.addWidget(self._transport_box, 0, 0)
            self._grid.addWidget(self._speed_box, 0, 1)
            self._grid.addWidget(self._scrub_box, 1, 0, 1, 2)
            self._grid.setColumnStretch(1, 1)
            self._scrub_box.layout().setDirection(QBoxLayout.Direction.LeftToRight)
        else:
            for row, w in enumerate((self._transport_box, self._speed_box, self._scrub_box)):
                self._grid.addWidget(w, row, 0)
            self._grid.setColumnStretch(0, 1)
            self._scrub_box.layout().setDirection(QBoxLayout.Direction.TopToBottom)

    def transport_widgets(self) -> tuple[QWidget, ...]:
        """What is disabled while there is nothing to animate."""
        return (self.stage_combo, self.kernel_combo, self.home_button, self.back_button, self.play_button,
                self.forward_button, self.end_button, self.scrub_slider)

    def set_scale(self, f: float) -> None:
        self._scale = float(f)
        font = scaled_font(self.font(), 13, f, 9)
        for w in self.transport_widgets() + (self.speed_title, self.speed_label, self.granularity_combo,
                                             self.position_label, self.export_button):
            w.setFont(font)
        icon = QSize(round(16 * f), round(16 * f))
        for button in (self.home_button, self.back_button, self.play_button, self.forward_button, self.end_button):
            button.setIconSize(icon)
        self._fix_play_width()

    def set_export_action(self, action) -> None:
        """Show the Export… button, triggering ``action`` (File ▸ Export animation…)."""
        self.export_button.setDefaultAction(action)
        self.export_button.setText("Export…")
        self.export_button.setToolTip(f"{action.toolTip()} ({action.shortcut().toString()})")
        self._export_wanted = True
        self.export_button.setVisible(self._wide is not False)

    def _fix_play_width(self) -> None:
        """The play button is as wide as its widest text, so Play ⇄ Pause never moves the buttons after it."""
        button = self.play_button
        text = button.text()
        button.setMinimumWidth(0)
        widths = []
        for label in ("Play", "Pause"):
            button.setText(label)
            widths.append(button.sizeHint().width())
        button.setText(text)
        button.setMinimumWidth(max(widths))

    def _on_player_playing_changed(self, playing: bool) -> None:
        sp = QStyle.StandardPixmap
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay))

    def _on_speed_slider_changed(self, value: int) -> None:
        self._player.set_speed(value)
        self._update_speed_label()

    def _on_granularity_combo_changed(self, index: int) -> None:
        self._player.set_granularity(self.granularity_combo.itemData(index))
        self._update_speed_label()

    def _update_speed_label(self) -> None:
        self.speed_label.setText(f"{self._player.speed} {SPEED_UNITS[self._player.granularity]}")


def step_actions(owner: QWidget, player, toggle_playing) -> tuple[QAction, ...]:
    """The step view's keyboard actions, added to ``owner`` (active while it or a child has focus):
    play / pause (Space), step forward (Right, PageDown), back (Left, PageUp), first (Home), last (End)."""
    def make(text: str, keys, slot) -> QAction:
        action = QAction(text, owner)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        owner.addAction(action)
        return action

    return (make("Play / pause", [Qt.Key.Key_Space], toggle_playing),
            make("Step forward", [Qt.Key.Key_Right, Qt.Key.Key_PageDown], player.step_forward),
            make("Step back", [Qt.Key.Key_Left, Qt.Key.Key_PageUp], player.step_back),
            make("First step", [Qt.Key.Key_Home], player.home),
            make("Last step", [Qt.Key.Key_End], player.end))
