"""The export dialogs: what to put in an animation or a worksheet, and where; they start no work themselves.

Each dialog's ``job()`` builds the export job (see ``progress.py``) from its fields and
raises CnnExplorerError naming the problem (a bad path, a grid too large for a page), which
the dialog shows inline, staying open so nothing typed is lost.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.worksheet import (
    MAX_GRID_SIDE,
    build_worksheet,
    random_inputs,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.ui.export.animation_export import animation_job
from cnn_explorer.ui.export.animation_frames import (
    MAX_FPS,
    MIN_FPS,
    PACE_LABELS,
    PACES,
    SIZE_PRESETS,
    AnimationOptions,
)
from cnn_explorer.ui.export.worksheet_pdf import PAPER_LABELS, worksheet_job
from cnn_explorer.ui.theme import ERROR_FG

ANIMATION_FILTER = "Animated GIF (*.gif);;Animated PNG (*.png);;Animated WebP (*.webp)"


class _PathRow(QWidget):
    """A file path with a Browse… button."""

    def __init__(self, default: str, caption: str, filters: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(default, self)
        self.edit.setMinimumWidth(round(self.edit.fontMetrics().horizontalAdvance("x" * 36)))
        self.browse = QPushButton("Browse…", self)
        self._caption, self._filters = caption, filters
        self.browse.clicked.connect(self._on_browse_clicked)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.edit, 1)
        box.addWidget(self.browse)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self._caption, self.edit.text(), self._filters)
        if path:
            self.edit.setText(path)

    def path(self) -> str:
        return self.edit.text().strip()


class _ExportDialog(QDialog):
    """A form, an inline error line and Export / Cancel."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_FG.name()};")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._job = None

    def make_job(self):
        raise NotImplementedError

    def job(self):
        """The job built when Export was pressed (None before)."""
        return self._job

    def _on_buttons_accepted(self) -> None:
        try:
            self._job = self.make_job()
        except CnnExplorerError as exc:
            self.error.setText(" ".join(str(exc).split()))
            self.error.show()
            return
        self.accept()


class AnimationExportDialog(_ExportDialog):
    """Stage, kernel, pace, frame rate, size, scale, hold and file of an animation export."""

    def __init__(self, result, kernel_names, *, stage: str = "conv", k: int = 0, pace: str = "cell", fps: int = 4,
                 default_path: str = "convolution.gif", parent: QWidget | None = None) -> None:
        super().__init__("Export animation", parent)
        self._result, self._names = result, list(kernel_names)
        self.stage_combo = QComboBox(self)
        self.stage_combo.addItem("Convolution", "conv")
        if result.pooled is not None:
            self.stage_combo.addItem("Pooling", "pool")
        self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(stage)))
        self.kernel_combo = QComboBox(self)
        count = int(result.feature.shape[0])
        for n in range(count):
            name = self._names[n] if n < len(self._names) else ""
            self.kernel_combo.addItem(f"Kernel {n + 1}" + (f": {name}" if name else ""), n)
        self.kernel_combo.setCurrentIndex(min(max(0, k), count - 1))
        self.kernel_combo.setEnabled(count > 1)
        self.pace_combo = QComboBox(self)
        for p in PACES:
            self.pace_combo.addItem(PACE_LABELS[p], p)
        self.pace_combo.setCurrentIndex(max(0, self.pace_combo.findData(pace)))
        self.fps_spin = QSpinBox(self)
        self.fps_spin.setRange(MIN_FPS, MAX_FPS)
        self.fps_spin.setValue(min(MAX_FPS, max(MIN_FPS, fps)))
        self.fps_spin.setSuffix(" frames/s")
        self.size_combo = QComboBox(self)
        for w, h in SIZE_PRESETS:
            self.size_combo.addItem(f"{w} × {h}", f"{w}x{h}")
        self.scale_spin = QDoubleSpinBox(self)
        self.scale_spin.setRange(0.5, 4.0)
        self.scale_spin.setSingleStep(0.25)
        self.scale_spin.setValue(1.0)
        self.scale_spin.setSuffix("×")
        self.scale_spin.setToolTip("Draw everything larger: 2× gives twice the pixels, for sharp slides")
        self.hold_spin = QDoubleSpinBox(self)
        self.hold_spin.setRange(0.0, 30.0)
        self.hold_spin.setValue(2.0)
        self.hold_spin.setSuffix(" s")
        self.hold_spin.setToolTip("How long the finished map stays before the animation starts again")
        self.path_row = _PathRow(default_path, "Export animation", ANIMATION_FILTER, self)
        for label, w in (("&Stage:", self.stage_combo), ("&Kernel:", self.kernel_combo), ("&Pace:", self.pace_combo),
                         ("&Frame rate:", self.fps_spin), ("Frame si&ze:", self.size_combo),
                         ("S&cale:", self.scale_spin), ("&Hold the last frame:", self.hold_spin),
                         ("F&ile (.gif, .png, .webp):", self.path_row)):
            self.form.addRow(label, w)

    def frame_size(self) -> tuple[int, int]:
        w, h = str(self.size_combo.currentData()).split("x")
        return int(w), int(h)

    def set_frame_size(self, w: int, h: int) -> None:
        self.size_combo.setCurrentIndex(max(0, self.size_combo.findData(f"{w}x{h}")))

    def options(self) -> AnimationOptions:
        return AnimationOptions(stage=self.stage_combo.currentData(), k=int(self.kernel_combo.currentData()),
                                fps=self.fps_spin.value(), pace=self.pace_combo.currentData(),
                                size=self.frame_size(), scale=self.scale_spin.value(),
                                hold_s=self.hold_spin.value())

    def make_job(self):
        if not self.path_row.path():
            raise CnnExplorerError("Choose a file to export to (.gif, .png or .webp).")
        return animation_job(self._result, self.options(), Path(self.path_row.path()).expanduser(), self._names,
                             self.font())


class WorksheetDialog(_ExportDialog):
    """A worksheet of the current grid, kernel and settings, or a random one from a seed; paper and file."""

    def __init__(self, result, kernel_index: int = 0, source: str = "", *, default_path: str = "worksheet.pdf",
                 parent: QWidget | None = None) -> None:
        super().__init__("Export worksheet", parent)
        self._result, self._k, self._source = result, kernel_index, source
        shape = "" if result is None else " " + "×".join(str(n) for n in result.image.shape[:2])
        self.current_radio = QRadioButton(f"The current grid{shape}, kernel and settings", self)
        self.random_radio = QRadioButton("A random sheet of small whole numbers", self)
        self.current_radio.setChecked(result is not None)
        self.current_radio.setEnabled(result is not None)
        self.random_radio.setChecked(result is None)
        self.seed_spin = QSpinBox(self)
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip("The same seed always gives the same sheet: one seed a student")
        self.size_spin = QSpinBox(self)
        self.size_spin.setRange(2, MAX_GRID_SIDE)
        self.size_spin.setValue(5)
        self.kernel_spin = QSpinBox(self)
        self.kernel_spin.setRange(1, 5)
        self.kernel_spin.setValue(3)
        self.stride_spin = QSpinBox(self)
        self.stride_spin.setRange(1, 4)
        self.padding_spin = QSpinBox(self)
        self.padding_spin.setRange(0, 3)
        self.pool_combo = QComboBox(self)
        for text, data in (("None", None), ("Max 2×2, stride 2", "max"), ("Average 2×2, stride 2", "avg")):
            self.pool_combo.addItem(text, data)
        self.steps_check = QCheckBox("Include the activation and pooling steps", self)
        self.steps_check.setChecked(True)
        has_steps = result is not None and (result.pool is not None or result.activation != "none")
        self.steps_check.setVisible(has_steps)
        self.paper_combo = QComboBox(self)
        for key, label in PAPER_LABELS.items():
            self.paper_combo.addItem(label, key)
        self.path_row = _PathRow(default_path, "Export worksheet", "PDF (*.pdf)", self)
        self.form.addRow(self.current_radio)
        self.form.addRow("", self.steps_check)
        self.form.addRow(self.random_radio)
        for label, w in (("  S&eed:", self.seed_spin), ("  Grid si&ze:", self.size_spin),
                         ("  &Kernel size:", self.kernel_spin), ("  &Stride:", self.stride_spin),
                         ("  Pa&dding:", self.padding_spin), ("  P&ooling:", self.pool_combo),
                         ("&Paper:", self.paper_combo), ("F&ile (.pdf):", self.path_row)):
            self.form.addRow(label, w)
        self.random_radio.toggled.connect(self._on_random_radio_toggled)
        self._on_random_radio_toggled(self.random_radio.isChecked())

    def _on_random_radio_toggled(self, on: bool) -> None:
        for w in (self.seed_spin, self.size_spin, self.kernel_spin, self.stride_spin, self.padding_spin,
                  self.pool_combo):
            w.setEnabled(on)
        self.steps_check.setEnabled(not on)

    def sheet(self):
        """The worksheet the fields describe (CnnExplorerError naming the limit when it cannot be printed)."""
        if self.random_radio.isChecked():
            seed = self.seed_spin.value()
            image, kernel = random_inputs(seed, self.size_spin.value(), min(self.kernel_spin.value(),
                                                                             self.size_spin.value()))
            mode = self.pool_combo.currentData()
            conv = ConvSettings(stride=self.stride_spin.value(), padding=self.padding_spin.value())
            return build_worksheet(image, kernel, conv, "none", PoolSettings(mode, 2) if mode else None,
                                   source=f"random sheet, seed {seed}")
        res = self._result
        kernel = res.kernels[self._k]
        steps = self.steps_check.isChecked()
        return build_worksheet(res.image, kernel, res.conv.settings, res.activation if steps else "none",
                               res.pool if steps else None, source=self._source)

    def make_job(self):
        if not self.path_row.path():
            raise CnnExplorerError("Choose a file to export to (.pdf).")
        return worksheet_job(self.sheet(), Path(self.path_row.path()).expanduser(), self.paper_combo.currentData())
