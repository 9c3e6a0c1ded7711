"""The Classify page: draw a digit (or load a picture) and see why the network says what it says.

Torch is imported only when the page first needs the model (first shown, or a
model is set), never when the window starts.
"""

from cnn_explorer.ui.classify.page import ClassifyPage

__all__ = ["ClassifyPage"]
