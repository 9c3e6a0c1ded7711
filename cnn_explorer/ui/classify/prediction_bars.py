"""PredictionBars: one horizontal bar per class with its probability; and the verdict line above them.

:func:`verdict` is pure: probabilities (K,) and class names -> the sentence
the page shows, and whether the model is unsure (core/interpret/unsure.py:
calibrated top probability below 90% or less than 25 points ahead of the
runner-up, or a drawing far from the bundled digits in the model's own features).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnn_explorer.core.interpret.unsure import unsure
from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export


def verdict(probabilities: np.ndarray | None, class_names: tuple[str, ...],
            novelty: float | None = None) -> tuple[str, bool]:
    """(sentence, unsure) for the page's headline, e.g. ("It's a 7 — 98.3%", False) or ("Not sure: 4 or 9?", True).

    ``novelty``: the drawing's distance from the bundled digits, in thresholds (above 1: not a digit; None: not
    measured).
    """
    if probabilities is None or len(probabilities) == 0:
        return "Draw a digit", False
    p = np.asarray(probabilities, np.float64)
    order = np.argsort(-p, kind="stable")
    top = int(order[0])
    why = unsure(p, novelty)
    if why == "not a digit":
        return f"Not sure: this does not look like a digit (closest: {class_names[top]})", True
    if len(p) > 1:
        second = int(order[1])
        if why is not None:
            return (f"Not sure: {class_names[top]} or {class_names[second]}? "
                    f"({100 * p[top]:.0f}% / {100 * p[second]:.0f}%)"), True
    return f"It's a {class_names[top]} — {100 * p[top]:.1f}%", False


class PredictionBars(QWidget):
    """Horizontal probability bars, the top class in the accent colour; click a bar to pick that class."""

    class_clicked = Signal(int)
    painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: tuple[str, ...] = tuple(str(d) for d in range(10))
        self._probs: np.ndarray | None = None
        self._scale = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Click a class to explain it (saliency, Grad-CAM, occlusion)")
        install_figure_export(self, "class probabilities", values=lambda: self._probs, vector=True)

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.updateGeometry()
        self.update()

    def set_classes(self, names: tuple[str, ...]) -> None:
        self._names = tuple(names)
        self._probs = None
        self.updateGeometry()
        self.update()

    def set_probabilities(self, probs: np.ndarray | None) -> None:
        """Show ``probs`` (K,) (None: empty bars)."""
        self._probs = None if probs is None else np.asarray(probs, np.float64).copy()
        self.update()

    def probabilities(self) -> np.ndarray | None:
        return None if self._probs is None else self._probs.copy()

    def highlighted(self) -> int:
        """The class drawn in the accent colour and bold: the most likely one (-1 when no probabilities fit)."""
        n = len(self._names)
        return int(np.argmax(self._probs)) if self._probs is not None and n and len(self._probs) == n else -1

    def _row_height(self) -> float:
        return max(14.0, self.fontMetrics().height() * 1.15)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        n = min(len(self._names), 20)
        return QSize(260, int(self._row_height() * n) + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(160, int(min(len(self._names), 20) * self.fontMetrics().height() * 1.05) + 4)

    def _label_width(self) -> int:
        fm = self.fontMetrics()
        return max(fm.horizontalAdvance(n) for n in self._names) + 8 if self._names else 20

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        n = len(self._names)
        if n == 0:
            return
        row = int(event.position().y() / (self.height() / n))
        if 0 <= row < n:
            self.class_clicked.emit(row)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        n = len(self._names)
        if n:
            row_h = self.height() / n
            label_w = self._label_width()
            fm = self.fontMetrics()
            pct_w = fm.horizontalAdvance("100.0%") + 8
            bar_w = max(10.0, self.width() - label_w - pct_w)
            top = self.highlighted()
            bold = QFont(self.font())
            bold.setBold(True)
            for i, name in enumerate(self._names):
                y = i * row_h
                value = float(self._probs[i]) if top >= 0 else 0.0
                p.setFont(bold if i == top else self.font())
                p.setPen(self.palette().color(self.palette().ColorRole.WindowText))
                p.drawText(QRectF(0, y, label_w - 6, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
                track = QRectF(label_w, y + row_h * 0.15, bar_w, row_h * 0.7)
                p.fillRect(track, theme.BAR_TRACK)
                fill = QRectF(track.left(), track.top(), bar_w * min(max(value, 0.0), 1.0), track.height())
                p.fillRect(fill, theme.ACCENT if i == top else theme.BAR_FILL)
                text = f"{100 * value:.1f}%" if top >= 0 else "–"
                p.drawText(QRectF(label_w + bar_w + 4, y, pct_w, row_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()
        self.painted.emit()
