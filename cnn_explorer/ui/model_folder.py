"""Where the Save and Load model dialogs open: a per-user models folder, then the folder last used.

The first time, the dialogs open in ``<Documents>/CNN Explorer/models``
(QStandardPaths' documents location, created when a dialog first needs it),
never in the program's working folder; after that, in the folder a model was
last saved to or loaded from (QSettings ``models/last_dir``, shared by the
Train and Classify pages).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

SETTINGS_KEY = "models/last_dir"
APP_FOLDER = "CNN Explorer"
#: the dialogs' file filters
SAVE_FILTER = "CNN Explorer model (*.json)"
OPEN_FILTER = "Models (*.json *.safetensors *.pt *.pth);;All files (*)"


def documents_dir() -> Path:
    """The user's documents folder (the home folder where the platform has none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def default_models_dir() -> Path:
    return documents_dir() / APP_FOLDER / "models"


def start_dir(settings: QSettings | None) -> str:
    """The folder a model dialog opens in: the last one used while it still exists, else the models folder
    (created now; when it cannot be, the documents folder)."""
    last = str(settings.value(SETTINGS_KEY, "", str)) if settings is not None else ""
    if last and os.path.isdir(last):
        return last
    folder = default_models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return str(documents_dir())
    return str(folder)


def remember(settings: QSettings | None, path: str | Path) -> None:
    """Remember the folder of ``path`` (a model just saved or loaded) for the next dialog."""
    if settings is not None:
        settings.setValue(SETTINGS_KEY, str(Path(path).expanduser().resolve().parent))


def ask_save_path(parent: QWidget, settings: QSettings | None, name: str = "model.json") -> str:
    """The Save model dialog; "" when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save the model", str(Path(start_dir(settings)) / name),
                                          SAVE_FILTER)
    return path


def ask_open_path(parent: QWidget, settings: QSettings | None) -> str:
    """The Load model dialog; "" when cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, "Load a model", start_dir(settings), OPEN_FILTER)
    return path
