"""pyqtgraph, imported on first use with the app's options."""

from __future__ import annotations

import os


def configure_pyqtgraph():
    """Import pyqtgraph with our options (row-major images) and return the module.

    Importing pyqtgraph takes about half a second, so it is not done at start-up:
    the views that draw with it import it through here, after the window's first paint.
    """
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph

    pyqtgraph.setConfigOptions(imageAxisOrder="row-major")
    return pyqtgraph
