"""StartView: the first-launch page with the main journeys, one click (or one key) each.

Shown on first start and from Help ▸ Start here; the window hides it once a
journey is chosen or it is dismissed (Esc, "Go to the Explorer"). Cards reflow
into three, two or one column to fit the window and the presenter scale, and
the whole view scrolls when even one column does not fit.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.ui.journeys import JOURNEYS, LESSONS_JOURNEY, Journey
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.theme import ACCENT, BAR_TRACK, GRID_LINE, MUTED_TEXT
from cnn_explorer.ui.widgets.containers import scroll_area
from cnn_explorer.ui.widgets.pictograms import draw_pictogram

#: card width (pixels at scale 1) below which the grid drops a column
CARD_MIN_WIDTH = 300
CONTENT_MAX_WIDTH = 1120
ARROWS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)


def set_text_style(label: QWidget, pixels: float, factor: float, *, bold: bool = False, muted: bool = False) -> None:
    """Font size (``pixels`` at scale 1), weight and colour through the widget's own style sheet: the
    application's presenter style sheet (``QWidget { font-size }``) would override a plain setFont()."""
    size = scaled(pixels, factor, 8)
    weight = "bold" if bold else "normal"
    colour = f" color: {MUTED_TEXT.name()};" if muted else ""
    label.setStyleSheet(f"font-size: {size}px; font-weight: {weight};{colour}")


class Pictogram(QWidget):
    """A square pictogram (see ``pictograms.PICTOGRAMS``) of ``side`` pixels."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.set_side(64)

    def set_side(self, side: int) -> None:
        self.setFixedSize(side, side)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        draw_pictogram(painter, QRectF(self.rect()), self.name)
        painter.end()


class JourneyCard(QAbstractButton):
    """A large button: pictogram, title, one sentence and its key ("1"). Enter, Space or a click choose it."""

    def __init__(self, journey: Journey, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.journey = journey
        self.number = number
        #: ``navigate(card, arrow_key)``: set by the StartView to walk its grid
        self.navigate = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(journey.title)
        self.setAccessibleDescription(journey.text)
        self.setToolTip(f"{journey.text} (key {number})")
        self.pictogram = Pictogram(journey.pictogram, self)
        self.title = QLabel(journey.title, self)
        self.title.setWordWrap(True)
        self.text = QLabel(journey.text, self)
        self.text.setWordWrap(True)
        self.key_hint = QLabel(f"Press {number}", self)
        words = QVBoxLayout()
        words.setSpacing(4)
        words.addWidget(self.title)
        words.addWidget(self.text)
        words.addStretch(1)
        words.addWidget(self.key_hint)
        layout = QHBoxLayout(self)
        layout.addWidget(self.pictogram, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(words, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.set_scale(1.0)

    def set_scale(self, factor: float) -> None:
        self.pictogram.set_side(scaled(64, factor))
        set_text_style(self.title, 17, factor, bold=True)
        set_text_style(self.text, 13, factor, muted=True)
        set_text_style(self.key_hint, 11, factor, muted=True)
        m = scaled(14, factor)
        self.layout().setContentsMargins(m, m, m, m)
        self.layout().setSpacing(scaled(14, factor))
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.layout().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.layout().minimumSize()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return self.layout().totalHeightForWidth(width)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
        elif event.key() in ARROWS and self.navigate is not None:
            self.navigate(self, event.key())  # before the scroll area would take the arrow to scroll
        else:
            super().keyPressEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        focused, hovered = self.hasFocus(), self.underMouse()
        border = ACCENT if focused or hovered else GRID_LINE
        fill = BAR_TRACK if self.isDown() else self.palette().base().color()
        width = 3.0 if focused else 1.5 if hovered else 1.0
        painter.setPen(QPen(border, width))
        painter.setBrush(fill)
        r = QRectF(self.rect()).adjusted(width / 2, width / 2, -width / 2, -width / 2)
        painter.drawRoundedRect(r, 10, 10)
        painter.end()


class StartView(QWidget):
    """The journeys as cards. ``journey_requested(key)`` on a choice, ``dismissed()`` on Esc or "Go to the Explorer"."""

    journey_requested = Signal(str)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factor = 1.0
        self.heading = QLabel("Welcome to CNN Explorer", self)
        self.heading.setWordWrap(True)
        self.intro = QLabel("See how a convolutional neural network sees. Where would you like to start? "
                            "Every journey is one click, or its number key.", self)
        self.intro.setWordWrap(True)
        self.cards = [JourneyCard(j, i + 1, self) for i, j in enumerate(JOURNEYS)]
        #: the lessons card: hidden until :meth:`set_lessons_available` (see ``journeys.lessons_available``)
        self.lessons_card = JourneyCard(LESSONS_JOURNEY, len(self.cards) + 1, self)
        self.lessons_card.hide()
        self._lessons = False
        for card in (*self.cards, self.lessons_card):
            card.clicked.connect(lambda _checked=False, k=card.journey.key: self.journey_requested.emit(k))
            card.navigate = self._move_focus
        self.skip_button = QPushButton("Go to the Explorer", self)
        self.skip_button.setToolTip("Close this page (Esc); Help ▸ Start here brings it back")
        self.skip_button.clicked.connect(self.dismissed)
        self.footnote = QLabel("Help ▸ Start here brings this page back; Help ▸ Guide explains the app in "
                               "a few pictures, F1 lists the keys.", self)
        self.footnote.setWordWrap(True)

        self.grid = QGridLayout()
        self._columns = 0
        footer = QHBoxLayout()
        footer.addWidget(self.footnote, 1)
        footer.addWidget(self.skip_button, 0, Qt.AlignmentFlag.AlignTop)
        self.content = QWidget(self)
        column = QVBoxLayout(self.content)
        column.addWidget(self.heading)
        column.addWidget(self.intro)
        column.addLayout(self.grid)
        column.addLayout(footer)
        column.addStretch(1)
        self.scroll = scroll_area(self.content, self, horizontal=Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.set_scale(1.0)

    # ------------------------------------------------------------------ public
    def visible_cards(self) -> list[JourneyCard]:
        """The cards shown, in order (the lessons card last, once lessons exist)."""
        return [*self.cards, self.lessons_card] if self._lessons else list(self.cards)

    def card(self, key: str) -> JourneyCard:
        return next(c for c in (*self.cards, self.lessons_card) if c.journey.key == key)

    def columns(self) -> int:
        return self._columns

    def set_lessons_available(self, available: bool) -> None:
        """Show the lessons card (the hook for the lessons page) or hide it."""
        self._lessons = bool(available)
        self._columns = 0
        self._reflow()

    def set_scale(self, factor: float) -> None:
        """Presenter scale: fonts, pictograms and margins grow; the grid reflows to fewer columns if needed."""
        self._factor = factor
        set_text_style(self.heading, 28, factor, bold=True)
        set_text_style(self.intro, 15, factor, muted=True)
        set_text_style(self.footnote, 13, factor, muted=True)
        set_text_style(self.skip_button, 14, factor)
        for card in (*self.cards, self.lessons_card):
            card.set_scale(factor)
        self._margin = scaled(24, factor)
        self.content.layout().setSpacing(scaled(14, factor))
        self.grid.setSpacing(scaled(14, factor))
        self._columns = 0
        self._reflow()

    def focus_first_card(self) -> None:
        self.cards[0].setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        """Three, two or one column of cards, whichever keeps each card at least CARD_MIN_WIDTH (scaled) wide."""
        width = min(self.width(), scaled(CONTENT_MAX_WIDTH, self._factor))
        m = self._margin
        room = width - 2 * m - self.scroll.verticalScrollBar().sizeHint().width()
        cards = self.visible_cards()
        columns = max(1, min(3, len(cards), room // max(1, scaled(CARD_MIN_WIDTH, self._factor))))
        side = max(0, (self.width() - width) // 2)  # centred, at most CONTENT_MAX_WIDTH wide
        self.content.layout().setContentsMargins(side + m, m, side + m, m)
        if columns == self._columns:
            return
        self._columns = columns
        for card in (*self.cards, self.lessons_card):
            self.grid.removeWidget(card)
        for i, card in enumerate(cards):
            self.grid.addWidget(card, i // columns, i % columns)
            card.show()  # a widget the layout moved into the content (a new parent) is hidden until shown
        self.lessons_card.setVisible(self._lessons)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        self._set_tab_order(cards)

    def _set_tab_order(self, cards: list[JourneyCard]) -> None:
        for a, b in zip(cards, [*cards[1:], self.skip_button]):
            QWidget.setTabOrder(a, b)

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key = event.key()
        cards = self.visible_cards()
        if key == Qt.Key.Key_Escape:
            self.dismissed.emit()
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and key - Qt.Key.Key_1 < len(cards):
            cards[key - Qt.Key.Key_1].click()
        else:
            super().keyPressEvent(event)

    def _move_focus(self, card: JourneyCard, key) -> None:
        """Arrow keys walk the card grid (stopping at its edges)."""
        cards = self.visible_cards()
        current = cards.index(card)
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -self._columns,
                Qt.Key.Key_Down: self._columns}[key]
        target = current + step
        if 0 <= target < len(cards):
            cards[target].setFocus(Qt.FocusReason.TabFocusReason)
            self.scroll.ensureWidgetVisible(cards[target])
