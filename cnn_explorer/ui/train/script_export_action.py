"""The Train page's "Export training script…": the page's model, dataset and settings as a standalone PyTorch script.

The file dialog asks where; ``core.train.script_export`` writes the script (and,
for a built-in set, its data as an .npz beside it) in one atomic write, so a
failure leaves any earlier file as it was. The write is a few milliseconds for a
script and a fraction of a second for the largest built-in set (5,000 digits).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.script_export import export_training_script

SETTINGS_KEY = "train/export_script_dir"


def default_script_name(spec) -> str:
    """``train_<model name>.py``, the name made safe for any file system."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", (spec.name or "model").strip()).strip("-.") or "model"
    return f"train_{stem}.py"


def export_script(parent: QWidget, spec, dataset, dataset_ref, config_of, message, settings=None) -> Path | None:
    """Ask for a file and write the script; ``message`` (an InlineMessage) says what was written or what failed.

    ``config_of()`` gives the TrainConfig (raising CnnExplorerError on a bad field); ``settings``
    remembers the folder. Returns the script's path, or None when cancelled or failed.
    """
    if dataset is None or dataset_ref is None:
        message.show_error("Export training script: load a dataset first (Data tab)")
        return None
    try:
        config = config_of()
    except CnnExplorerError as exc:
        message.show_error(f"Export training script: {exc}")
        return None
    folder = str(settings.value(SETTINGS_KEY, "", str)) if settings is not None else ""
    start = str(Path(folder) / default_script_name(spec)) if folder else default_script_name(spec)
    path, _ = QFileDialog.getSaveFileName(parent, "Export training script", start, "Python script (*.py)")
    if not path:
        return None
    if not path.lower().endswith(".py"):
        path += ".py"
    try:
        written = export_training_script(path, spec, dataset, dataset_ref, config)
    except (CnnExplorerError, OSError) as exc:
        message.show_error(f"Export training script: {' '.join(str(exc).split())}")
        return None
    if settings is not None:
        settings.setValue(SETTINGS_KEY, str(written[0].parent))
    data = f" and its data {written[1].name}" if len(written) > 1 else ""
    message.show_info(f"Wrote {written[0]}{data}. Run it with python {written[0].name}, or on several GPUs "
                      f"with torchrun --nproc_per_node N {written[0].name}; it saves a model this app opens.")
    return written[0]
