"""The Train page's code view: Keras 3 and PyTorch code, and a line that says plainly how to run it and
where the Keras code differs from one Keras layer a layer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cnn_explorer.core.model.spec import (
    Conv2D,
    Dense,
    Flatten,
    MaxPool,
    ModelSpec,
    SpecError,
)
from cnn_explorer.ui.train.code_view import CodeView


def _click_tab(qtbot, view: CodeView, index: int) -> None:
    bar = view.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert view.tabs.currentIndex() == index


def test_the_keras_tab_says_plainly_what_keras_cannot_build_directly(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    spec = ModelSpec((Conv2D(3, 3, stride=2, dilation=2, activation="tanh"), MaxPool(3, 2, 1), Flatten(), Dense(2)),
                     (15, 15, 1), ("a", "b"))
    view.show_spec(spec)
    assert view.note_text() == "Runs as is: copy it into a .py file."
    _click_tab(qtbot, view, 1)
    note = view.note_text()
    assert note.startswith("Runs as is with Keras 3 (pip install keras) on TensorFlow, JAX or PyTorch")
    assert "Layer 1 (Conv2D): Keras' Conv2D cannot combine a stride with a dilation" in note
    assert "Layer 2 (MaxPool): pads with -inf as PyTorch does" in note
    assert "import keras\nfrom keras import layers\n" in view.text()
    _click_tab(qtbot, view, 0)
    assert view.note_text() == "Runs as is: copy it into a .py file." and "import torch" in view.text()


def test_an_invalid_spec_shows_why_on_both_tabs(qtbot):
    view = CodeView()
    qtbot.addWidget(view)
    spec = ModelSpec((Dense(2),), (2, 2, 1), ("a", "b"))
    view.show_spec(spec, SpecError("layer 1 (Dense): needs a flat input"))
    for index in (0, 1):
        view.tabs.setCurrentIndex(index)
        assert "cannot be built yet" in view.text() and view.note_text() == "Fix the red layer to see the code."
