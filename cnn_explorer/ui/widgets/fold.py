"""Rows that fold: a row of controls that stacks them one under another when its column is too narrow,
and a spin box whose minimum width fits its usual values, not the text of its whole range.

A panel built of these rows is as narrow as its widest single control, so columns at a large
presenter scale (or on a small projector) scroll down instead of pushing into their neighbours.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QStyle,
    QWidget,
)


def least_width(w: QWidget) -> int:
    """The least width a layout gives ``w`` (Qt's qSmartMinSize): its explicit minimum, else its
    minimum size hint, or its size hint when its policy does not let it shrink (Fixed, Minimum)."""
    if w.minimumWidth() > 0:
        return w.minimumWidth()
    policy = w.sizePolicy().horizontalPolicy()
    if policy == QSizePolicy.Policy.Ignored:
        return 0
    hint = w.minimumSizeHint().width()
    if not policy.value & QSizePolicy.PolicyFlag.ShrinkFlag.value:
        hint = max(hint, w.sizeHint().width())
    return min(hint, w.maximumWidth())


def side_by_side_width(widgets, spacing: int) -> int:
    """The width the shown ones of ``widgets`` need side by side, ``spacing`` pixels apart."""
    shown = [w for w in widgets if not w.isHidden()]
    return sum(least_width(w) for w in shown) + max(0, spacing) * max(0, len(shown) - 1)


class FoldRow(QWidget):
    """``widgets`` side by side when they fit the width, one under another when they do not.

    ``stretch``: the widget that takes the spare width in a row (none: a trailing stretch).
    The minimum width is the widest widget's, so the row never asks its column for more.
    """

    def __init__(self, widgets, parent: QWidget | None = None, *, stretch: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widgets = list(widgets)
        self._stretch = stretch
        self._hints: tuple | None = None      # (minimum size hint, size hint) the parent last heard of
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        for w in self._widgets:
            w.setParent(self)
            self._layout.addWidget(w, 1 if w is stretch else 0)
        if stretch is None:
            self._layout.addStretch(1)

    def is_folded(self) -> bool:
        return self._layout.direction() == QBoxLayout.Direction.TopToBottom

    def _shown(self) -> list[QWidget]:
        return [w for w in self._widgets if not w.isHidden()]

    def row_width(self) -> int:
        """The width the widgets need side by side."""
        return side_by_side_width(self._widgets, self._layout.spacing())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        shown = self._shown()
        width = max((least_width(w) for w in shown), default=0)
        return QSize(width, self._layout.minimumSize().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(max(self.row_width(), self.minimumSizeHint().width()), self._layout.sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._fold(event.size().width() < self.row_width())
        super().resizeEvent(event)

    def _fold(self, fold: bool) -> None:
        if fold == self.is_folded():
            return
        self._layout.setDirection(QBoxLayout.Direction.TopToBottom if fold else QBoxLayout.Direction.LeftToRight)
        for w in self._widgets:  # stacked, every control takes the column's width; in a row, their own
            self._layout.setStretchFactor(w, 1 if (w is self._stretch or fold) else 0)
        self.updateGeometry()    # the height changed: the column lays out (and scrolls) again

    def event(self, event) -> bool:  # noqa: D102 - Qt API
        if event.type() == event.Type.LayoutRequest:
            if self.width() > 0:
                self._fold(self.width() < self.row_width())   # a font (presenter scale) changed the widths
            hints = (self.minimumSizeHint(), self.sizeHint())
            if hints != self._hints:
                # a control's new font changed what this row needs: its parent's layout must ask again
                # (Qt tells a layout only about its own widgets, not about their children)
                self._hints = hints
                self.updateGeometry()
        return super().event(event)


class _SpinFit(QObject):
    """Keeps a spin box's minimum width fitted to its sample text when its font changes."""

    def __init__(self, spin: QAbstractSpinBox, sample: str) -> None:
        super().__init__(spin)
        self._spin = spin
        self._sample = sample
        spin.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        spin = self._spin
        spin.setMinimumWidth(0)
        buttons = spin.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, spin)
        need = spin.fontMetrics().horizontalAdvance(self._sample) + buttons + 16
        spin.setMinimumWidth(min(spin.minimumSizeHint().width(), need))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()
        return False


def fit_spin_width(spin: QAbstractSpinBox, sample: str) -> None:
    """Let ``spin`` be as narrow as ``sample`` (its usual longest text, prefix and suffix included) needs,
    instead of the text of its whole range (e.g. 'bias -1000000.000'), at every font size."""
    _SpinFit(spin, sample)


class _CheckLabel(QLabel):
    """The wrapping text of a check box: clicking it clicks the box."""

    def __init__(self, text: str, check: QCheckBox, parent: QWidget) -> None:
        super().__init__(text, parent)
        self._check = check
        self.setWordWrap(True)
        self.setToolTip(check.toolTip())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()) \
                and self._check.isEnabled():
            self._check.click()
        super().mouseReleaseEvent(event)


def wrapping_check(check: QCheckBox, parent: QWidget) -> QWidget:
    """``check`` with its text in a label that wraps onto more lines in a narrow column (a QCheckBox's own
    text never wraps, and is cut). The box keeps its text as its accessible name; the label follows its
    enabled state."""
    text = check.text()
    check.setText("")
    check.setAccessibleName(text)
    holder = QWidget(parent)
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    check.setParent(holder)
    label = _CheckLabel(text, check, holder)
    label.setEnabled(check.isEnabled())
    check.installEventFilter(_EnabledMirror(check, label))
    row.addWidget(check, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(label, 1)
    return holder


class _EnabledMirror(QObject):
    def __init__(self, source: QWidget, target: QWidget) -> None:
        super().__init__(source)
        self._target = target

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.EnabledChange:
            self._target.setEnabled(watched.isEnabled())
        return False


class _WordFit(QObject):
    """Keeps a word-wrapped label at least as wide as its longest word when its font or text changes."""

    def __init__(self, label: QLabel) -> None:
        super().__init__(label)
        self._label = label
        label.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        label = self._label
        fm = label.fontMetrics()
        longest = max((fm.horizontalAdvance(word) for word in label.text().split()), default=0)
        margins = label.contentsMargins()
        label.setMinimumWidth(longest + margins.left() + margins.right() + 2 * label.margin() + 2)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish):
            self.fit()
        return False


def fit_longest_word(label: QLabel) -> None:
    """A word-wrapped ``label`` never gets narrower than its longest word (which would be cut), at any
    font size; call again after ``setText``."""
    existing = label.findChild(_WordFit)
    if existing is not None:
        existing.fit()
    else:
        _WordFit(label)


class _Refitter(QObject):
    """Calls ``fit()`` whenever the watched widget is resized, laid out again or shown."""

    def __init__(self, watched: QWidget) -> None:
        super().__init__(watched)
        watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self.fit()
        return False

    def fit(self) -> None:
        raise NotImplementedError


class _FormStacker(_Refitter):
    """Watches the widget a QFormLayout is on and picks its row wrap policy (see stack_rows_when_narrow)."""

    def __init__(self, form: QFormLayout, owner: QWidget) -> None:
        super().__init__(owner)       # (events reach fit() only from the event loop, after this returns)
        self._form = form
        self._owner = owner

    def fit(self) -> None:
        form, owner = self._form, self._owner
        if owner.width() <= 0:
            return
        label_w = field_w = 0
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is not None and not label.isEmpty():
                label_w = max(label_w, label.sizeHint().width())
            if field is not None and not field.isEmpty():
                field_w = max(field_w, field.minimumSize().width())
        outer = owner.layout()
        m = outer.contentsMargins() if outer is not None and outer is not form else form.contentsMargins()
        room = owner.width() - m.left() - m.right()
        fits = label_w + max(0, form.horizontalSpacing()) + field_w <= room
        policy = QFormLayout.RowWrapPolicy.WrapLongRows if fits else QFormLayout.RowWrapPolicy.WrapAllRows
        if form.rowWrapPolicy() != policy:
            form.setRowWrapPolicy(policy)


def stack_rows_when_narrow(form: QFormLayout, owner: QWidget) -> None:
    """Keep ``form``'s labels beside their fields while every field fits after the widest label, and put
    every label above its field otherwise. (QFormLayout's WrapLongRows measures a row against its own
    label but places each field after the widest one, so a field could get less than its minimum width.)
    ``owner``: the widget the form is laid out in; rows may be added and removed later."""
    _FormStacker(form, owner).fit()



class _BoxStacker(_Refitter):
    """Watches the room a QBoxLayout's widgets have and stacks them when it is too narrow (see stack_when_narrow)."""

    def __init__(self, box: QBoxLayout, room: QWidget, margins: int) -> None:
        super().__init__(room)
        self._box = box
        self._room = room
        self._margins = margins

    def fit(self) -> None:
        box = self._box
        if self._room.width() <= 0:
            return
        widgets = [w for w in (box.itemAt(i).widget() for i in range(box.count())) if w is not None]
        need = side_by_side_width(widgets, box.spacing())
        stack = self._room.width() - self._margins < need
        direction = QBoxLayout.Direction.TopToBottom if stack else QBoxLayout.Direction.LeftToRight
        if box.direction() != direction:
            box.setDirection(direction)


def stack_when_narrow(box: QBoxLayout, room: QWidget, *, margins: int = 0) -> None:
    """Lay ``box``'s widgets side by side while ``room`` (the widget whose width they share, such as a scroll
    area's viewport) has the width they need beside one another, and one under another otherwise, so that a
    scrolling column never cuts its right-hand widget off. ``margins``: the horizontal margins between ``room``
    and ``box``. The box keeps its stretch factors in both directions."""
    _BoxStacker(box, room, margins).fit()
