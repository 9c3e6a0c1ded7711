"""What the layout matrix checks in a laid-out window: clipped text (in pyqtgraph plots too: tick labels,
axis and plot titles), overlapping siblings, step-view
widgets outside the window, step grids the presenter view shows only in part (scrolled out of
sight), and the step grids' number font.

Pure inspection of live widgets (QFontMetrics, geometry); nothing here changes the window. Each
finding is one line naming the widget and its text, so a failing test says what to fix.
``python tests/ui/layout_check.py`` runs the whole matrix for one screen in this process and prints
the findings as JSON (the 4K test runs it in a subprocess with QT_SCALE_FACTOR=2).
"""

from __future__ import annotations

import json
import os
import sys

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFont, QFontMetrics, Qt, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QGroupBox,
    QLabel,
    QLayout,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyleOptionGroupBox,
    QTabBar,
    QTabWidget,
    QToolButton,
    QWidget,
)

#: the presenter scales of the matrix: 100 % to 300 % in 25 % steps
SCALES = tuple(1.0 + 0.25 * i for i in range(9))
#: (name, logical window size, device pixel ratio); 4K at 200 % is 1920x1080 logical at ratio 2
SCREENS = (("1280x720", (1280, 720), 1), ("1366x768", (1366, 768), 1), ("1920x1080", (1920, 1080), 1),
           ("3840x2160@2x", (1920, 1080), 2))
#: the views of the matrix
VIEWS = ("maps", "step", "presenter", "train", "classify")
#: what the matrix shows in the Explorer: the slides' 6x6 example at the first step
SAMPLE = "000-1"
TOLERANCE = 1  # pixels of rounding a layout may lose


def describe(w: QWidget) -> str:
    """'QLabel "Canvas" in InputPanel': the widget's class, text (or what it holds), and its nearest views."""
    text = widget_text(w)
    names = []
    p = w.parentWidget()
    while p is not None and len(names) < 2:
        cls = type(p).__name__
        if (not cls.startswith("Q") or p.objectName()) and not p.objectName().startswith("qt_"):
            names.append(p.objectName() or cls)
        p = p.parentWidget()
    where = f" in {'/'.join(names)}" if names else ""
    name = type(w).__name__ + (f"#{w.objectName()}" if w.objectName() and not w.objectName().startswith("qt_") else "")
    holds = ""
    if isinstance(w, QTabWidget):
        holds = " [tabs " + " | ".join(mnemonic_free(w.tabText(i)) for i in range(w.count())) + "]"
    elif isinstance(w, QScrollArea) and w.widget() is not None:
        titles = [b.title() for b in w.widget().findChildren(QGroupBox)]
        inner = titles or [type(k).__name__ for k in w.widget().children() if isinstance(k, QWidget)][:2]
        holds = " [holding " + ", ".join(inner) + "]"
    return f"{name} {text!r}{where}" if text else f"{name}{holds}{where}"


def widget_text(w: QWidget) -> str:
    if isinstance(w, QLabel):
        return plain_label_text(w)
    if isinstance(w, QAbstractButton):
        return mnemonic_free(w.text())
    if isinstance(w, QGroupBox):
        return mnemonic_free(w.title())
    return ""


def mnemonic_free(text: str) -> str:
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&")


def plain_label_text(label: QLabel) -> str:
    text = label.text()
    if label.buddy() is not None:  # "&Colours" is shown as "Colours" (C underlined)
        text = mnemonic_free(text)
    if label.textFormat().name == "RichText" or (label.textFormat().name == "AutoText" and Qt.mightBeRichText(text)):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def shown(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0


# --- clipped text ---------------------------------------------------------------------------------
def label_problem(label: QLabel) -> str | None:
    text = plain_label_text(label)
    if not text.strip() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    cr = label.contentsRect()
    room_w = cr.width() - 2 * max(0, label.margin()) - max(0, label.indent())
    room_h = cr.height() - 2 * max(0, label.margin())
    fm = label.fontMetrics()
    if label.wordWrap():
        need_h = label.heightForWidth(label.width())
        words = max((fm.horizontalAdvance(word) for word in text.split()), default=0)
        if words > room_w + TOLERANCE:
            return f"a word is {words} px wide, the label {room_w} px"
        if need_h > label.height() + TOLERANCE:
            return f"wrapped text needs {need_h} px height, the label has {label.height()} px"
        return None
    lines = text.split("\n")
    need_w = max(fm.horizontalAdvance(line) for line in lines)
    need_h = fm.height() * len(lines)
    if need_w > room_w + TOLERANCE:
        return f"text is {need_w} px wide, the label {room_w} px"
    if need_h > room_h + TOLERANCE + 2:
        return f"text is {need_h} px high, the label {room_h} px"
    return None


def button_problem(b: QAbstractButton) -> str | None:
    text = mnemonic_free(b.text())
    if not text.strip():
        return None
    style = b.style()
    fm = b.fontMetrics()
    need = max(fm.horizontalAdvance(line) for line in text.split("\n"))
    if not b.icon().isNull():
        need += b.iconSize().width() + 4
    if isinstance(b, (QCheckBox, QRadioButton)):
        metric = (QStyle.PixelMetric.PM_IndicatorWidth if isinstance(b, QCheckBox)
                  else QStyle.PixelMetric.PM_ExclusiveIndicatorWidth)
        need += style.pixelMetric(metric, None, b) + style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, b)
    elif isinstance(b, (QPushButton, QToolButton)):
        need += 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, b)
    if need > b.width() + TOLERANCE:
        return f"text needs {need} px, the button is {b.width()} px wide"
    if fm.height() > b.height() + TOLERANCE:
        return f"text is {fm.height()} px high, the button {b.height()} px"
    return None


def group_box_problem(box: QGroupBox) -> str | None:
    title = mnemonic_free(box.title())
    if not title.strip():
        return None
    opt = QStyleOptionGroupBox()
    opt.initFrom(box)
    opt.text = box.title()
    opt.lineWidth = 1
    opt.subControls = QStyle.SubControl.SC_GroupBoxLabel | QStyle.SubControl.SC_GroupBoxFrame
    rect = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, opt, QStyle.SubControl.SC_GroupBoxLabel, box)
    bold = QFont(box.font())
    bold.setBold(True)
    need = QFontMetrics(bold).horizontalAdvance(title)
    right = max(rect.right(), rect.left() + need)
    if right > box.width() + TOLERANCE:
        return f"title reaches x={right}, the box is {box.width()} px wide"
    return None


def tab_bar_problems(bar: QTabBar) -> list[str]:
    out = []
    fm = bar.fontMetrics()
    visible = bar.rect()
    for i in range(bar.count()):
        if hasattr(bar, "isTabVisible") and not bar.isTabVisible(i):
            continue
        text = mnemonic_free(bar.tabText(i))
        rect = bar.tabRect(i)
        need = fm.horizontalAdvance(text)
        if need > rect.width() + TOLERANCE:
            out.append(f"tab {text!r} needs {need} px, the tab is {rect.width()} px wide")
        elif not visible.contains(rect):
            out.append(f"tab {text!r} lies outside its bar ({rect.x()}..{rect.right()} of {visible.width()} px)")
    return out


def text_problems(root: QWidget) -> list[tuple[QWidget, str]]:
    """Every visible label, button, check box, radio button, group-box title and tab whose text does not fit."""
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not shown(w):
            continue
        problem = None
        if isinstance(w, QLabel):
            problem = label_problem(w)
        elif isinstance(w, QAbstractButton) and not isinstance(w.parentWidget(), QTabBar):
            problem = button_problem(w)
        elif isinstance(w, QGroupBox):
            problem = group_box_problem(w)
        elif isinstance(w, QTabBar):
            out += [(w, f"clipped: {describe(w)}: {p}") for p in tab_bar_problems(w)]
        if problem:
            out.append((w, f"clipped: {describe(w)}: {problem}"))
    return out


# --- overlapping siblings -------------------------------------------------------------------------
def _is_scroll_internal(w: QWidget) -> bool:
    """Scroll areas' own parts (viewport, bars, corner): Qt lays those out itself."""
    parent = w.parentWidget()
    return isinstance(parent, QAbstractScrollArea) or (
        parent is not None and isinstance(parent.parentWidget(), QAbstractScrollArea) and parent.objectName().startswith("qt_")
    )


def laid_out_by(parent: QWidget, w: QWidget) -> bool:
    """Whether ``parent``'s layout, or a layout nested in it (a row inside a column), places ``w``."""
    layout = parent.layout()
    if layout is None:
        return False
    # nested layouts are the QObject children of the layout they sit in
    return any(each.indexOf(w) >= 0 for each in [layout, *layout.findChildren(QLayout)])


def overlap_problems(root: QWidget) -> list[tuple[QWidget, str]]:
    """Pairs of visible sibling widgets (same parent, both children of a layout) whose rectangles intersect."""
    out = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not shown(parent) or isinstance(parent, (QTabBar, QAbstractScrollArea)):
            continue
        kids = [k for k in parent.children() if isinstance(k, QWidget) and not k.isWindow() and shown(k)
                and not _is_scroll_internal(k) and not k.objectName().startswith("qt_")]
        kids = [k for k in kids if laid_out_by(parent, k)
                or type(parent).__name__ == "QSplitter" or type(parent).__name__.endswith("Splitter")]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                common = a.geometry().intersected(b.geometry())
                if common.width() > TOLERANCE and common.height() > TOLERANCE:
                    out.append((a, f"overlap: {describe(a)} and {describe(b)} share {common.width()}x{common.height()} px"))
    return out


# --- squashed widgets ---------------------------------------------------------------------------------
def squash_problem(w: QWidget) -> str | None:
    """A widget laid out smaller than its minimumSizeHint (a layout squashed it instead of scrolling):
    spin box text cut, buttons flattened, rows touching. As in Qt's layouts, an explicit minimum
    size replaces the hint (a spin box fitted to its usual values), an Ignored size policy asks for
    nothing, and word-wrapped text is judged by its height for the width it has."""
    hint = w.minimumSizeHint()
    if not hint.isValid():
        return None
    policy = w.sizePolicy()
    ignored = QSizePolicy.Policy.Ignored
    need_w = (w.minimumWidth() or hint.width()) if policy.horizontalPolicy() != ignored else 0
    need_h = (w.minimumHeight() or hint.height()) if policy.verticalPolicy() != ignored else 0
    if w.hasHeightForWidth() and need_h:
        need_h = min(need_h, max(w.heightForWidth(w.width()), w.minimumHeight()))
    need_w = min(need_w, w.maximumWidth())
    need_h = min(need_h, w.maximumHeight())
    if w.width() + TOLERANCE < need_w:
        return f"{w.width()} px wide, needs {need_w} px (its minimum size hint)"
    if w.height() + TOLERANCE < need_h:
        return f"{w.height()} px high, needs {need_h} px (its minimum size hint)"
    return None


def squash_problems(root: QWidget) -> list[tuple[QWidget, str]]:
    """Every visible widget in a layout (or a splitter) laid out narrower or shorter than its minimumSizeHint."""
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not shown(w) or w.isWindow() or w.objectName().startswith("qt_") or _is_scroll_internal(w):
            continue
        parent = w.parentWidget()
        in_layout = parent is not None and laid_out_by(parent, w)
        if not in_layout and not isinstance(parent, QSplitter):
            continue                                   # placed by hand (or by Qt itself): not a layout's doing
        problem = squash_problem(w)
        if problem:
            out.append((w, f"squashed: {describe(w)}: {problem}"))
    return out


# --- pyqtgraph plots -------------------------------------------------------------------------------------
def _plot_widgets(root: QWidget) -> list:
    """The visible pyqtgraph plots under ``root`` (none when pyqtgraph was never imported)."""
    pg = sys.modules.get("pyqtgraph")
    if pg is None:
        return []
    return [w for w in [root, *root.findChildren(QWidget)] if isinstance(w, pg.PlotWidget) and shown(w)]


def _tick_text_rects(axis) -> list:
    """The rectangles and texts of an axis's tick labels, as pyqtgraph will draw them now."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis_spec, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in texts]


def plot_problems(root: QWidget) -> list[tuple[QWidget, str]]:
    """In every visible pyqtgraph plot: tick labels drawn over one another, an axis title longer than its axis,
    a plot title wider than the plot (Qt's label checks cannot see into a graphics scene)."""
    out = []
    for plot in _plot_widgets(root):
        item = plot.plotItem
        name = item.titleLabel.text or "plot"
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            if not axis.isVisible():
                continue
            rects = _tick_text_rects(axis)
            for i, (a, text_a) in enumerate(rects):
                for b, text_b in rects[i + 1:]:
                    common = a.intersected(b)
                    if common.width() > TOLERANCE and common.height() > TOLERANCE:
                        out.append((plot, f"overlap: {name!r} {side} axis: tick labels {text_a!r} and {text_b!r}"))
            length = axis.height() if side == "left" else axis.width()
            if axis.label is not None and axis.label.isVisible() and axis.labelText:
                need = axis.label.boundingRect().width()
                if need > length + TOLERANCE:
                    out.append((plot, f"clipped: {name!r} {side} axis title {axis.labelText!r} needs {need:.0f} px, "
                                      f"the axis is {length:.0f} px long"))
        title = item.titleLabel
        if title.isVisible() and title.text:
            need = title.item.boundingRect().width()
            if need > item.width() + TOLERANCE:
                out.append((plot, f"clipped: plot title {name!r} needs {need:.0f} px, the plot is {item.width():.0f} px"))
    return out


# --- the step view inside the window ----------------------------------------------------------------
def outside_problems(view: QWidget, window: QWidget) -> list[tuple[QWidget, str]]:
    """Visible widgets of ``view`` reaching outside ``window`` (a scroll area's content is judged by its viewport)."""
    out = []
    bounds = window.rect()
    for w in [view, *view.findChildren(QWidget)]:
        if not shown(w):
            continue
        top_left = w.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, w.size())
        if not bounds.contains(rect):
            # inside a scroll area, what counts is the visible viewport, not the scrolled content
            p = w.parentWidget()
            inside_scroll = False
            while p is not None and p is not view.parentWidget():
                if isinstance(p, QAbstractScrollArea):
                    inside_scroll = True
                    break
                p = p.parentWidget()
            if inside_scroll:
                continue
            out.append((w, f"outside the window: {describe(w)} at {rect.x()},{rect.y()} {rect.width()}x{rect.height()}"
                           f" (window {bounds.width()}x{bounds.height()})"))
    return out


def cut_grid_problems(panel: QWidget) -> list[tuple[QWidget, str]]:
    """Step grids (input, output, and the arithmetic's window, kernel and products) that the step view's
    scroll area shows only in part: a row or column scrolled out of sight (a "scroll strip")."""
    from cnn_explorer.ui.explorer.animation_grid import NumberGridView

    out = []
    body = getattr(panel, "body", None)
    if not isinstance(body, QAbstractScrollArea) or not shown(panel):
        return out
    viewport = body.viewport()
    room = viewport.rect()
    for grid in viewport.findChildren(NumberGridView):
        if not shown(grid) or grid.values().size == 0:
            continue
        rect = QRect(grid.mapTo(viewport, QPoint(0, 0)), grid.size())
        if not room.adjusted(-TOLERANCE, -TOLERANCE, TOLERANCE, TOLERANCE).contains(rect):
            seen = rect.intersected(room)
            out.append((grid, f"cut: {describe(grid)} {rect.width()}x{rect.height()} px, only "
                              f"{max(0, seen.width())}x{max(0, seen.height())} px of it in the step view's "
                              f"{room.width()}x{room.height()} px"))
    return out


# --- the step grids' number font ----------------------------------------------------------------------
class NumberFontProbe:
    """Records the pixel size of the numbers each step grid paints (0: too small, the grid paints none).

    Wraps ``animation_grid.paint_numbers`` (the one function that writes a grid's numbers): the font it
    leaves on the painter is the one it wrote with.
    """

    def __init__(self) -> None:
        from cnn_explorer.ui.explorer import animation_grid

        self._module = animation_grid
        self._original = getattr(animation_grid, "paint_numbers", None)  # None: an older tree, no probe
        self.sizes: dict[int, int] = {}
        self._current: int | None = None

    def __enter__(self) -> NumberFontProbe:
        original = self._original
        if original is None:
            return self

        def probe(p, base, *args, **kwargs):
            marker = QFont(base)
            marker.setPixelSize(1)
            p.setFont(marker)
            original(p, base, *args, **kwargs)
            size = p.font().pixelSize()
            if self._current is not None:
                self.sizes[self._current] = 0 if size <= 1 else size
        self._module.paint_numbers = probe
        return self

    def __exit__(self, *exc) -> None:
        if self._original is not None:
            self._module.paint_numbers = self._original

    def measure(self, grids) -> dict[str, int]:
        """{grid name: number pixel size} for the visible grids, painted now."""
        result = {}
        if self._original is None:
            return result
        for name, grid in grids:
            if not shown(grid) or grid.values().size == 0:
                continue
            self._current = id(grid)
            grid.grab()
            self._current = None
            result[name] = self.sizes.get(id(grid), 0)
        return result


def step_grids(panel) -> list[tuple[str, QWidget]]:
    grids = [(f"input grid {i + 1}", v) for i, v in enumerate(panel.input_views)]
    grids.append(("output grid", panel.output_view))
    return grids


def font_shrink_problems(before: dict[str, int], after: dict[str, int], scale_before: float, scale: float) -> list[str]:
    return [f"number font shrinks: {name} {before[name]} px at {scale_before:.0%} -> {after.get(name, 0)} px at {scale:.0%}"
            for name in before if name in after and after[name] < before[name]]


# --- driving a window -------------------------------------------------------------------------------
def settle(app, window=None, rounds: int = 6) -> None:
    """Let loaders, layouts, polish, deferred deletes and zero-delay timers run."""
    from cnn_explorer.ui import lifecycle

    lifecycle.settle(app, rounds=rounds, wait_timers=False)
    for _ in range(50):                # the short timers fire now, not after their interval
        pending = [t for t in lifecycle.live_timers()
                   if t.isActive() and t.isSingleShot() and t.interval() <= lifecycle.SETTLE_TIMER_MS]
        if not pending:
            break
        for t in pending:
            t.stop()
            t.timeout.emit()
        app.processEvents()


def build_window(app, size: tuple[int, int]):
    """A MainWindow (no settings) with the slides' 6x6 example, shown at ``size``."""
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=None)
    window.explorer_actions.open_sample(SAMPLE)
    window.explorer.state.recompute_now()
    window.finish_start_up()
    window.resize(*size)
    window.show()
    window.train_page()
    window.classify_page()
    settle(app)
    return window


def has_presenter(window) -> bool:
    return callable(getattr(window, "set_presenter", None))


def show_view(app, window, view: str) -> None:
    """Show one view of the matrix (presenter off unless ``view`` is 'presenter')."""
    if has_presenter(window):
        window.set_presenter(view == "presenter")
    if view in ("maps", "step", "presenter"):
        window.show_page("explorer")
        if view == "maps":
            window.explorer.show_maps()
        else:
            window.explorer.show_step_by_step()
    else:
        window.show_page(view)
    settle(app)


def view_problems(window, view: str) -> tuple[list[str], list[str]]:
    """(problems in this helper's widgets, problems inside the Maps / Step-by-step views) for the view shown."""
    explorer = window.explorer
    outputs = (explorer.maps_panel, explorer.animation_panel)
    problems = text_problems(window) + overlap_problems(window) + squash_problems(window) + plot_problems(window)
    if view in ("step", "presenter"):
        problems += outside_problems(explorer.animation_panel, window)
    if view == "presenter":                   # the normal view may scroll when room runs out; the presenter's never
        problems += cut_grid_problems(explorer.animation_panel)
    mine, theirs = [], []
    for widget, text in problems:
        inside = any(panel is widget or panel.isAncestorOf(widget) for panel in outputs)
        (theirs if inside else mine).append(text)
    return mine, theirs


def run_matrix(screen: str, size: tuple[int, int], views=VIEWS, scales=SCALES) -> dict[str, dict]:
    """The findings for every view and scale on one window: {"view@scale": {"mine": [...], "theirs": [...]}}."""
    from PySide6.QtWidgets import QApplication

    from cnn_explorer.ui.app import create_application

    app = create_application()
    window = build_window(app, size)
    results: dict[str, dict] = {}
    try:
        with NumberFontProbe() as probe:
            fonts_before: dict[str, dict[str, int]] = {}
            for scale in scales:             # scale outside: a scale change restyles the whole application
                window.scale.set_factor(scale)
                for view in views:
                    if view == "presenter" and not has_presenter(window):
                        continue
                    show_view(app, window, view)
                    mine, theirs = view_problems(window, view)
                    if view in ("step", "presenter"):
                        fonts = probe.measure(step_grids(window.explorer.animation_panel))
                        if view in fonts_before:
                            theirs += font_shrink_problems(fonts_before[view], fonts, scale - 0.25, scale)
                        fonts_before[view] = fonts
                    results[f"{view}@{scale:g}"] = {"mine": mine, "theirs": theirs}
    finally:
        window.scale.reset()
        window.close()
        settle(QApplication.instance())
    return results


if __name__ == "__main__":  # the 4K screen: run under QT_SCALE_FACTOR=2 on a 3840x2160 offscreen screen
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    width, height = (int(v) for v in sys.argv[1].split("x"))
    views = sys.argv[2].split(",") if len(sys.argv) > 2 else VIEWS
    found = run_matrix(sys.argv[1], (width, height), views)
    from PySide6.QtWidgets import QApplication

    found["_device_pixel_ratio"] = QApplication.primaryScreen().devicePixelRatio()
    print(json.dumps(found))
