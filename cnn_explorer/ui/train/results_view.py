"""ResultsView: after training — test accuracy, confusion matrix, reliability, per-class accuracy, mistakes.

The confusion matrix is a heat map with counts (rows true class, columns
predicted); beside it the reliability diagram (reliability_view.py) shows how
often the model is right at each confidence, after its calibration; the
gallery shows up to 48 misclassified test images as "true → predicted".
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.train.image_grid import ImageGrid, image_picture
from cnn_explorer.ui.train.reliability_view import ReliabilityView

MAX_GALLERY = 48


class ConfusionView(QWidget):
    """A (K, K) count matrix as a blue heat map with the counts written in; class names on both axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []
        self._scale = 1.0
        self.setMinimumSize(QSize(260, 260))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        install_figure_export(self, "confusion matrix", values=lambda: self.matrix if self.matrix.size else None,
                              vector=True)

    def set_matrix(self, matrix: np.ndarray, names) -> None:
        self.matrix = np.asarray(matrix, dtype=np.int64)
        self.names = [str(n) for n in names]
        self.update()

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.setMinimumSize(QSize(scaled(260, factor), scaled(260, factor)))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        k = len(self.matrix)
        if k == 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No test results yet")
            painter.end()
            return
        fm = QFontMetrics(self.font())
        label_w = min(max(fm.horizontalAdvance(n) for n in self.names) + 8, self.width() // 4)
        top = fm.height() * 2 + 4
        size = min((self.width() - label_w - 4) / k, (self.height() - top - 4) / k, 96 * self._scale)
        peak = max(1, int(self.matrix.max()))
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(font.pointSizeF(), size * 0.3)))
        painter.drawText(QRectF(label_w, 0, size * k, fm.height()), Qt.AlignmentFlag.AlignCenter, "predicted")
        for j, name in enumerate(self.names):
            painter.drawText(QRectF(label_w + j * size, fm.height(), size, fm.height() + 4),
                             Qt.AlignmentFlag.AlignCenter, fm.elidedText(name, Qt.TextElideMode.ElideRight, int(size)))
        for i in range(k):
            painter.setFont(self.font())
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(0, top + i * size, label_w - 4, size),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             fm.elidedText(self.names[i], Qt.TextElideMode.ElideRight, label_w - 4))
            painter.setFont(font)
            for j in range(k):
                count = int(self.matrix[i, j])
                t = count / peak
                base = QColor(theme.ACCENT) if i == j else QColor(theme.MISTAKE)
                color = QColor.fromRgbF(1 - t * (1 - base.redF()), 1 - t * (1 - base.greenF()),
                                        1 - t * (1 - base.blueF()))
                rect = QRectF(label_w + j * size, top + i * size, size, size)
                painter.fillRect(rect, color)
                painter.setPen(QPen(theme.LIGHT_TEXT if t > 0.55 else theme.DARK_TEXT))
                if size >= 14:
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(count))
        painter.setPen(QPen(QColor(theme.GRID_LINE)))
        painter.drawRect(QRectF(label_w, top, size * k, size * k))
        painter.end()


class ResultsView(QWidget):
    """Test accuracy, the confusion matrix, per-class accuracy and the misclassified gallery."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accuracy_label = QLabel("Train a model to see how it does on the test images.", self)
        self.accuracy_label.setWordWrap(True)
        font = self.accuracy_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.accuracy_label.setFont(font)
        self.confusion = ConfusionView(self)
        self.reliability = ReliabilityView(self)
        self.per_class = QLabel(self)
        self.per_class.setWordWrap(True)
        self.per_class.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.gallery_label = QLabel(self)
        self.gallery = ImageGrid(48, self, name="misclassified test images")
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Confusion matrix</b> (rows: true class)", self))
        left.addWidget(self.confusion, 1)
        middle = QVBoxLayout()
        middle.addWidget(QLabel("<b>Confidence</b> (bars: accuracy; red: confidence)", self))
        middle.addWidget(self.reliability, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Per-class accuracy</b>", self))
        right.addWidget(self.per_class, 1)
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addLayout(middle, 3)
        row.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.accuracy_label)
        layout.addLayout(row, 1)
        layout.addWidget(self.gallery_label)
        layout.addWidget(self.gallery)

    def show_results(self, finished, class_names, test_x=None, test_y=None, predictions=None) -> None:
        """Fill from a FinishedRecord, with the test images, labels and predicted classes for the gallery."""
        acc = finished.test_accuracy
        if math.isfinite(acc):
            n = int(np.asarray(finished.confusion).sum())
            right = int(np.trace(np.asarray(finished.confusion)))
            self.accuracy_label.setText(f"Test accuracy: <b>{acc:.2%}</b> ({right:,} of {n:,} test images right)"
                                        f" — {finished.reason}")
        else:
            self.accuracy_label.setText(f"No test accuracy ({finished.reason}; "
                                        "a stopped run or a dataset without a test split).")
        self.confusion.set_matrix(finished.confusion, class_names)
        self.reliability.set_reliability(getattr(finished, "calibration", None), getattr(finished, "temperature", 1.0))
        per = np.asarray(finished.per_class_accuracy, dtype=np.float64)
        lines = []
        for name, value in zip(class_names, per):
            text = f"{value:.1%}" if math.isfinite(value) else "—"
            lines.append(f"{name}: <b>{text}</b>")
        self.per_class.setText("<br>".join(lines))
        self._gallery(class_names, test_x, test_y, predictions)

    def _gallery(self, names, x, y, pred) -> None:
        if x is None or pred is None or y is None:
            self.gallery_label.setText("")
            self.gallery.set_pictures([])
            return
        y = np.asarray(y)[: len(pred)]
        wrong = np.flatnonzero(pred != y)
        self.gallery_label.setText(f"<b>Misclassified test images</b>: {len(wrong):,} of {len(pred):,}"
                                   + (f" (showing {MAX_GALLERY})" if len(wrong) > MAX_GALLERY else "")
                                   + ("" if len(wrong) else " — none"))
        shown = wrong[:MAX_GALLERY]
        self.gallery.set_pictures([image_picture(x[i]) for i in shown],
                                  [f"{names[y[i]]}→{names[pred[i]]}" for i in shown],
                                  [QColor(theme.ERROR_FG)] * len(shown))

    def clear(self) -> None:
        self.accuracy_label.setText("Training… results appear when it ends.")
        self.confusion.set_matrix(np.zeros((0, 0)), [])
        self.reliability.set_reliability(None)
        self.per_class.setText("")
        self.gallery_label.setText("")
        self.gallery.set_pictures([])

    def set_scale(self, factor: float) -> None:
        self.confusion.set_scale(factor)
        self.reliability.set_scale(factor)
        self.gallery.set_scale(factor)
