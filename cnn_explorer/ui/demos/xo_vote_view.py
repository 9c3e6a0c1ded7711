"""VoteView: the fully connected layer's vote drawn out — the pooled maps, flattened, and for each class the
48 contributions weight × value as bars (one group a map) with their sum, bias and score.

Hover a bar for its arithmetic. Painted with the widget's own font (point size: it follows the
presenter scale); the maps' numbers use the explorer's grid painting.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cnn_explorer.core.format import format_number
from cnn_explorer.core.train.dense_vote import DenseVote
from cnn_explorer.ui import theme
from cnn_explorer.ui.explorer.grid_painting import cell_colors, paint_numbers
from cnn_explorer.ui.export.figure_export import install_figure_export


def _n(value: float) -> str:
    return format_number(value, "operand")


class VoteView(QWidget):
    """One picture's vote (a :class:`DenseVote`), or a hint when there is none yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vote: DenseVote | None = None
        self._hint = "Train the net (button on the left), then draw: the vote shows here."
        self._bars: list[tuple[QRectF, int, int]] = []       # (hit rect, class, feature index)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.setToolTip("Hover a bar: that pooled number times its weight")
        install_figure_export(self, "fully connected vote", vector=True,
                              values=lambda: None if self._vote is None else self._vote.contributions.copy())

    # ------------------------------------------------------------------ API
    def set_vote(self, vote: DenseVote | None, hint: str | None = None) -> None:
        self._vote = vote
        if hint is not None:
            self._hint = hint
        self.updateGeometry()
        self.update()

    def vote(self) -> DenseVote | None:
        return self._vote

    # ------------------------------------------------------------------ geometry
    def _line(self) -> float:
        return QFontMetricsF(self.font()).height()

    def _map_cell(self, width: float) -> float:
        line = self._line()
        maps = 3 if self._vote is None or self._vote.maps is None else len(self._vote.maps)
        side = self._vote.maps.shape[-1] if self._vote is not None and self._vote.maps is not None else 4
        fit = (width - (maps - 1) * line) / (maps * side)
        return max(line * 1.1, min(line * 2.4, fit))

    def _heights(self, width: float) -> tuple[float, float, float]:
        """(maps block, one class block, total)."""
        line = self._line()
        side = 4 if self._vote is None or self._vote.maps is None else self._vote.maps.shape[-1]
        maps = line * 1.4 + side * self._map_cell(width) + line * 0.6
        klass = line * 1.3 + line * 3.2 + line * 1.4
        classes = 2 if self._vote is None else len(self._vote.class_names)
        return maps, klass, maps + classes * klass

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        width = 36 * self._line()
        return QSize(int(width), int(self._heights(width)[2]) + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        width = 22 * self._line()
        return QSize(int(width), int(self._heights(width)[2]) + 4)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return int(self._heights(float(width))[2]) + 4

    # ------------------------------------------------------------------ tooltips
    def event(self, event) -> bool:  # noqa: D401 - Qt API
        if event.type() == QEvent.Type.ToolTip and self._vote is not None:
            for rect, k, i in self._bars:
                if rect.contains(event.position() if hasattr(event, "position") else QPointF(event.pos())):
                    v = self._vote
                    where = self._where(i)
                    QToolTip.showText(event.globalPos(),
                                      f"{v.class_names[k]}: {where} = {_n(float(v.features[i]))} × weight "
                                      f"{_n(float(v.weights[k, i]))} = {_n(float(v.contributions[k, i]))}", self)
                    return True
        return super().event(event)

    def _where(self, i: int) -> str:
        v = self._vote
        if v is None or v.maps is None:
            return f"number {i + 1}"
        c, h, w = v.maps.shape
        m, rest = divmod(i, h * w)
        r, col = divmod(rest, w)
        return f"map {m + 1}, row {r + 1}, column {col + 1}"

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text_pen = QPen(self.palette().color(self.palette().ColorRole.WindowText))
        p.setPen(text_pen)
        line = self._line()
        width = float(self.width())
        v = self._vote
        if v is None:
            p.setPen(QPen(theme.MUTED_TEXT))
            p.drawText(QRectF(0, 0, width, self.height()), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self._hint)
            p.end()
            return
        bold = QFont(self.font())
        bold.setBold(True)
        y = 0.0
        self._bars = []
        groups = 1
        if v.maps is not None:
            maps = v.maps
            groups = len(maps)
            cell = self._map_cell(width)
            p.setFont(bold)
            p.drawText(QRectF(0, y, width, line * 1.3), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       f"Pooled maps: {maps.shape[0]} × {maps.shape[1]} × {maps.shape[2]} = {v.features.size} numbers")
            y += line * 1.4
            hi = float(maps.max()) if maps.size and maps.max() > 0 else 1.0
            for m, grid in enumerate(maps):
                x0 = m * (grid.shape[1] * cell + line)
                colors = np.ascontiguousarray(cell_colors(grid, "grey", (0.0, hi)))
                h, w = grid.shape
                p.drawImage(QRectF(x0, y, w * cell, h * cell), QImage(colors.data, w, h, 3 * w,
                                                                       QImage.Format.Format_RGB888))
                blank = np.zeros(grid.shape, dtype=bool)
                paint_numbers(p, self.font(), grid, blank, blank, colors, x0, y, cell)
                p.setPen(QPen(theme.GRID_LINE))
                p.drawRect(QRectF(x0, y, w * cell, h * cell))
            y += grid.shape[0] * cell + line * 0.6
        n = v.features.size
        biggest = float(np.abs(v.contributions).max()) or 1.0
        gap = max(2.0, line * 0.4)
        bar_w = max(1.0, (width - (groups - 1) * gap) / n)
        per_group = n // groups
        for k, name in enumerate(v.class_names):
            p.setPen(text_pen)
            p.setFont(bold)
            p.drawText(QRectF(0, y, width, line * 1.2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       f"Votes for {name}: each number × its weight")
            y += line * 1.3
            area = QRectF(0, y, width, line * 3.2)
            mid = area.center().y()
            p.setPen(QPen(theme.GRID_LINE))
            p.drawLine(QPointF(0, mid), QPointF(width, mid))
            for i in range(n):
                value = float(v.contributions[k, i])
                x = i * bar_w + (i // per_group) * gap if per_group else i * bar_w
                height = abs(value) / biggest * (area.height() / 2 - 1)
                top = mid - height if value > 0 else mid
                p.fillRect(QRectF(x + 0.5, top, max(1.0, bar_w - 1.0), max(1.0, height)),
                           theme.POSITIVE_BAR if value > 0 else theme.NEGATIVE_BAR)
                self._bars.append((QRectF(x, area.top(), bar_w, area.height()), k, i))
            y += area.height() + line * 0.1
            p.setFont(bold if k == v.winner else self.font())
            p.setPen(QPen(theme.ACCENT) if k == v.winner else text_pen)
            p.drawText(QRectF(0, y, width, line * 1.2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       f"score {name}: {v.sum_text(k)}")
            y += line * 1.3
        p.end()
