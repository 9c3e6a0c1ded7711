"""What ``cnn-explorer animate`` and ``worksheet`` need from the window's code: drawing, without a window.

``cli.py`` hands this module to those commands (commands never import the ui package). A Qt
application is made on first use, offscreen when there is no display, so the commands run
on a server or in CI.
"""

from __future__ import annotations

import os
import sys

from cnn_explorer.ui.export.animation_export import animation_job
from cnn_explorer.ui.export.animation_frames import AnimationOptions
from cnn_explorer.ui.export.progress import run_to_end
from cnn_explorer.ui.export.worksheet_pdf import worksheet_job


def ensure_application() -> None:
    """A Qt application for fonts and painting (offscreen unless a platform was chosen)."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QApplication(sys.argv[:1])


def animation(result, options: dict, kernel_names, path) -> str:
    """Write the animation; returns what was written ("Exported 16 frames to …")."""
    ensure_application()
    return run_to_end(animation_job(result, AnimationOptions(**options), path, kernel_names)).text


def worksheet(sheet, path, paper: str) -> str:
    """Write the worksheet PDF; returns what was written."""
    ensure_application()
    return run_to_end(worksheet_job(sheet, path, paper)).text
