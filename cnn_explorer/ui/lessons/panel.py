"""LessonPanel: the lesson bar above the pages: title, "Step 4 of 18", Back/Next, the step list, the
step's text, and what the step adds (a model table, a slide's erratum, a question).

A view only: :class:`~cnn_explorer.ui.lessons.player.LessonPlayer` drives it with
``show_step`` and listens to its requests.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.lessons.state import Lesson, LessonStep, Question
from cnn_explorer.core.lessons.text import cell, to_html
from cnn_explorer.ui.scale import scaled, scaled_font

#: the body (text, table, question) takes at most this share of the window's height before it scrolls
BODY_SHARE = 0.34
#: ... and this share when the step shows a model's table (the explorer then has little to show)
MODEL_BODY_SHARE = 0.45


class _Body(QScrollArea):
    """The step's text and extras; as tall as they need up to ``BODY_SHARE`` of the window, then it scrolls."""

    def sizeHint(self):  # noqa: N802 - Qt API
        hint = super().sizeHint()
        content = self.widget()
        width = max(self.width() - 2 * self.frameWidth(), 200)
        need = content.layout().totalHeightForWidth(width) if content.layout().hasHeightForWidth() \
            else content.sizeHint().height()
        window = self.window()
        share = MODEL_BODY_SHARE if getattr(self, "wide_content", False) else BODY_SHARE
        cap = int(window.height() * share) if window is not self else need
        hint.setHeight(max(40, min(need + 4, cap)))
        return hint

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        hint.setHeight(min(self.sizeHint().height(), 3 * self.fontMetrics().height()))
        return hint


class LessonPanel(QFrame):
    """The lesson bar. Requests: ``next_requested``, ``back_requested``, ``step_requested(int)`` (0-based),
    ``close_requested``; ``answered(bool)`` after a checked answer (True: right)."""

    next_requested = Signal()
    back_requested = Signal()
    step_requested = Signal(int)
    close_requested = Signal()
    answered = Signal(bool)
    revealed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._scale = 1.0
        self._lesson: Lesson | None = None
        self._step: LessonStep | None = None
        self.lesson_title = QLabel(self)
        self.lesson_title.setTextFormat(Qt.TextFormat.PlainText)
        self.lesson_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.step_list = QComboBox(self)
        self.step_list.setToolTip("Jump to any step of the lesson")
        self.step_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.step_list.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.step_list.setMinimumContentsLength(14)
        self.step_list.activated.connect(self.step_requested)
        self.back_button = self._button("◀ Back", "Previous step (PageUp, ←)", self.back_requested)
        self.position_label = QLabel(self)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = self._button("Next ▶", "Next step (PageDown, →, Space)", self.next_requested)
        self.close_button = self._button("End lesson", "Leave the lesson; the explorer keeps this step's state",
                                         self.close_requested)
        self.text_button = QToolButton(self)
        self.text_button.setCheckable(True)
        self.text_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text_button.toggled.connect(self.set_text_folded)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.text_button)
        header.addWidget(self.lesson_title, 1)
        header.addWidget(self.step_list)
        header.addWidget(self.back_button)
        header.addWidget(self.position_label)
        header.addWidget(self.next_button)
        header.addWidget(self.close_button)

        content = QWidget(self)
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(2)                  # every pixel of the bar is one the explorer below does not get
        self.step_title = QLabel(content)
        self.step_title.setWordWrap(True)
        self.step_title.setTextFormat(Qt.TextFormat.PlainText)
        self.text = QLabel(content)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.erratum = QLabel(content)
        self.erratum.setObjectName("inlineError")
        self.erratum.setWordWrap(True)
        self.model_table = QLabel(content)
        self.model_table.setObjectName("formula")
        self.model_table.setTextFormat(Qt.TextFormat.PlainText)
        self.model_table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_question(content)
        for w in (self.step_title, self.text, self.erratum, self.model_table, self.question_row, self.feedback):
            body.addWidget(w)
        self.body = _Body(self)
        self.body.setWidget(content)
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 2)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.body, 1)
        self.set_scale(1.0)
        self.set_text_folded(False)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.body.updateGeometry()                 # the text wraps differently: ask for the height it needs

    def _button(self, text: str, tip: str, signal) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the clicker keys stay with the lesson
        button.clicked.connect(signal)
        return button

    def _build_question(self, parent: QWidget) -> None:
        self.question_row = QWidget(parent)
        row = QHBoxLayout(self.question_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.question_label = QLabel(self.question_row)
        self.answer_edit = QLineEdit(self.question_row)
        self.answer_edit.setPlaceholderText("your answer")
        self.answer_edit.returnPressed.connect(self.check_answer)
        self.check_button = QPushButton("Check", self.question_row)
        self.check_button.clicked.connect(self.check_answer)
        self.reveal_button = QPushButton("Show the answer", self.question_row)
        self.reveal_button.clicked.connect(self.reveal_answer)
        self.choice_buttons: list[QPushButton] = []
        self._choices = QHBoxLayout()
        row.addWidget(self.question_label)
        row.addWidget(self.answer_edit)
        row.addLayout(self._choices)
        row.addWidget(self.check_button)
        row.addWidget(self.reveal_button)
        row.addStretch(1)
        self.feedback = QLabel(parent)
        self.feedback.setWordWrap(True)
        self.feedback.setObjectName("inlineInfo")

    # --- public API -----------------------------------------------------------------------------
    @property
    def step(self) -> LessonStep | None:
        return self._step

    def text_folded(self) -> bool:
        """True while the step's text is folded away (the bar is one line; the explorer gets the room)."""
        return self.body.isHidden()

    def set_text_folded(self, folded: bool) -> None:
        """Fold the step's text, question and extras away (the header stays), or show them again.

        The choice stays from step to step: a presenter folds the text once to show the grids whole."""
        folded = bool(folded)
        with QSignalBlocker(self.text_button):
            self.text_button.setChecked(folded)
        self.text_button.setArrowType(Qt.ArrowType.DownArrow if folded else Qt.ArrowType.UpArrow)
        self.body.setVisible(not folded)
        self._text_button_tip()
        self.body.updateGeometry()
        self.updateGeometry()

    def toggle_text(self) -> None:
        self.set_text_folded(not self.text_folded())

    def _text_button_tip(self) -> None:
        if not self.text_folded():
            self.text_button.setToolTip("Hide the step's text so the explorer shows more (T)")
            return
        title = f"Step: {self._step.title}\n" if self._step is not None else ""
        self.text_button.setToolTip(f"{title}Show the step's text (T)")

    def set_lesson(self, lesson: Lesson) -> None:
        self._lesson = lesson
        self.lesson_title.setText(lesson.title)
        self.lesson_title.setToolTip(lesson.title)
        with QSignalBlocker(self.step_list):
            self.step_list.clear()
            for s in lesson.steps:
                self.step_list.addItem(f"{s.index + 1}. {s.title}")

    def show_step(self, step: LessonStep) -> None:
        """Show ``step`` of the lesson set by :meth:`set_lesson`: its text, extras and place in the lesson."""
        self._step = step
        count = len(self._lesson.steps) if self._lesson else 1
        self.position_label.setText(f"Step {step.index + 1} of {count}")
        with QSignalBlocker(self.step_list):
            self.step_list.setCurrentIndex(step.index)
        self.back_button.setEnabled(step.index > 0)
        self.next_button.setText("Next ▶" if step.index + 1 < count else "Finish")
        self.step_title.setText(step.title)
        self.text.setText(to_html(step.text))
        st = step.state
        self.erratum.setVisible(st.erratum is not None)
        if st.erratum is not None:
            e = st.erratum
            self.erratum.setText(f"Erratum, {e.target.label()}: the slide shows {cell(e.slide)}, "
                                 f"core computes {cell(e.right)}.")
        self.model_table.setVisible(st.model is not None)
        self.body.wide_content = st.model is not None
        if st.model is not None:
            self.model_table.setText(st.model.text)
        self._show_question(st.question)
        self._text_button_tip()
        self.body.updateGeometry()
        self.body.verticalScrollBar().setValue(0)

    def _show_question(self, question: Question | None) -> None:
        self.question_row.setVisible(question is not None)
        self.feedback.setVisible(False)
        self.feedback.clear()
        for b in self.choice_buttons:
            b.deleteLater()
        self.choice_buttons = []
        if question is None:
            return
        typed = not question.choices
        self.question_label.setText(f"Your answer for {question.target.label()}:" if typed else
                                    f"Choose the value of {question.target.label()}:")
        self.answer_edit.setVisible(typed)
        self.check_button.setVisible(typed)
        self.answer_edit.clear()
        for value in question.choices:
            button = QPushButton(cell(value), self.question_row)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, v=value: self.choose(v))
            self._choices.addWidget(button)
            self.choice_buttons.append(button)
        self.set_scale(self._scale)

    def check_answer(self) -> bool | None:
        """Check the typed answer: right shows the arithmetic, wrong asks again; not a number says so."""
        question = self._step.state.question if self._step else None
        if question is None:
            return None
        verdict = question.check(self.answer_edit.text())
        if verdict is None:
            self._feedback(f"Type a number, such as {cell(round(question.answer) + 1)}.", error=True)
        elif verdict:
            self._feedback(f"Right: {question.arithmetic}")
            self.answered.emit(True)
        else:
            self._feedback("Not quite: look at the highlighted window again, or press Show the answer.", error=True)
            self.answered.emit(False)
        return verdict

    def choose(self, value: float) -> bool:
        """Pick a choice; the answer is checked like a typed one."""
        self.answer_edit.setText(cell(value))
        question = self._step.state.question
        right = bool(question.check(repr(value)))
        if right:
            self._feedback(f"Right: {question.arithmetic}")
        else:
            self._feedback(f"Not {cell(value)}: look at the window again, or press Show the answer.", error=True)
        self.answered.emit(right)
        return right

    def reveal_answer(self) -> None:
        question = self._step.state.question if self._step else None
        if question is not None:
            self._feedback(f"The answer is {cell(question.answer)}: {question.arithmetic}")
            self.revealed.emit()

    def feedback_text(self) -> str:
        return self.feedback.text() if self.feedback.isVisibleTo(self) else ""

    def _feedback(self, text: str, error: bool = False) -> None:
        self.feedback.setObjectName("inlineError" if error else "inlineInfo")
        self.feedback.style().unpolish(self.feedback)
        self.feedback.style().polish(self.feedback)
        self.feedback.setText(text)
        self.feedback.setVisible(True)
        self.body.updateGeometry()

    def plain_text(self) -> str:
        """Everything the panel shows of the step, as plain text (tests and screen readers)."""
        doc = QTextDocument()
        doc.setHtml(self.text.text())
        parts = [self.position_label.text(), self.step_title.text(), doc.toPlainText()]
        for w in (self.erratum, self.model_table, self.feedback):
            if w.isVisibleTo(self) and w.text():
                parts.append(w.text())
        return "\n".join(parts)

    def set_scale(self, f: float) -> None:
        """Presenter scale: the text grows with the numbers of the explorer."""
        self._scale = float(f)
        base = QFont(self.font())
        self.lesson_title.setFont(scaled_font(base, 13, f, 9))
        self.step_title.setFont(scaled_font(base, 17, f, 11, bold=True))
        self.text.setFont(scaled_font(base, 15, f, 10))
        for w in (self.position_label, self.step_list, self.back_button, self.next_button, self.close_button,
                  self.question_label, self.answer_edit, self.check_button, self.reveal_button, self.feedback,
                  self.erratum, *self.choice_buttons):
            w.setFont(scaled_font(base, 14, f, 9))
        table = QFont(self.model_table.font())
        table.setPixelSize(scaled(12, f, 8))
        self.model_table.setFont(table)
        self.answer_edit.setMinimumWidth(scaled(90, f))
        side = scaled(14, f, 10)
        self.text_button.setIconSize(QSize(side, side))
        self.text_button.setMinimumSize(QSize(scaled(24, f, 18), scaled(24, f, 18)))
        self.body.updateGeometry()
