"""The presenter view's slim bar: sample, kernel and the key settings on one line.

In the presenter view the editing panels fold away; this bar keeps what a teacher
changes during a lesson within reach. It owns no state: the kernel and settings
combos share the editing panels' item models and drive those panels' own
widgets, so a choice here is exactly the choice made there (same undo step, same
resets); a sample is requested through ``sample_requested(name)``, which the
window routes to its one "open sample" action.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.explorer.kernel_editor import KernelEditor
from cnn_explorer.ui.explorer.settings_panel import SettingsPanel
from cnn_explorer.ui.scale import scaled_font
from cnn_explorer.ui.widgets.containers import box_of

#: the bar's own text stops growing at this presenter scale
MAX_BAR_SCALE = 1.5
SAMPLE_GROUP_TITLES = {"slides": "SLIDES", "synthetic": "SYNTHETIC", "photos": "PHOTOS"}


class _LazyCombo(QComboBox):
    """A combo box that asks ``fill`` for its entries the first time its list opens."""

    def __init__(self, fill, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fill = fill

    def showPopup(self) -> None:  # noqa: N802 - Qt override
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)
        super().showPopup()


def sample_label(name: str) -> str:
    """'Title (slide 000-1)': the human name first, the slide code second."""
    sample = SAMPLES[name]
    title = " ".join(sample.title.split())
    return f"{title} (slide {sample.slide})" if sample.slide else title


class PresenterBar(QWidget):
    """One line: Sample ▾  Kernel ▾  Stride ⌷  Padding ▾  Activation ▾  Pooling ▾  [Edit panels]."""

    sample_requested = Signal(str)
    leave_requested = Signal()

    def __init__(self, kernel_editor: KernelEditor, settings: SettingsPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = kernel_editor
        self._settings = settings
        self.sample_combo = _LazyCombo(self._fill_samples, self)
        self.sample_combo.addItem("Choose a sample…", None)
        self.sample_combo.setToolTip("Open a sample with its kernel and settings")
        self.sample_combo.activated.connect(self._on_sample_combo_activated)
        self.kernel_combo = QComboBox(self)
        self.kernel_combo.setModel(kernel_editor.preset_combo.model())
        self.kernel_combo.setToolTip("Put a named kernel into the current kernel tab")
        self.kernel_combo.activated.connect(self._on_kernel_combo_activated)
        self.stride_spin = QSpinBox(self)
        self.stride_spin.setRange(settings.stride_rows.minimum(), settings.stride_rows.maximum())
        self.stride_spin.setToolTip("Stride (rows and columns): how far the window moves each step")
        self.stride_spin.valueChanged.connect(self._on_stride_spin_changed)
        self._mirrors: list[tuple[QComboBox, QComboBox]] = []
        self.padding_combo = self._mirror(settings.padding_combo, "Padding")
        self.activation_combo = self._mirror(settings.activation_combo, "Activation")
        self.pool_combo = self._mirror(settings.pool_combo, "Pooling")
        self.leave_button = QToolButton(self)
        self.leave_button.setText("Leave presenter (Esc)")
        self.leave_button.setToolTip("Show the input, kernel and settings panels again (F5 or Esc)")
        self.leave_button.clicked.connect(self.leave_requested)
        self._labels = [QLabel(text, self) for text in ("Sample", "Kernel", "Stride", "Padding", "Activation",
                                                        "Pooling")]
        fields = (self.sample_combo, self.kernel_combo, self.stride_spin, self.padding_combo,
                  self.activation_combo, self.pool_combo)
        self._items: list[QWidget] = []
        for label, field in zip(self._labels, fields):
            label.setBuddy(field)
            if isinstance(field, QComboBox):
                wide = field in (self.sample_combo, self.kernel_combo)
                field.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
                                          if wide else QComboBox.SizeAdjustPolicy.AdjustToContents)
                field.setMinimumContentsLength(14 if wide else 4)
            self._items.append(box_of((label, field), self, QBoxLayout.Direction.LeftToRight, stretch_of=field))
        self._items.append(self.leave_button)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 2, 4, 2)
        self._grid.setHorizontalSpacing(12)
        self._columns = 0
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        settings.stride_rows.valueChanged.connect(self._sync_stride)
        settings.stride_cols.valueChanged.connect(self._sync_stride)
        self._sync_stride()
        self.set_scale(1.0)

    def _flow(self) -> None:
        """As many items a line as fit the width (one line on a wide screen, more at a big scale)."""
        width = self.width() - 8
        spacing = self._grid.horizontalSpacing()
        hints = [w.sizeHint().width() for w in self._items]
        columns = len(hints)
        while columns > 1:
            lines = [hints[i:i + columns] for i in range(0, len(hints), columns)]
            if all(sum(line) + spacing * (len(line) - 1) <= width for line in lines):
                break
            columns -= 1
        if columns == self._columns:
            return
        self._columns = columns
        for w in self._items:
            self._grid.removeWidget(w)
        for i in range(len(hints) + 1):
            self._grid.setColumnStretch(i, 0)
        for i, w in enumerate(self._items):
            self._grid.addWidget(w, i // columns, i % columns)
        self._grid.setColumnStretch(columns, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._flow()

    def _mirror(self, source: QComboBox, tip: str) -> QComboBox:
        """A combo over ``source``'s items that keeps the same current index both ways."""
        combo = QComboBox(self)
        combo.setModel(source.model())
        combo.setCurrentIndex(source.currentIndex())
        combo.setToolTip(source.toolTip() or tip)

        def from_source(index: int) -> None:
            with QSignalBlocker(combo):
                combo.setCurrentIndex(index)

        source.currentIndexChanged.connect(from_source)
        combo.currentIndexChanged.connect(source.setCurrentIndex)
        self._mirrors.append((combo, source))
        return combo

    def _fill_samples(self, combo: QComboBox) -> None:
        """Every sample by group (photos are decoded here, the first time the list opens)."""
        model = combo.model()
        for group, names in SAMPLES.by_group().items():
            if not names:
                continue
            header = QStandardItem(SAMPLE_GROUP_TITLES.get(group, group.upper()))
            header.setEnabled(False)
            model.appendRow(header)
            for name in names:
                combo.addItem(f"   {sample_label(name)}", name)

    def sample_names(self) -> list[str]:
        """The samples the list offers (fills it if it was not opened yet)."""
        if self.sample_combo._fill is not None:
            fill, self.sample_combo._fill = self.sample_combo._fill, None
            fill(self.sample_combo)
        return [self.sample_combo.itemData(i) for i in range(self.sample_combo.count())
                if self.sample_combo.itemData(i)]

    def labels(self) -> list[QLabel]:
        """The bar's field names (Sample, Kernel, …)."""
        return list(self._labels)

    def choose_sample(self, name: str) -> None:
        """Pick sample ``name`` as a user would in the list."""
        self.sample_names()
        index = self.sample_combo.findData(name)
        if index < 0:
            raise KeyError(name)
        self.sample_combo.setCurrentIndex(index)
        self.sample_combo.activated.emit(index)

    def choose_kernel(self, preset: str) -> None:
        """Pick kernel preset ``preset`` as a user would in the list."""
        index = self.kernel_combo.findData(preset)
        if index < 0:
            raise KeyError(preset)
        self.kernel_combo.setCurrentIndex(index)
        self.kernel_combo.activated.emit(index)

    def set_scale(self, f: float) -> None:
        # The bar is the teacher's, not the class's: it grows up to 150 % and leaves the room to the view.
        # (a style sheet of its own: the application's presenter style sheet would override setFont)
        font = scaled_font(self.font(), 13, min(f, MAX_BAR_SCALE), 9)
        sheet = f"QWidget {{ font-size: {font.pixelSize()}px; }}"
        if sheet != self.styleSheet():                # a new style sheet re-polishes the bar: only when needed
            self.setStyleSheet(sheet)
        self._columns = 0
        self._flow()

    # --- slots ----------------------------------------------------------------------------------
    def _on_sample_combo_activated(self, index: int) -> None:
        name = self.sample_combo.itemData(index)
        if name:
            self.sample_requested.emit(name)

    def _on_kernel_combo_activated(self, index: int) -> None:
        # The editor's own combo makes the choice: the same undo step and the same resets as there.
        source = self._editor.preset_combo
        source.setCurrentIndex(index)
        source.activated.emit(index)

    def _on_stride_spin_changed(self, value: int) -> None:
        s = self._settings
        s.stride_rows.setValue(value)
        s.stride_cols.setValue(value)

    def _sync_stride(self, *_args) -> None:
        s = self._settings
        with QSignalBlocker(self.stride_spin):
            self.stride_spin.setValue(s.stride_rows.value())
        rows, cols = s.stride_rows.value(), s.stride_cols.value()
        self.stride_spin.setToolTip("Stride (rows and columns): how far the window moves each step"
                                    + ("" if rows == cols else f"; now {rows} down × {cols} across"))
