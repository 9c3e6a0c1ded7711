"""KernelsPanel: put hand-made kernels (the explorer's, or a preset kernel) into the first conv layer.

The kernels are checked against the edited spec (size, channels); a size
mismatch offers to set the first Conv2D's kernel size. They are copied into
each new model when training starts, frozen (kept as they are) or trainable
(a starting point), so a class can compare hand-made and learned filters.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.library import PRESETS as KERNEL_PRESETS
from cnn_explorer.core.train.session import FirstLayerKernels, KernelSizeMismatch
from cnn_explorer.ui.train.image_grid import ImageGrid, filter_pictures
from cnn_explorer.ui.widgets.fold import FoldRow, wrapping_check
from cnn_explorer.ui.widgets.inline_message import InlineMessage

EXPLORER = "__explorer__"


class KernelsPanel(QWidget):
    """Choose kernels; ``kernels_changed(FirstLayerKernels | None)``; ``kernel_size_requested((kh, kw))``."""

    kernels_changed = Signal(object)
    kernel_size_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._provider: Callable[[], list[tuple[str, np.ndarray]]] | None = None
        self.kernels: FirstLayerKernels | None = None
        self._spec = None
        self._wanted_size: tuple[int, int] | None = None
        self.source = QComboBox(self)
        self.source.addItem("the explorer's kernels", EXPLORER)
        for name, p in KERNEL_PRESETS.items():
            self.source.addItem(f"{name} ({p.values.shape[0]}×{p.values.shape[1]})", name)
            self.source.setItemData(self.source.count() - 1, p.description, 3)
        self.frozen = QCheckBox("Frozen (keep them while training)", self)
        self.frozen.setChecked(True)
        self.frozen.toggled.connect(self._on_frozen_toggled)
        self.load_button = QPushButton("Load into conv1", self)
        self.add_button = QPushButton("Add", self)
        self.add_button.setToolTip("Add the chosen kernel to the ones already loaded (one filter each)")
        self.clear_button = QPushButton("Clear", self)
        self.load_button.clicked.connect(lambda: self._load(append=False))
        self.add_button.clicked.connect(lambda: self._load(append=True))
        self.clear_button.clicked.connect(self.clear)
        self.fix_button = QPushButton(self)
        self.fix_button.hide()
        self.fix_button.clicked.connect(self._on_fix_clicked)
        self.message = InlineMessage(self)
        self.status = QLabel("No hand-made kernels: the first layer starts random.", self)
        self.status.setWordWrap(True)
        self.grid = ImageGrid(32, self, max_rows=2, name="hand-made kernels")

        # a long kernel name does not widen the column: the list opens as wide as its items
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(12)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        # the buttons stack and the check box's text wraps in a narrow column (a large presenter scale)
        buttons = FoldRow([self.load_button, self.add_button, self.clear_button], self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(wrapping_check(self.frozen, self))
        layout.addWidget(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.fix_button)
        layout.addWidget(self.status)
        layout.addWidget(self.grid)
        self._update_source_item()

    # ------------------------------------------------------------------ public
    def set_provider(self, provider: Callable[[], list[tuple[str, np.ndarray]]] | None) -> None:
        self._provider = provider
        self._update_source_item()

    def provider(self) -> Callable[[], list[tuple[str, np.ndarray]]] | None:
        """Where "the explorer's kernels" come from (None: not connected)."""
        return self._provider

    def set_spec(self, spec) -> None:
        """Re-check the loaded kernels against the edited spec."""
        self._spec = spec
        if self.kernels is not None:
            self._check_and_show()

    def load_kernels(self, kernels: list[tuple[str, np.ndarray]], frozen: bool | None = None) -> bool:
        """Use ``kernels`` ((name, (kh, kw[, C]) array) pairs); False (and a message) when they do not fit."""
        if frozen is not None:
            self.frozen.setChecked(frozen)
        if not kernels:
            self.message.show_error("kernels: none to load (the explorer has no kernel yet)")
            return False
        self.kernels = FirstLayerKernels([(n, np.asarray(k, dtype=np.float32)) for n, k in kernels],
                                         self.frozen.isChecked())
        return self._check_and_show()

    def load_explorer_kernels(self, frozen: bool | None = None) -> bool:
        if self._provider is None:
            self.message.show_error("kernels: the explorer's kernels are not available here")
            return False
        return self.load_kernels(list(self._provider()), frozen)

    def clear(self) -> None:
        self.kernels = None
        self.message.clear_message()
        self.fix_button.hide()
        self.grid.set_pictures([])
        self.status.setText("No hand-made kernels: the first layer starts random.")
        self.kernels_changed.emit(None)

    def is_valid(self) -> bool:
        return self.kernels is None or not self.message.is_error

    def set_scale(self, factor: float) -> None:
        self.grid.set_scale(factor)

    # ------------------------------------------------------------------ internals
    def _update_source_item(self) -> None:
        index = self.source.findData(EXPLORER)
        item = self.source.model().item(index)
        if item is not None:
            item.setEnabled(self._provider is not None)
        if self._provider is None and self.source.currentData() == EXPLORER:
            self.source.setCurrentIndex(1)

    def _load(self, append: bool) -> None:
        data = self.source.currentData()
        if data == EXPLORER:
            chosen = list(self._provider()) if self._provider is not None else []
        else:
            chosen = [(data, np.asarray(KERNEL_PRESETS[data].values, dtype=np.float32))]
        previous = list(self.kernels.kernels) if append and self.kernels is not None else []
        self.load_kernels(previous + chosen)

    def _check_and_show(self) -> bool:
        k = self.kernels
        self.fix_button.hide()
        self.grid.set_pictures(filter_pictures(np.stack([_as_filter(a) for _, a in k.kernels]))
                               if _same_size(k) else [], [n for n, _ in k.kernels])
        ok = True
        if self._spec is not None:
            try:
                k.check(self._spec)
                self.message.clear_message()
            except KernelSizeMismatch as exc:
                ok = False
                self.message.show_error(str(exc))
                self._wanted_size = exc.size
                self.fix_button.setText(f"Set the first Conv2D's kernel to {exc.size[0]}×{exc.size[1]}")
                self.fix_button.show()
            except CnnExplorerError as exc:
                ok = False
                self.message.show_error(str(exc))
        mode = "frozen" if k.frozen else "trainable"
        self.status.setText(f"{len(k.kernels)} hand-made kernel{'s' if len(k.kernels) != 1 else ''} go into "
                            f"the first conv layer ({mode}) when training starts; other filters start random.")
        self.kernels_changed.emit(k)
        return ok

    def _on_frozen_toggled(self, checked: bool) -> None:
        if self.kernels is not None:
            self.kernels.frozen = checked
            self._check_and_show()

    def _on_fix_clicked(self) -> None:
        if self._wanted_size is not None:
            self.kernel_size_requested.emit(self._wanted_size)


def _as_filter(k: np.ndarray) -> np.ndarray:
    """(kh, kw[, C]) -> (C, kh, kw) for the filter pictures."""
    k = np.asarray(k, dtype=np.float64)
    return k[None] if k.ndim == 2 else np.transpose(k, (2, 0, 1))


def _same_size(k: FirstLayerKernels) -> bool:
    shapes = {_as_filter(a).shape for _, a in k.kernels}
    return len(shapes) == 1
