"""The Train page's Save… and Load…: a trained model as safetensors + JSON, and back.

Saving writes both files completely before either replaces a model already
at the path (core ``save_model``); loading adopts the model only once it was
read whole, so a failed load leaves the page's model, spec and curves as they
were and says why. The dialogs open in the per-user models folder, then in
the folder last used (ui/model_folder.py).
"""

from __future__ import annotations

from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train import checkpoints
from cnn_explorer.ui import model_folder
from cnn_explorer.ui.file_checks import check_model_path


def save_model(page, path) -> Path:
    """Save the page's current model at ``path`` (either file's name, or the stem); returns the JSON path."""
    t = page.controller.trained
    if t is None:
        raise CnnExplorerError("save: there is no trained model yet")
    text = str(path)
    for suffix in (".json", ".safetensors"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return checkpoints.save_model(text, t.model, t.spec, class_names=t.class_names, mean=t.mean, std=t.std,
                                  history=t.history, temperature=t.temperature)


def load_model(page, path) -> None:
    """Load a saved model (refusing pickles) and make it the page's; raises (nothing changed) when it cannot."""
    try:
        loaded = checkpoints.load_model(check_model_path(path))  # a FIFO is refused without opening it
    except CnnExplorerError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file must never leave the page half changed
        raise CnnExplorerError(f"{path}: not a model this program can load ({exc.__class__.__name__}: {exc})") \
            from None
    page.controller.adopt(loaded)
    page.state.set_spec(loaded.spec, "Load model")
    page.results.clear()
    page.results.accuracy_label.setText(f"Loaded {Path(str(path)).name}: {len(loaded.history)} epochs of history. "
                                        "Train more epochs continues it on data of the same shape.")
    curves = page.live.curves
    curves.clear()
    curves.set_epochs(max(1, len(loaded.history)))
    for h in loaded.history:
        curves.add_epoch(h.epoch, h.train_loss, h.train_accuracy, h.val_loss, h.val_accuracy)
    curves.redraw()


def save_clicked(page) -> Path | None:
    """Ask where, and save; the run message says what was written or why not."""
    path = model_folder.ask_save_path(page, page.settings)
    if not path:
        return None
    try:
        saved = save_model(page, path)
    except (CnnExplorerError, OSError) as exc:
        page.run_message.show_error(f"save: {' '.join(str(exc).split())}")
        return None
    model_folder.remember(page.settings, saved)
    page.run_message.show_info(f"Saved {saved} and its .safetensors weights")
    return saved


def load_clicked(page) -> bool:
    """Ask which model, and load it; True when it was loaded."""
    path = model_folder.ask_open_path(page, page.settings)
    if not path:
        return False
    try:
        page.load_model(path)
    except (CnnExplorerError, OSError) as exc:
        page.run_message.show_error(f"load: {' '.join(str(exc).split())} (the current model is kept)")
        return False
    model_folder.remember(page.settings, path)
    page.run_message.show_info(f"Loaded {path}")
    return True
