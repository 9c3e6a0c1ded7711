"""Save as… for one figure: the file, its type (PNG, SVG, CSV, NPY as the figure allows) and a picture's width.

The type follows the file's suffix and the suffix the type, so either can be chosen; the
height follows the width in the figure's proportions. A failed save is shown inline and the
dialog stays open (nothing typed is lost, the previous file is untouched).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.theme import ERROR_FG

#: the largest side of an exported picture, in pixels (a 16k x 16k RGBA image is 1 GiB)
MAX_SIDE = 16384
#: file types by suffix: what the user sees in the format list
PICTURE_TYPES = {".png": "PNG picture", ".svg": "SVG vector drawing", ".csv": "CSV values (exact numbers)",
                 ".npy": "NumPy array (.npy, exact values)"}
#: where the last figure was saved (the next Save as… starts there)
_last_folder: list[Path] = [Path.home()]
#: picture widths offered as multiples of the on-screen size
SCALES = (1, 2, 3, 4)


class FigureSaveDialog(QDialog):
    """``figure``: a ``figure_export.FigureExport``; ``saved(message)`` after a file was written."""

    saved = Signal(str)

    def __init__(self, figure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = figure
        self.setWindowTitle(f"Save {figure.title()}")
        self.suffixes = figure.suffixes()
        self.kind = QComboBox(self)
        for s in self.suffixes:
            self.kind.addItem(PICTURE_TYPES[s], s)
        self.path_edit = QLineEdit(str(_last_folder[0] / (figure.suggested_name() + ".png")), self)
        self.path_edit.setMinimumWidth(round(self.path_edit.fontMetrics().horizontalAdvance("x" * 40)))
        self.browse = QPushButton("Browse…", self)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse)
        size = figure.size()
        self._aspect = size.height() / max(1, size.width())
        self.width_spin = QSpinBox(self)
        self.width_spin.setRange(16, MAX_SIDE)
        self.width_spin.setSuffix(" px")
        self.width_spin.setValue(max(16, min(MAX_SIDE, 2 * size.width())))
        self.height_label = QLabel(self)
        self.scale_box = QComboBox(self)
        self.scale_box.addItem("Custom", 0)
        for f in SCALES:
            self.scale_box.addItem(f"{f}× the screen size ({f * size.width()} px wide)", f)
        width_row = QHBoxLayout()
        width_row.addWidget(self.width_spin)
        width_row.addWidget(self.height_label, 1)
        self.form = QFormLayout()
        self.form.addRow("&Type:", self.kind)
        file_label = QLabel("&File:", self)
        file_label.setBuddy(self.path_edit)
        self.form.addRow(file_label, path_row)
        self.form.addRow("&Size:", self.scale_box)
        width_label = QLabel("&Width:", self)
        width_label.setBuddy(self.width_spin)
        self.form.addRow(width_label, width_row)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_FG.name()};")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.width_spin.valueChanged.connect(self._on_width_changed)
        self.scale_box.currentIndexChanged.connect(self._on_scale_changed)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.scale_box.setCurrentIndex(2)
        self._on_width_changed(self.width_spin.value())
        self._on_kind_changed()

    # --- the fields -----------------------------------------------------------------------------
    def suffix(self) -> str:
        return self.kind.currentData()

    def set_path(self, path) -> None:
        """Set the file (its suffix picks the type when the figure offers it)."""
        self.path_edit.setText(str(path))
        self._on_path_edited(str(path))

    def set_width(self, width: int) -> None:
        self.width_spin.setValue(width)

    def _on_kind_changed(self) -> None:
        picture = self.suffix() == ".png"
        for w in (self.width_spin, self.scale_box, self.height_label):
            w.setEnabled(picture)
        text = self.path_edit.text().strip()
        if text:
            p = Path(text)
            if p.suffix.lower() != self.suffix():
                self.path_edit.setText(str(p.with_suffix(self.suffix()) if p.suffix else p.with_name(p.name + self.suffix())))

    def _on_path_edited(self, text: str) -> None:
        suffix = Path(text.strip()).suffix.lower()
        if suffix in self.suffixes and suffix != self.suffix():
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(self.suffixes.index(suffix))
            self.kind.blockSignals(False)
            self._on_kind_changed()

    def _on_width_changed(self, width: int) -> None:
        self.height_label.setText(f"× {max(1, round(width * self._aspect))} px (height in proportion)")
        base = self.figure.size().width()
        f = self.scale_box.currentData()
        if f and f * base != width:
            self.scale_box.blockSignals(True)
            self.scale_box.setCurrentIndex(0)
            self.scale_box.blockSignals(False)

    def _on_scale_changed(self) -> None:
        f = self.scale_box.currentData()
        if f:
            self.width_spin.setValue(max(16, min(MAX_SIDE, f * self.figure.size().width())))

    def _on_browse_clicked(self) -> None:
        filters = ";;".join(f"{PICTURE_TYPES[s]} (*{s})" for s in self.suffixes)
        chosen = f"{PICTURE_TYPES[self.suffix()]} (*{self.suffix()})"
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path_edit.text(), filters, chosen)
        if path:
            self.set_path(path)

    # --- saving ---------------------------------------------------------------------------------
    def save(self) -> bool:
        """Write the file; on a problem show it inline and stay open. Returns whether it was written."""
        text = self.path_edit.text().strip()
        if not text:
            return self._fail("Choose a file to save to.")
        path = Path(text).expanduser()
        if not path.suffix:
            path = path.with_name(path.name + self.suffix())
        try:
            message = self.figure.save(path, width=self.width_spin.value() if self.suffix() == ".png" else None)
        except CnnExplorerError as exc:
            return self._fail(" ".join(str(exc).split()))
        _last_folder[0] = path.parent
        self.saved.emit(message)
        self.accept()
        return True

    def _fail(self, text: str) -> bool:
        self.error.setText(text)
        self.error.show()
        return False
