"""The presenter view's slim bar: sample, kernel and the key settings on one line.

In the presenter view the editing panels fold away; this bar keeps what a teacher
changes during a lesson within reach. It owns no state: the kernel and settings
combos share the editing panels' item models and drive those panels' own
widgets, so a choice here is exactly the choice made there (same undo step, same
resets); a sample is requested through ``sample_requested(name)``, which the
window routes to its one "open sample" action. The Sample and Kernel boxes always
read what is loaded (the sample's name, or what the image is; the current kernel's
name), following the state through every change, undo included.
"""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QIcon, QStandardItem
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QWidget,
)

from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.explorer.kernel_editor import KernelEditor
from cnn_explorer.ui.explorer.settings_panel import SettingsPanel
from cnn_explorer.ui.explorer.state import ExplorerState, ImageOrigin
from cnn_explorer.ui.scale import TEACHER_MAX_SCALE, scaled_font
from cnn_explorer.ui.widgets.containers import box_of

#: the bar's own text stops growing at this presenter scale
MAX_BAR_SCALE = TEACHER_MAX_SCALE
SAMPLE_GROUP_TITLES = {"slides": "SLIDES", "synthetic": "SYNTHETIC", "photos": "PHOTOS"}


class LoadedCombo(QComboBox):
    """A combo box that reads what is loaded (``set_shown_text``), whichever entry of its list is current,
    elided to its width (the whole text in the tooltip); ``fill`` (optional) gives it its entries the
    first time its list opens."""

    def __init__(self, tip: str, fill=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fill = fill
        self._tip = tip
        self._shown = ""
        self.setToolTip(tip)

    def shown_text(self) -> str:
        """What the box reads (before eliding)."""
        return self._shown

    def set_shown_text(self, text: str) -> None:
        if text != self._shown:
            self._shown = text
            self.setToolTip(f"{text}\n{self._tip}" if text else self._tip)
            self.update()

    def fill_now(self) -> None:
        """Put the entries in now (the list is otherwise filled the first time it opens)."""
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)

    def showPopup(self) -> None:  # noqa: N802 - Qt override
        self.fill_now()
        super().showPopup()

    def text_room(self) -> int:
        """Pixels the box has for its text (its edit field, less a little margin)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return max(0, field.width() - 4)

    def displayed_text(self) -> str:
        """The text as painted: ``shown_text`` elided ("…") to the room the box has."""
        return self.fontMetrics().elidedText(self._shown, Qt.TextElideMode.ElideRight, self.text_room())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        p.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.displayed_text()
        opt.currentIcon = QIcon()
        p.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)


#: what the Sample box reads for an image that is not a sample (see ``ImageOrigin.kind``)
_ORIGIN_WORDS = {"drawing": "Your drawing", "pasted picture": "Pasted picture", "pasted grid": "Pasted grid"}


def loaded_image_text(origin: ImageOrigin) -> str:
    """What the Sample box reads: the sample's label, a file's name, "Your drawing", "Pasted picture"…"""
    if origin.kind in ("slide", "synthetic", "photo") and origin.name in SAMPLES:
        return sample_label(origin.name)
    if origin.kind in _ORIGIN_WORDS:
        return _ORIGIN_WORDS[origin.kind]
    if origin.kind in ("picture", "grid") and origin.name:
        return PurePath(origin.name).name
    return origin.name or "Image"


def sample_label(name: str) -> str:
    """'Title (slide 000-1)': the human name first, the slide code second."""
    sample = SAMPLES[name]
    title = " ".join(sample.title.split())
    return f"{title} (slide {sample.slide})" if sample.slide else title


class PresenterBar(QWidget):
    """One line: Sample ▾  Kernel ▾  Stride ⌷  Padding ▾  Activation ▾  Pooling ▾  [Edit panels]."""

    sample_requested = Signal(str)
    leave_requested = Signal()

    def __init__(self, state: ExplorerState, kernel_editor: KernelEditor, settings: SettingsPanel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._editor = kernel_editor
        self._settings = settings
        self.sample_combo = LoadedCombo("Open a sample with its kernel and settings", self._fill_samples, self)
        self.sample_combo.activated.connect(self._on_sample_combo_activated)
        self.kernel_combo = LoadedCombo("Put a named kernel into the current kernel tab", parent=self)
        self.kernel_combo.setModel(kernel_editor.preset_combo.model())
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
        state.image_changed.connect(self._sync_sample)
        state.kernels_changed.connect(self._sync_kernel)
        kernel_editor.tabs.currentChanged.connect(self._sync_kernel)
        self._sync_stride()
        self._sync_sample()
        self._sync_kernel()
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
        self._sync_sample()

    def sample_names(self) -> list[str]:
        """The samples the list offers (fills it if it was not opened yet)."""
        self.sample_combo.fill_now()
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

    def _sync_sample(self) -> None:
        """The Sample box reads what the image is (a sample's name, a file's, "Your drawing"…)."""
        origin = self._state.image_origin
        self.sample_combo.set_shown_text(loaded_image_text(origin))
        index = self.sample_combo.findData(origin.name) if origin.name in SAMPLES else -1
        with QSignalBlocker(self.sample_combo):         # the list opens at the sample loaded, if any
            self.sample_combo.setCurrentIndex(index)

    def _sync_kernel(self, *_args) -> None:
        """The Kernel box reads the current kernel tab's name (a preset's or the user's own)."""
        names = self._state.kernel_names
        current = min(max(self._editor.tabs.currentIndex(), 0), len(names) - 1)
        name = names[current]
        shown = name if len(names) == 1 else f"{name} ({current + 1} of {len(names)})"
        self.kernel_combo.set_shown_text(shown)
        with QSignalBlocker(self.kernel_combo):
            self.kernel_combo.setCurrentIndex(self.kernel_combo.findData(name))

    def _sync_stride(self, *_args) -> None:
        s = self._settings
        with QSignalBlocker(self.stride_spin):
            self.stride_spin.setValue(s.stride_rows.value())
        rows, cols = s.stride_rows.value(), s.stride_cols.value()
        self.stride_spin.setToolTip("Stride (rows and columns): how far the window moves each step"
                                    + ("" if rows == cols else f"; now {rows} down × {cols} across"))
