"""The maths and data of CNN Explorer: numpy, torch and Pillow only, never Qt.

Torch is imported lazily inside the modules that need it, so importing
``cnn_explorer.core`` stays cheap.
"""

from cnn_explorer.core.errors import CnnExplorerError

__all__ = ["CnnExplorerError"]
