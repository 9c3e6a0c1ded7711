"""One map of the maps panel: its title, the map, its colour bar and a caption with its value range."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnn_explorer.core.colormaps import ROBUST_PERCENTILE
from cnn_explorer.core.format import format_number
from cnn_explorer.ui.explorer.colorbar import ColorBar
from cnn_explorer.ui.export.figure_export import install_figure_export
from cnn_explorer.ui.scale import scaled_font


class ValueCaption(QWidget):
    """The centred, word-wrapped text under a map (its value range).

    Unlike a QLabel, a new text re-lays out the maps only when it needs another number of
    lines: typing changes these numbers at every key, and a relayout of every map each time
    is most of what an edit would cost on small maps.
    """

    FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._height_key: tuple | None = None       # (width, text, font generation) of the height kept in _height
        self._height = 0
        self._fonts = 0                             # font changes so far (cheaper to compare than QFont.key())
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, so it reads like one
        if text == self._text:
            return
        before = self.heightForWidth(self.width())
        self._text = text
        if self.heightForWidth(self.width()) != before:
            self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        key = (width, self._text, self._fonts)
        if key != self._height_key:      # asked for before and after every new text, and by the layout
            box = QRect(0, 0, max(1, width), 1 << 20)
            self._height_key = key
            self._height = self.fontMetrics().boundingRect(box, self.FLAGS, self._text or " ").height()
        return self._height

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        fm = self.fontMetrics()
        return QSize(round(fm.horizontalAdvance(self._text)), fm.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(0, self.fontMetrics().height())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._fonts += 1
            self.updateGeometry()
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.rect(), self.FLAGS, self._text)
        p.end()


class MapTile(QWidget):
    """A titled map with its colour bar and a caption giving the value range."""

    cell_hovered = Signal(int, int)
    cell_clicked = Signal(int, int)

    def __init__(self, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.channel = -1
        self._title = ""
        self._suffix = ""
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        from cnn_explorer.ui.explorer.map_view import (
            FeatureMapView,  # pyqtgraph: loaded after the first paint
        )

        self.view = FeatureMapView(self)
        self.bar = ColorBar(self)
        self.caption = ValueCaption(self)
        # Long titles wrap instead of forcing the whole row wider than the window.
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.view, 1)
        body.addWidget(self.bar, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        layout.addWidget(self.caption)
        self.view.cell_hovered.connect(self.cell_hovered)
        self.view.cell_clicked.connect(self.cell_clicked)
        self.view.span_changed.connect(self._on_view_span_changed)
        self.view.levels_changed.connect(self._on_view_levels_changed)
        self.set_scale(1.0)
        install_figure_export(self, lambda: self._title or f"{stage} map", values=self._shown_values, vector=True)

    def _shown_values(self) -> np.ndarray | None:
        return self.view.values() if self._title else None

    def _on_view_span_changed(self) -> None:
        top, bottom = self.view.image_span()
        self.bar.set_span(top, bottom)

    def set_map(self, values: np.ndarray, title: str, contrast: str | None = None, *, value_range=None) -> None:
        """Show every cell of ``values``; ``contrast``: 'full', 'robust' or 'image' (None keeps the current);
        ``value_range``: the finite (min, max) when the caller knows it."""
        self._set_title(title)
        self.view.set_values(values, contrast=contrast, value_range=value_range)

    def set_sampled_map(self, shape, sampler, title: str, *, value_range=None, contrast: str | None = None,
                        rendered=None) -> None:
        """Show a map computed only at the resolution it is shown (see ``FeatureMapView.set_sampled``)."""
        self._set_title(title)
        self.view.set_sampled(shape, sampler, value_range=value_range, contrast=contrast, rendered=rendered)

    def minimum_width(self) -> int:
        """The narrowest this tile can be: its map's minimum (room for its numbers), the colour bar and
        the margins; read from the parts, so it is right before the layout has caught up with them."""
        return self.view.minimumWidth() + self.bar.sizeHint().width() + 4 + 4

    def set_contrast(self, contrast: str) -> None:
        self.view.set_contrast(contrast)

    def set_stale(self, stale: bool) -> None:
        """Hatch the map: it no longer matches the settings (they are impossible)."""
        self.view.set_stale(stale)

    def _set_title(self, title: str) -> None:
        if title != self._title:
            self._title = title
            self.title.setText(title + self._suffix)

    def _on_view_levels_changed(self) -> None:
        view = self.view
        lo, hi = view.data_range()
        contrast = view.contrast()
        self.bar.set_range(view.value_range(), lo, hi, grey=contrast == "image")
        about = "" if view.range_is_exact() else "≈"
        text = f"min\u00a0{about}{format_number(lo, 'cell')}   max\u00a0{about}{format_number(hi, 'cell')}"
        if contrast == "image":
            text += "   grey\u00a00…255"
        elif contrast == "robust" and view.value_range() < max(abs(lo), abs(hi)):
            text += f"   colours\u00a0±{format_number(view.value_range(), 'cell')}\u00a0({ROBUST_PERCENTILE:g}%)"
        self.caption.setText(text)

    def set_title_suffix(self, suffix: str) -> None:
        """Extra words after the title (e.g. the bias when the '+ bias' sign between maps is hidden)."""
        self._suffix = suffix
        self.title.setText(self._title + suffix)

    def set_scale(self, f: float) -> None:
        self.title.setFont(scaled_font(self.font(), 14, f, 9, bold=True))
        self.caption.setFont(scaled_font(self.font(), 11, f, 8))
        self.view.set_scale(f)
        self.bar.set_scale(f)
