"""ReliabilityView: the reliability diagram — how often the model is right at each level of confidence.

The test images are put into 15 equal-width bins by the probability of the
class the model picked (core/train/calibration.py). Each bin is a bar whose
height is the accuracy in it; the diagonal is perfect calibration (right 90%
of the time when 90% sure). A bar below the diagonal is over-confidence, above
it under-confidence; the gap is shaded. Each bar's image count is written above
it (where there is room) and in its tooltip. The caption gives the ECE and the
temperature the probabilities were calibrated with.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cnn_explorer.ui import theme
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled


class ReliabilityView(QWidget):
    """Accuracy against confidence per bin, with the diagonal and each bar's count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reliability = None  # a calibration.Reliability, or None
        self.temperature = 1.0
        self._scale = 1.0
        self._bars: list[tuple[QRectF, str]] = []
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(260, 260))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        install_figure_export(self, "reliability diagram", values=self.table, vector=True)

    def table(self):
        """(bins, 5): each bin's lower and upper confidence edge, image count, accuracy and mean confidence
        (for CSV / NPY); None before a run."""
        r = self.reliability
        if r is None:
            return None
        return np.column_stack([r.edges[:-1], r.edges[1:], r.counts, r.accuracy, r.confidence]).astype(np.float64)

    def set_reliability(self, reliability, temperature: float = 1.0) -> None:
        """Show ``reliability`` (None: nothing yet) of probabilities calibrated at ``temperature``."""
        self.reliability = reliability
        self.temperature = float(temperature)
        self.update()

    def caption(self) -> str:
        """The line under the diagram: the ECE, the images and the temperature."""
        r = self.reliability
        if r is None or r.count == 0:
            return "No test results yet"
        return (f"ECE {r.ece:.1%} over {r.count:,} test images; "
                f"temperature {self.temperature:.2f} (fitted on the validation split)")

    def bars(self) -> list[tuple[int, int, float, float]]:
        """The bars drawn: (bin, images, accuracy, mean confidence) of each non-empty bin."""
        r = self.reliability
        if r is None:
            return []
        return [(i, int(r.counts[i]), float(r.accuracy[i]), float(r.confidence[i]))
                for i in range(r.bins) if r.counts[i]]

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        self.setMinimumSize(QSize(scaled(260, factor), scaled(260, factor)))
        self.update()

    def event(self, ev) -> bool:  # the bar under the pointer: its bin, accuracy, confidence and count
        if ev.type() == ev.Type.ToolTip:
            for rect, text in self._bars:
                if rect.adjusted(-2, -2, 2, 2).contains(QPointF(ev.pos())):
                    QToolTip.showText(ev.globalPos(), text, self)
                    return True
            QToolTip.hideText()
            ev.ignore()
            return True
        return super().event(ev)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        text_colour = self.palette().windowText().color()
        r = self.reliability
        self._bars = []
        if r is None or r.count == 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "No test results yet" if r is None else "No test images to measure calibration on")
            painter.end()
            return
        line = fm.height()
        left = fm.horizontalAdvance("100%") + line + 6
        top, bottom = 2 * line + 6, 4 * line + 8  # above: title, a full bar's count; below: ticks, title, caption
        right = fm.horizontalAdvance("100%") // 2 + 4  # the last tick label is centred on the plot's edge
        side = max(40.0, min(self.width() - left - right, self.height() - top - bottom))
        plot = QRectF(left, top, side, side)
        # axes, grid and labels
        painter.setPen(QPen(QColor(theme.GRID_LINE)))
        painter.drawRect(plot)
        for tick in (0.0, 0.5, 1.0):
            y = plot.bottom() - tick * side
            x = plot.left() + tick * side
            painter.setPen(QPen(QColor(theme.GRID_LINE), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, y - line / 2, left - 4, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{tick:.0%}")
            painter.drawText(QRectF(x - 30, plot.bottom() + 2, 60, line), Qt.AlignmentFlag.AlignCenter,
                             f"{tick:.0%}")
        painter.drawText(QRectF(plot.left(), plot.bottom() + line + 2, side, line), Qt.AlignmentFlag.AlignCenter,
                         "confidence")
        painter.save()
        painter.translate(line / 2 + 1, plot.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-side / 2, -line / 2, side, line), Qt.AlignmentFlag.AlignCenter, "accuracy")
        painter.restore()
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignCenter,
                         "Reliability (test split, calibrated)")
        # bars: accuracy per bin; the gap to the bin's confidence shaded
        width = side / r.bins
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, min(small.pointSizeF() * 0.8, width * 0.45)))
        sfm = QFontMetrics(small)
        gap = QBrush(QColor(theme.MISTAKE), Qt.BrushStyle.BDiagPattern)  # hatched: visible on a bar and beside it
        for i in range(r.bins):
            count = int(r.counts[i])
            if count == 0:
                continue
            acc, conf = float(r.accuracy[i]), float(r.confidence[i])
            x = plot.left() + i * width
            bar = QRectF(x + 1, plot.bottom() - acc * side, width - 2, acc * side)
            painter.fillRect(bar, QColor(theme.ACCENT))
            lo, hi = sorted((acc, conf))
            painter.fillRect(QRectF(x + 1, plot.bottom() - hi * side, width - 2, (hi - lo) * side), gap)
            painter.setPen(QPen(theme.MISTAKE, 2))  # the bin's mean confidence: where the bar would end if calibrated
            painter.drawLine(QPointF(x + 1, plot.bottom() - conf * side), QPointF(x + width - 1, plot.bottom() - conf * side))
            text = str(count)
            if sfm.horizontalAdvance(text) <= width + 4:
                painter.setFont(small)
                painter.setPen(text_colour)
                painter.drawText(QRectF(x - 4, min(bar.top(), plot.bottom() - hi * side) - sfm.height() - 1, width + 8,
                                        sfm.height()),
                                 Qt.AlignmentFlag.AlignCenter, text)
                painter.setFont(self.font())
            self._bars.append((QRectF(x, plot.top(), width, side),
                               f"confidence {r.edges[i]:.0%}–{r.edges[i + 1]:.0%}: {count:,} images, "
                               f"{acc:.1%} right at {conf:.1%} mean confidence"))
        painter.setPen(QPen(text_colour, 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.top()))
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, plot.bottom() + 2 * line + 4, self.width(), 2 * line),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                         self.caption())
        painter.end()

