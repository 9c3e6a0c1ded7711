"""The suite's qtbot keeps each widget given to addWidget alive until the teardown closes it: a shown
top-level widget held only by a reference cycle must not be freed by a garbage-collector pass (which
can run inside one of its own paint events) once the test's locals are gone."""

from __future__ import annotations

import gc
import weakref

import shiboken6
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class _CycleWindow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel("cycle", self)
        QVBoxLayout(self).addWidget(self.label)
        self.me = self                               # a reference cycle, like a slot capturing self


def test_an_added_widget_outlives_its_local_until_teardown(qtbot):
    window = _CycleWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    ref = weakref.ref(window)
    del window
    gc.collect()
    assert ref() is not None and shiboken6.isValid(ref()) and ref().isVisible()
    ref().update()
    qtbot.wait(1)                                    # paints it again; nothing was freed under the paint
    assert shiboken6.isValid(ref().label)
