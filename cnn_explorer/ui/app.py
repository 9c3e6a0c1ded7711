"""QApplication set-up and the window's entry point."""

from __future__ import annotations

import sys


def run_app(args) -> int:
    """Open the main window (or render it to ``args.screenshot`` and exit)."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CNN Explorer")
    app.setOrganizationName("CNN Explorer")
    window = QMainWindow()
    window.setWindowTitle("CNN Explorer")
    window.resize(1280, 720)
    if getattr(args, "screenshot", None):
        window.grab().save(args.screenshot)
        return 0
    window.show()
    return app.exec()
