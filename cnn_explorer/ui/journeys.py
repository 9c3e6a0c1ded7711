"""The start view's journeys: what each one shows, and taking the window there in one step.

A journey is data (:data:`JOURNEYS`); :func:`run_journey` drives the window's
public API (pages, samples, kernels, the step-by-step panel). The lessons journey
opens the first shipped lesson (File ▸ Lessons lists them all); :func:`lessons_available` says
whether there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.core.lessons.library import shipped_lesson_paths

#: the photo and the kernels of "find edges in a photo": horizontal and vertical edges side by side
EDGES_PHOTO = "astronaut"
EDGES_KERNELS = ("sobel-top", "sobel-right")
#: (model preset, dataset) of the two training journeys: both reach high accuracy quickly
TRAIN_XO = ("xo-tiny", "xo")
TRAIN_DIGITS = ("mnist-fast", "mnist-sample")


@dataclass(frozen=True)
class Journey:
    """One start-view card: ``key`` (what :func:`run_journey` takes), its words and its pictogram."""

    key: str
    title: str
    text: str
    pictogram: str


JOURNEYS = (
    Journey("convolution", "Step through a convolution",
            "The slides' 6×6 example: watch the filter slide and multiply, one step at a time.", "convolve"),
    Journey("edges", "Find edges in a photo",
            "A photo with two Sobel filters: one finds horizontal edges, the other vertical ones.", "edges"),
    Journey("xo", "See the X/O features",
            "The 9×9 X with its three features: feature maps, ReLU and pooling, as on the slides.", "xo"),
    Journey("digit", "Draw a digit for the network",
            "Draw a number with the mouse and see what a trained network thinks it is.", "digit"),
    Journey("train-xo", "Train a network",
            "A tiny CNN learns to tell X from O: 100% in a few seconds. Press Train to start.", "train"),
    Journey("train-digits", "Train on handwritten digits",
            "A fast digit network on 5,000 MNIST pictures (about a minute on a laptop).", "digits"),
)
#: shown once lessons exist (see :func:`lessons_available`)
LESSONS_JOURNEY = Journey("lessons", "Follow a lesson",
                          "The slides' worked examples, step by step: PageDown or a clicker turns the page.",
                          "lesson")


def lessons_available(window) -> bool:
    """True when the window can play a lesson and lessons are shipped (then the start view shows the card)."""
    return callable(getattr(window, "lesson_player", None)) and bool(shipped_lesson_paths())


def _lessons(window) -> None:
    paths = shipped_lesson_paths()
    if paths:
        window.lesson_player().open_file(paths[0])


def run_journey(window, key: str) -> None:
    """Take ``window`` (a MainWindow) where journey ``key`` says; unknown keys raise ValueError."""
    actions = _ACTIONS.get(key)
    if actions is None:
        raise ValueError(f"journey: unknown {key!r}; choose one of {', '.join(_ACTIONS)}")
    actions(window)


def _convolution(window) -> None:
    page = window.explorer
    window.explorer_actions.open_sample("000-1")
    page.state.recompute_now()
    window.show_page("explorer")
    page.show_step_by_step()
    panel = page.animation_panel
    panel.set_kernel(0)
    panel.set_stage("conv")
    panel.set_step(0)  # "Step 1 of 16"
    panel.setFocus()
    window.show_message("Step by step: → next step, ← back, Space plays; click a map cell to jump there")


def _edges(window) -> None:
    page, state = window.explorer, window.explorer.state
    state.undo_stack.beginMacro("Find edges in a photo")
    try:
        window.explorer_actions.open_sample(EDGES_PHOTO)
        state.set_kernels([get_preset(k).values.copy() for k in EDGES_KERNELS], list(EDGES_KERNELS),
                          text="Sobel filters")
    finally:
        state.undo_stack.endMacro()
    state.recompute_now()
    window.show_page("explorer")
    page.show_maps()
    window.show_message("Bright lines in the maps are edges: the top Sobel finds horizontal ones, "
                        "the right Sobel vertical ones (Ctrl+Z undoes)")


def _xo(window) -> None:
    page = window.explorer
    window.explorer_actions.open_sample("004")
    page.state.recompute_now()
    window.show_page("explorer")
    page.show_maps()
    window.show_message("Each feature lights up where the X has that stroke; ReLU and pooling keep the strong answers")


def _digit(window) -> None:
    window.show_page("classify")
    page = window.classify_page()
    page.canvas.setFocus()
    window.show_message("Draw a digit with the mouse; the bars show what the network thinks it is")


def _train(window, model: str, dataset: str) -> None:
    # the model code (a tenth of a second) loads with the Train page, not at start-up
    from cnn_explorer.core.model.presets import preset

    page = window.train_page()
    if page.is_training():
        window.show_page("train")
        window.show_message("A network is training: stop it first to start another")
        return
    page.state.set_spec(preset(model), text=f"Preset {model}")
    current = page.data_panel.dataset
    if current is None or current.name != dataset:
        if page.data_panel.is_loading():
            window.show_message(f"Wait for the dataset being loaded, then pick {dataset} under Data")
        else:
            page.load_dataset(dataset)
    window.show_page("train")
    page.train_button.setFocus()
    window.show_message(f"{model} on {dataset}: press Train to start")


_ACTIONS = {
    "convolution": _convolution,
    "edges": _edges,
    "xo": _xo,
    "digit": _digit,
    "train-xo": lambda window: _train(window, *TRAIN_XO),
    "train-digits": lambda window: _train(window, *TRAIN_DIGITS),
    "lessons": _lessons,
}
