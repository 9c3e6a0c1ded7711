"""Copy and Save as… for every map and figure: one helper installed on each figure widget.

:func:`install_figure_export` gives a widget (and its parts) a context menu with *Copy* and
*Save as…*, and makes Ctrl+C (the platform's Copy key) copy it as an image while it, or a part
of it, has the focus. :class:`FigureExport` renders the widget at any resolution (the widget
paints itself into a scaled painter, so lines and numbers stay sharp), as SVG when the figure
is vector (curves, grids with numbers: Qt's ``QSvgGenerator``; numbers become ``<text>``), and
writes the exact values behind a map or grid as CSV or NPY. Every file goes through
``core/io/atomic.py``: a failed write leaves the previous file as it was.

Values are a grid (H, W) or a stack whose last two axes are the grids (N, H, W), (F, C, h, w):
NPY keeps the shape; CSV writes each grid as a block of rows, blocks separated by a blank line
(what ``core/io/grid_text.parse_csv_blocks`` reads back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QEvent,
    QIODevice,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPainter,
    QRegion,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGraphicsItem,
    QGraphicsView,
    QMainWindow,
    QMenu,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write
from cnn_explorer.core.io.image_save import grid_text
from cnn_explorer.core.io.messages import short_reason
from cnn_explorer.ui.export.figure_dialog import MAX_SIDE, FigureSaveDialog
from cnn_explorer.ui.export.images import save_image_atomic

Values = Callable[[], "np.ndarray | None"]


def figure_export_of(widget: QWidget) -> FigureExport | None:
    """The export helper installed on ``widget``, or None."""
    found = widget.findChildren(FigureExport, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return found[0] if found else None


def install_figure_export(widget: QWidget, title: str | Callable[[], str], *, values: Values | None = None,
                          vector: bool = False, copy_key: bool = True,
                          menu_at: Callable[[QPoint], bool] | None = None) -> FigureExport:
    """Give ``widget`` Copy / Save as… (context menu) and Ctrl+C; see :class:`FigureExport`."""
    existing = figure_export_of(widget)
    if existing is not None:
        return existing
    return FigureExport(widget, title, values=values, vector=vector, copy_key=copy_key, menu_at=menu_at)


def csv_text(values) -> str:
    """Exact text of a grid (H, W) or a stack (..., H, W): one block of rows a grid, a blank line between."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim <= 2:
        return grid_text(arr)
    grids = arr.reshape(-1, arr.shape[-2], arr.shape[-1])
    return grid_text(np.transpose(grids, (1, 2, 0)))


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise CnnExplorerError("picture: the figure has no size yet (show it first)")
    if max(width, height) > MAX_SIDE:
        raise CnnExplorerError(f"picture: {width} x {height} pixels is too large; at most {MAX_SIDE} on a side")


class FigureExport(QObject):
    """Copy / Save as… for one figure widget (a child object of it; found with :func:`figure_export_of`).

    ``title``: what the figure is (the suggested file name, the SVG's title); ``values``: the exact
    numbers behind it (offers CSV and NPY) or None; ``vector``: offer SVG; ``copy_key``: Ctrl+C on
    the focused figure copies it (False where the window's Copy already copies the same thing);
    ``menu_at(pos)``: False where the widget has a menu of its own at ``pos`` (its coordinates), which
    then lists :meth:`actions` itself.
    """

    message = Signal(str)                 # what was copied or written, or the error (also shown in the status bar)
    save_dialog_opened = Signal(object)   # the Save as… dialog just shown (tests fill it in)

    def __init__(self, widget: QWidget, title, *, values: Values | None = None, vector: bool = False,
                 copy_key: bool = True, menu_at: Callable[[QPoint], bool] | None = None) -> None:
        super().__init__(widget)
        self._menu_at = menu_at
        self.setObjectName("figureExport")
        self.widget = widget
        self._title = title
        self._values = values
        self.vector = vector
        self.copy_key = copy_key
        self.menu: QMenu | None = None
        self.copy_action = QAction("&Copy", self)
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)   # shown in the menu; the key is ours
        self.copy_action.setToolTip("Copy this figure to the clipboard as a picture")
        self.copy_action.triggered.connect(self.copy)
        self.save_action = QAction("&Save as…", self)
        self.save_action.setToolTip("Save this figure as " + ", ".join(s[1:].upper() for s in self.suffixes()))
        self.save_action.triggered.connect(self.open_save_dialog)
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus and copy_key:
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._watched: list[QObject] = []
        self._watch(widget)
        self.message.connect(self._show_in_status_bar)

    # --- what it is ---------------------------------------------------------------------------
    def title(self) -> str:
        return self._title() if callable(self._title) else self._title

    def values(self) -> np.ndarray | None:
        """The exact numbers behind the figure now, or None (no values, or nothing shown yet)."""
        if self._values is None:
            return None
        arr = self._values()
        return None if arr is None or np.asarray(arr).size == 0 else np.asarray(arr)

    def set_title(self, title) -> None:
        """What the figure is: a text or a callable giving it (read when copying or saving)."""
        self._title = title

    def set_values(self, values: Values | None, *, vector: bool | None = None) -> None:
        """The callable giving the exact numbers behind the figure (None: a picture only)."""
        self._values = values
        if vector is not None:
            self.vector = vector
        self.save_action.setToolTip("Save this figure as " + ", ".join(s[1:].upper() for s in self.suffixes()))

    def has_values(self) -> bool:
        return self._values is not None

    def suffixes(self) -> list[str]:
        """The file types this figure can be saved as (the first is the default)."""
        out = [".png"]
        if self.vector:
            out.append(".svg")
        if self.values() is not None:
            out += [".csv", ".npy"]
        return out

    def actions(self) -> list[QAction]:
        return [self.copy_action, self.save_action]

    def suggested_name(self) -> str:
        keep = "".join(c if c.isalnum() or c in "-_ " else " " for c in self.title()).split()
        return "-".join(keep).lower() or "figure"

    def size(self) -> QSize:
        """The figure's size on screen, in logical pixels (the PNG's default is this times the screen's ratio)."""
        return self.widget.size()

    # --- rendering ----------------------------------------------------------------------------
    def _render(self, painter: QPainter, flags) -> None:
        """Paint the widget into ``painter`` with graphics items uncached (pyqtgraph caches its axes as
        pixmaps: drawn fresh they stay sharp at any scale and stay text in an SVG)."""
        views = [v for v in [self.widget, *self.widget.findChildren(QGraphicsView)] if isinstance(v, QGraphicsView)]
        items = [item for v in views if v.scene() is not None for item in v.scene().items()]
        modes = [item.cacheMode() for item in items]
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            self.widget.render(painter, QPoint(), QRegion(), flags)
        finally:
            for item, mode in zip(items, modes):
                item.setCacheMode(mode)

    def image(self, width: int | None = None) -> QImage:
        """The figure as a picture ``width`` pixels wide (default: as on screen, at the screen's ratio),
        its height in proportion."""
        w, h = self.widget.width(), self.widget.height()
        _check_size(w, h)
        if width is None:
            width = round(w * self.widget.devicePixelRatioF())
        factor = width / w
        height = max(1, round(h * factor))
        _check_size(width, height)
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        if image.isNull():
            raise CnnExplorerError(f"picture: not enough memory for {width} x {height} pixels")
        image.fill(self.widget.palette().window().color())
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(factor, factor)
        self._render(painter, QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground)
        painter.end()
        return image

    def svg_bytes(self) -> bytes:
        """The figure as an SVG document (text stays text, pictures are embedded)."""
        w, h = self.widget.width(), self.widget.height()
        _check_size(w, h)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setTitle(self.title())
        gen.setDescription("Exported from CNN Explorer")
        painter = QPainter(gen)
        painter.fillRect(QRect(0, 0, w, h), QColor(self.widget.palette().window().color()))
        self._render(painter, QWidget.RenderFlag.DrawChildren)
        painter.end()
        data = bytes(buffer.data())
        buffer.close()
        return data

    # --- copy and save ------------------------------------------------------------------------
    def copy(self) -> None:
        """Put the figure on the clipboard as a picture (as on screen, at the screen's pixel ratio)."""
        try:
            image = self.image()
        except CnnExplorerError as exc:
            self.message.emit(f"Cannot copy: {exc}")
            return
        QGuiApplication.clipboard().setImage(image)
        self.message.emit(f"Copied {self.title()} as a picture ({image.width()} x {image.height()} pixels)")

    def save(self, path, *, width: int | None = None) -> str:
        """Write the figure to ``path``, its type from the suffix; returns what was written.

        Raises CnnExplorerError with one clear line (an unknown type, no values, a failed write);
        the previous file at ``path`` is then untouched."""
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in self.suffixes():
            raise CnnExplorerError(f"output file {str(out)!r}: {self.title()} can be saved as "
                                   + ", ".join(self.suffixes()))
        if suffix == ".png":
            image = self.image(width)
            self._write(out, None, lambda: save_image_atomic(image, out, "PNG"))
            return f"Saved {self.title()} to {out} ({image.width()} x {image.height()} pixels)"
        if suffix == ".svg":
            data = self.svg_bytes()
            self._write(out, lambda tmp: tmp.write_bytes(data))
            return f"Saved {self.title()} to {out} (SVG)"
        arr = self.values()
        if arr is None:
            raise CnnExplorerError(f"{self.title()}: no values to save yet")
        if suffix == ".csv":
            text = csv_text(arr)
            self._write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        else:
            def write_npy(tmp: Path) -> None:
                with open(tmp, "wb") as f:
                    np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
            self._write(out, write_npy)
        shape = " x ".join(str(n) for n in arr.shape)
        return f"Saved the values of {self.title()} ({shape}) to {out}"

    @staticmethod
    def _write(out: Path, write, run=None) -> None:
        """``atomic_write(out, write)`` (or ``run()``, which writes through it), OS errors in one clear line."""
        try:
            run() if run is not None else atomic_write(out, write)
        except (OSError, ValueError) as exc:     # ValueError: a path Python refuses (a NUL in it)
            raise CnnExplorerError(f"output file {str(out)!r}: cannot write ({short_reason(exc)})") from None

    def open_save_dialog(self) -> None:
        """Save as…: a dialog for the file, its type and (for pictures) the resolution; non-blocking."""
        dialog = FigureSaveDialog(self, self.widget.window())
        dialog.saved.connect(self.message)
        dialog.open()
        self.save_dialog_opened.emit(dialog)

    # --- the context menu and the Copy key ----------------------------------------------------
    def _watch(self, widget: QWidget) -> None:
        """Filter ``widget`` and its parts (a scroll area's viewport gets the mouse)."""
        targets = [widget, *widget.findChildren(QWidget)]
        for target in targets:
            if isinstance(target, QAbstractScrollArea):
                targets.append(target.viewport())
        for target in dict.fromkeys(targets):
            # the figure itself even while it has no parent yet (made first, laid out later); not its menus
            if target is not widget and (isinstance(target, QMenu) or target.isWindow()):
                continue
            target.installEventFilter(self)
            self._watched.append(target)

    def show_menu(self, global_pos) -> QMenu:
        """Show the Copy / Save as… menu at ``global_pos`` (non-blocking); returns it."""
        if self.menu is None:
            self.menu = QMenu(self.widget)
            self.menu.addActions(self.actions())
        self.menu.popup(global_pos)
        return self.menu

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            if self._menu_at is not None and not self._menu_at(self.widget.mapFromGlobal(event.globalPos())):
                return False
            self.show_menu(event.globalPos())
            return True
        if self.copy_key and kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                and event.matches(QKeySequence.StandardKey.Copy):
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self.copy()
            return True
        return False

    def _show_in_status_bar(self, text: str) -> None:
        window = self.widget.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)
