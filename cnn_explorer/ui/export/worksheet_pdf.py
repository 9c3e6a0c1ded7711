"""A worksheet as a PDF (QPdfWriter): page 1 the exercise, page 2 the answer key (more pages if it runs long).

The content (grids, questions, answers, arithmetic) is the core's
:class:`~cnn_explorer.core.conv.worksheet.Worksheet`; this module only lays it out in black
and white for printing: cells with their numbers, padding shaded with italic numbers, empty
grids to fill in. Text is real PDF text, so the key can be searched and read back.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from cnn_explorer.core.conv.worksheet import SheetGrid, Worksheet
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.animation_save import ExportCancelled, check_writable
from cnn_explorer.core.io.atomic import atomic_write
from cnn_explorer.ui.export.progress import ExportProgress, Job

PAPERS = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
PAPER_LABELS = {"a4": "A4", "letter": "Letter"}
#: dots per inch of the layout (QPdfWriter's unit); lengths below are in millimetres
DPI = 300
MARGIN_MM = 15.0
MAX_CELL_MM = 12.0
PADDING_SHADE = QColor(225, 225, 225)
INK = QColor(0, 0, 0)
MUTED = QColor(90, 90, 90)


def _mm(v: float) -> float:
    return v * DPI / 25.4


class _Pages:
    """A QPainter on a QPdfWriter with a cursor that moves down the page; text wraps to the width."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer, self.p = writer, painter
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width, self.height = float(rect.width()), float(rect.height())
        self.y = 0.0
        self.pages = 1

    def font(self, points: float, bold: bool = False, italic: bool = False) -> QFont:
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(points * DPI / 72)))
        font.setBold(bold)
        font.setItalic(italic)
        return font

    def new_page(self) -> None:
        self.writer.newPage()
        self.pages += 1
        self.y = 0.0

    def text(self, text: str, points: float = 10.5, *, bold: bool = False, color: QColor = INK,
             space_after: float = 2.0, x: float = 0.0, width: float | None = None) -> None:
        font = self.font(points, bold)
        self.p.setFont(font)
        self.p.setPen(color)
        width = (self.width - x) if width is None else width
        flags = int(Qt.TextFlag.TextWordWrap)
        box = QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), flags, text)
        if self.y + box.height() > self.height:
            self.new_page()
        self.p.drawText(QRectF(x, self.y, width, box.height() + 2), flags | int(Qt.AlignmentFlag.AlignLeft), text)
        self.y += box.height() + _mm(space_after)

    def grid(self, grid: SheetGrid, x: float, y: float, cell: float, *, empty: bool = False) -> None:
        """The grid's cells at (x, y); ``empty`` leaves every cell blank for the student."""
        p = self.p
        rows, cols = grid.shape
        longest = max((len(t) for row in grid.texts for t in row), default=1)
        font = self.font(1)
        font.setPixelSize(max(1, round(min(cell * 0.42, cell * 0.85 / max(1, longest) / 0.6))))
        italic = QFont(font)
        italic.setItalic(True)
        for r in range(rows):
            for c in range(cols):
                rect = QRectF(x + c * cell, y + r * cell, cell, cell)
                padding = grid.padding is not None and bool(grid.padding[r, c])
                if padding:
                    p.fillRect(rect, PADDING_SHADE)
                if not empty:
                    p.setFont(italic if padding else font)
                    p.setPen(INK)
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, grid.texts[r][c])
        p.setPen(QPen(INK, _mm(0.25)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in range(rows + 1):
            p.drawLine(int(x), int(y + r * cell), int(x + cols * cell), int(y + r * cell))
        for c in range(cols + 1):
            p.drawLine(int(x + c * cell), int(y), int(x + c * cell), int(y + rows * cell))
        p.setPen(QPen(INK, _mm(0.6)))
        p.drawRect(QRectF(x, y, cols * cell, rows * cell))

    def grid_row(self, items: list[tuple[str, SheetGrid, bool]], max_height: float) -> None:
        """Grids side by side, each under its title, in cells as large as fit (at most ``MAX_CELL_MM``)."""
        gap_cells = 1.5
        total_cols = sum(g.shape[1] for _, g, _ in items) + gap_cells * (len(items) - 1)
        tallest = max(g.shape[0] for _, g, _ in items)
        title_font = self.font(10, bold=True)
        title_h = QFontMetricsF(title_font).height() * 2.4
        cell = min(_mm(MAX_CELL_MM), self.width / total_cols, (max_height - title_h) / tallest)
        if self.y + title_h + tallest * cell > self.height:
            self.new_page()
        x = 0.0
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        for title, grid, empty in items:
            width = max(grid.shape[1] * cell, _mm(30))
            self.p.setFont(title_font)
            self.p.setPen(INK)
            self.p.drawText(QRectF(x, self.y, width, title_h - _mm(1)), flags, title)
            self.grid(grid, x, self.y + title_h, cell, empty=empty)
            x += max(grid.shape[1] * cell, _mm(30)) + gap_cells * cell
        self.y += title_h + tallest * cell + _mm(5)


def _exercise(pages: _Pages, sheet: Worksheet) -> None:
    pages.text(sheet.title, 18, bold=True, space_after=1)
    pages.text(sheet.source, 9.5, color=MUTED, space_after=4)
    pages.text("Name: ________________________________     Date: ______________", 10.5, space_after=5)
    for line in sheet.instructions:
        pages.text(line, 10.5, space_after=1.5)
    pages.y += _mm(3)
    pages.grid_row([(sheet.input.title, sheet.input, False), (sheet.kernel.title, sheet.kernel, False)],
                   pages.height * 0.36)
    pages.text(f"1. {sheet.size_question}", 11, bold=True, space_after=4)
    questions = [f"{n + 2}. {stage.question}" for n, stage in enumerate(sheet.stages)]
    for text in questions:
        pages.text(text, 11, bold=True, space_after=1.5)
    pages.y += _mm(2)
    pages.grid_row([(f"{n + 2}. {stage.answers.title}", stage.answers, True) for n, stage in enumerate(sheet.stages)],
                   pages.height - pages.y)


def _key(pages: _Pages, sheet: Worksheet) -> None:
    pages.text(f"Answer key: {sheet.title}", 18, bold=True, space_after=1)
    pages.text(sheet.source, 9.5, color=MUTED, space_after=4)
    pages.text(f"1. The feature map is {sheet.size_answer}", 11, bold=True, space_after=4)
    pages.grid_row([(f"{n + 2}. {stage.answers.title}", stage.answers, False) for n, stage in enumerate(sheet.stages)],
                   pages.height * 0.4)
    for n, stage in enumerate(sheet.stages):
        heading = f"{n + 2}. {stage.answers.title[:1].upper()}{stage.answers.title[1:]}, cell by cell"
        if stage.chosen:
            heading += f" ({len(stage.arithmetic)} chosen cells; the map above holds every answer)"
        pages.text(heading, 11, bold=True, space_after=1.5)
        for (i, j), text in stage.arithmetic:
            pages.text(f"({i}, {j}):  {text}", 9.5, space_after=0.8, x=_mm(4))
        pages.y += _mm(3)


def worksheet_job(sheet: Worksheet, path, paper: str = "a4") -> Job:
    """Write ``sheet`` to ``path`` (.pdf) on ``paper`` ('a4' or 'letter') as a job (see ``progress.py``)."""
    out = Path(path)
    if out.suffix.lower() != ".pdf":
        raise CnnExplorerError(f"-o: a worksheet is a .pdf file, got {out.suffix or '(none)'!r} in {str(path)!r}")
    check_writable(out, "-o")
    if paper not in PAPERS:
        raise CnnExplorerError(f"--paper: choose a4 or letter, got {paper!r}")

    def job(cancel: threading.Event):
        yield ExportProgress(0, 2, "Laying out the exercise…")
        pages_written = [0]

        def write(tmp: Path) -> None:
            writer = QPdfWriter(str(tmp))
            writer.setResolution(DPI)
            writer.setTitle(sheet.title)
            writer.setCreator("CNN Explorer")
            writer.setPageLayout(QPageLayout(QPageSize(PAPERS[paper]), QPageLayout.Orientation.Portrait,
                                             QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                             QPageLayout.Unit.Millimeter))
            painter = QPainter()
            if not painter.begin(writer):
                raise CnnExplorerError(f"-o: cannot write {str(out)!r}")
            try:
                pages = _Pages(writer, painter)
                _exercise(pages, sheet)
                if cancel.is_set():
                    raise ExportCancelled()
                pages.new_page()
                _key(pages, sheet)
                pages_written[0] = pages.pages
            finally:
                painter.end()
            if cancel.is_set():
                raise ExportCancelled()

        atomic_write(out, write)
        yield ExportProgress(2, 2, f"Wrote the worksheet and its key to {out.name} ({pages_written[0]} pages, "
                             f"{PAPER_LABELS[paper]})", final=True)

    return job


def page_size_mm(paper: str) -> QSizeF:
    """The paper's size in millimetres (portrait)."""
    return QPageSize(PAPERS[paper]).size(QPageSize.Unit.Millimeter)
