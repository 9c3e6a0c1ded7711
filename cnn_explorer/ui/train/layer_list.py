"""LayerList: the model's layers in order — add, remove, reorder (buttons or drag) and pick a preset.

Each row reads like the shape table ("2  MaxPool 2x2 ceil"); the layer the
engine rejects is painted red with its message as tooltip. Edits go to the
:class:`SpecState` (undoable); the list redraws itself from the state.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.shapes import layer_details
from cnn_explorer.core.model.spec import (
    Activation,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool,
    Softmax,
)
from cnn_explorer.ui import theme
from cnn_explorer.ui.train.spec_state import SpecState

#: what "Add layer" offers: (menu text, a new layer with sensible defaults)
NEW_LAYERS = (
    ("Conv2D (8 filters 3×3, ReLU)", lambda: Conv2D(8, 3)),
    ("MaxPool 2×2", lambda: MaxPool(2)),
    ("AvgPool 2×2", lambda: AvgPool(2)),
    ("ReLU", lambda: Activation("relu")),
    ("LeakyReLU", lambda: Activation("leaky_relu")),
    ("Sigmoid", lambda: Activation("sigmoid")),
    ("Tanh", lambda: Activation("tanh")),
    ("BatchNorm", BatchNorm),
    ("Dropout 0.25", lambda: Dropout(0.25)),
    ("Flatten", Flatten),
    ("GlobalAvgPool", GlobalAvgPool),
    ("GlobalMaxPool", GlobalMaxPool),
    ("Dense (64 units, ReLU)", lambda: Dense(64, "relu")),
    ("Softmax", Softmax),
)


def layer_text(index: int, layer) -> str:
    """One list row: "1  Conv2D 3 3x3 relu"."""
    try:
        details = layer_details(layer)
    except Exception:  # a layer with out-of-range values still gets a row
        details = ""
    return f"{index + 1}  {layer.display}  {details}".rstrip()


class LayerList(QWidget):
    """The layer list and its buttons over a SpecState; ``current_changed(index)`` when the selection moves."""

    current_changed = Signal(int)
    status_message = Signal(str)

    def __init__(self, state: SpecState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.presets = QComboBox(self)
        self.presets.addItem("Preset…", "")
        for name, description in PRESETS.items():
            self.presets.addItem(name, name)
            self.presets.setItemData(self.presets.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.presets.setToolTip("Replace the model by one of the engine's presets, adapted to the dataset")
        self.presets.activated.connect(self._on_presets_activated)

        self.list = QListWidget(self)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setAlternatingRowColors(True)
        self.list.model().rowsMoved.connect(self._on_list_rows_moved)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)

        add_menu = QMenu(self)
        for text, make in NEW_LAYERS:
            action = QAction(text, add_menu)
            action.triggered.connect(lambda _c=False, m=make: self.add_layer(m()))
            add_menu.addAction(action)
        self.add_button = self._button("Add", "Add a layer after the selected one")
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.remove_button = self._button("Remove", "Remove the selected layer (Delete)")
        self.up_button = self._button("▲", "Move the selected layer up")
        self.down_button = self._button("▼", "Move the selected layer down")
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(+1))

        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layers", self))
        top.addStretch(1)
        top.addWidget(self.presets)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        state.spec_changed.connect(self._on_state_spec_changed)
        self._refresh()
        self.list.setCurrentRow(0)

    def _button(self, text: str, tip: str) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        return b

    # ------------------------------------------------------------------ actions
    def current_index(self) -> int:
        return self.list.currentRow()

    def add_layer(self, layer) -> None:
        index = self.current_index() + 1 if self.current_index() >= 0 else len(self.state.spec.layers)
        self.state.insert_layer(index, layer)
        self.list.setCurrentRow(index)

    def remove_current(self) -> None:
        i = self.current_index()
        if 0 <= i < len(self.state.spec.layers) and len(self.state.spec.layers) > 1:
            self.state.remove_layer(i)
            self.list.setCurrentRow(min(i, self.list.count() - 1))

    def move_current(self, delta: int) -> None:
        i = self.current_index()
        j = i + delta
        if 0 <= i < self.list.count() and 0 <= j < self.list.count():
            self.state.move_layer(i, j)
            self.list.setCurrentRow(j)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Delete:
            self.remove_current()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ slots
    def _on_presets_activated(self, index: int) -> None:
        name = self.presets.itemData(index)
        self.presets.setCurrentIndex(0)
        if not name:
            return
        spec = self.state.spec
        try:
            new = preset(name, spec.input_shape, spec.class_names)
        except Exception as exc:  # SpecError: the input is too small for this preset
            self.status_message.emit(str(exc))
            return
        self.state.set_spec(new, f"Preset {name}")
        self.list.setCurrentRow(0)

    def _on_list_rows_moved(self, _parent, start: int, _end: int, _dest, row: int) -> None:
        target = row if row < start else row - 1
        self.state.move_layer(start, target)
        self.list.setCurrentRow(target)

    def _on_list_current_row_changed(self, row: int) -> None:
        self.current_changed.emit(row)

    def _on_state_spec_changed(self, _spec) -> None:
        self._refresh()

    def _refresh(self) -> None:
        spec, error = self.state.spec, self.state.error
        bad = error.layer_index if error is not None else None
        row = self.list.currentRow()
        with QSignalBlocker(self.list):
            self.list.clear()
            for i, layer in enumerate(spec.layers):
                item = QListWidgetItem(layer_text(i, layer))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
                if i == bad:
                    item.setBackground(QBrush(theme.INVALID_CELL))
                    item.setForeground(QBrush(QColor(theme.ERROR_FG)))
                    item.setToolTip(str(error))
                    item.setText("⚠ " + item.text())
                self.list.addItem(item)
            self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        self.list.viewport().update()
        self.remove_button.setEnabled(len(spec.layers) > 1)
        self.current_changed.emit(self.list.currentRow())
