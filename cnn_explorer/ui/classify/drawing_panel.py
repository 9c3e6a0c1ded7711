"""DrawingPanel: the Classify page's left column: the model line, the canvas, what the network sees, the verdict
and the probability bars; it shows each reading the controller makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.ui import theme
from cnn_explorer.ui.classify.canvas import DigitCanvas
from cnn_explorer.ui.classify.controller import Reading
from cnn_explorer.ui.classify.pictures import ImageView, seen_rgb
from cnn_explorer.ui.classify.prediction_bars import PredictionBars, verdict
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.widgets.fold import FoldRow
from cnn_explorer.ui.widgets.inline_message import InlineMessage


class DrawingPanel(QWidget):
    """The drawing column; ``brush``: the brush diameter to start with. The page wires its buttons."""

    def __init__(self, brush: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self.model_label = QLabel("Model: not loaded yet")
        self.model_label.setWordWrap(True)
        self.load_model_button = QPushButton("Load model…")
        self.load_model_button.setToolTip("Classify with a model saved by the Train page or `cnn-explorer train`")
        self.canvas = DigitCanvas()
        self.seen_view = ImageView(minimum=112, name="what the network sees")
        self.seen_view.set_rgb(None, "nothing drawn")
        self.seen_caption = QLabel("What the network sees")
        self.seen_caption.setWordWrap(True)
        self.seen_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setShortcut(QKeySequence("Delete"))
        self.clear_button.setToolTip("Clear the drawing (Del)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke, clear or picture (Ctrl+Z)")
        self.undo_button.setEnabled(False)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Classify a picture file (or drop one here, or paste with Ctrl+V)")
        self.paste_button = QPushButton("Paste")
        self.brush = QSpinBox()
        self.brush.setRange(4, 60)
        self.brush.setSuffix(" px")
        self.brush.setValue(brush)
        self.brush.setToolTip("Brush diameter (the canvas is 280×280 px)")
        self.verdict = QLabel("Draw a digit")
        self.verdict.setWordWrap(True)
        self.bars = PredictionBars()
        self.message = InlineMessage()

        # the model's name above the button when the column is too narrow for both (a big presenter scale)
        head = FoldRow([self.model_label, self.load_model_button], self, stretch=self.model_label)
        seen_col = QVBoxLayout()
        seen_title = QLabel("<b>What the network sees</b>")
        seen_title.setWordWrap(True)  # a narrow column at a big presenter scale: two lines, never cut
        seen_col.addWidget(seen_title)
        seen_col.addWidget(self.seen_view, 1)
        seen_col.addWidget(self.seen_caption)
        draw_row = QHBoxLayout()
        draw_row.addWidget(self.canvas, 5)
        draw_row.addLayout(seen_col, 2)
        # the buttons fold one under another when the column is narrow (a big presenter scale)
        tools = QHBoxLayout()
        tools.addWidget(FoldRow([self.clear_button, self.undo_button, self.open_button, self.paste_button], self), 1)
        tools.addWidget(FoldRow([QLabel("Brush"), self.brush], self), 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(head)
        layout.addWidget(self.message)
        layout.addLayout(draw_row, 5)
        layout.addLayout(tools)
        layout.addWidget(self.verdict)
        layout.addWidget(self.bars, 3)
        self.canvas.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.brush.valueChanged.connect(self._on_brush_changed)
        self.canvas.brush = self.brush.value()

    def set_scale(self, factor: float) -> None:
        """Presenter scale: bigger verdict, bars and canvas."""
        self._scale = factor
        self._style_verdict(self.verdict.property("unsure") is True)
        self.canvas.setMinimumSize(scaled(150, factor), scaled(150, factor))
        self.seen_view.set_minimum_side(scaled(96, factor))
        self.bars.set_scale(factor)

    def show_model(self, loaded: Any, class_names: tuple[str, ...]) -> str:
        """Name ``loaded`` (a TrainedModel) on the model line and give the bars its classes; returns its title."""
        spec = loaded.spec
        shape = "×".join(str(v) for v in spec.input_shape)
        title = getattr(spec, "name", "") or "model"
        where = getattr(loaded, "path", None)
        source = "bundled" if where is not None and "resources" in Path(where).parts else (Path(where).stem if where else "in memory")
        self.model_label.setText(f"<b>Model:</b> {title} ({source}), {len(class_names)} classes")
        self.model_label.setToolTip(f"{title}: input {shape} (H×W×C), classes {', '.join(class_names)}"
                                    + (f"\n{where}" if where is not None else ""))
        self.bars.set_classes(class_names)
        return title

    def show_reading(self, reading: Reading, class_names: tuple[str, ...]) -> None:
        """Show ``reading``'s probabilities, verdict and preprocessed input."""
        probs = reading.probabilities
        self.bars.set_probabilities(probs)
        text, unsure = verdict(probs, class_names, reading.novelty)
        if reading.model_input is None and self.canvas.is_empty():
            text, unsure = "Draw a digit", False
        elif reading.model_input is None:
            text, unsure = "Nothing to see: no ink found", True
        if self.verdict.text() != text:
            self.verdict.setText(text)
        if self.verdict.property("unsure") is not unsure:
            self._style_verdict(unsure)
        mi = reading.model_input
        if mi is None:
            self.seen_view.set_rgb(None, "nothing drawn")
            if self.seen_caption.text():
                self.seen_caption.setText("")
        else:
            self.seen_view.set_rgb(seen_rgb(mi.seen))
            h, w = mi.seen.shape[:2]
            how = "MNIST-style" if mi.mode == "digit" else "fitted"
            caption = f"{h}×{w}, {how}{', inverted' if mi.inverted else ''}"
            self.seen_caption.setToolTip(
                "The ink is cropped, scaled so its longer side is 20 px (aspect kept) and centred by its centre "
                "of mass in 28×28, as MNIST was made" if mi.mode == "digit" else
                "The picture is scaled to the model's input size, aspect ratio kept (letterbox)")
            if self.seen_caption.text() != caption:
                self.seen_caption.setText(caption)

    def _on_brush_changed(self, value: int) -> None:
        self.canvas.brush = value

    def _style_verdict(self, unsure: bool) -> None:
        self.verdict.setProperty("unsure", unsure)
        base = f"font-size: {scaled(15, self._scale)}pt; font-weight: bold; padding: 3px 6px; border-radius: 3px;"
        colour = (f" background: {theme.UNSURE_BG.name()}; color: {theme.UNSURE_FG.name()};" if unsure
                  else f" color: {theme.INFO_FG.name()};")
        self.verdict.setStyleSheet(base + colour)
