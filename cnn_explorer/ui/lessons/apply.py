"""Putting a lesson step's state on the window, and reading the window's view back as a step (the explorer's,
or the demo shown on the Demos page as ``@demo NAME key=value …``).

Only the explorer's public API is used (``ExplorerState`` setters, the page's tabs, the
animation panel's stage, kernel and cell). The input, kernels and settings change as one
undo step ("Lesson step 4: …"), and only the parts that differ: Ctrl+Z returns to what
the user had.
"""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.datasets import dataset_source
from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.core.lessons.library import step_block
from cnn_explorer.core.lessons.state import LessonStep
from cnn_explorer.ui.demos.params import demo_step_block
from cnn_explorer.ui.explorer.state import ImageOrigin

#: origin kinds the explorer's caption knows; a lesson grid is shown as a "grid"
_KINDS = ("slide", "synthetic", "photo", "grid")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)


def apply_step(window, step: LessonStep) -> None:
    """Show ``step`` in ``window`` (a MainWindow): its page, input, kernels, settings, tab and animation cell."""
    st = step.state
    if st.demo is not None:
        window.show_demo(st.demo.name, st.demo.as_dict(), list_shown=False)   # the lesson bar is the way on
        return
    if st.page != "explorer":
        window.show_page(st.page)
        if st.page == "train" and st.dataset is not None:
            _load_dataset(window, st.dataset)
        return
    window.show_page("explorer")
    page = window.explorer
    state = page.state
    new_image = st.image is not None and not (_same(st.image, state.image)
                                              and state.image_source == st.image_name)
    new_kernels = (len(st.kernels) != len(state.kernels)
                   or not all(_same(a, b) for a, b in zip(st.kernels, state.kernels))
                   or tuple(st.kernel_names) != tuple(state.kernel_names))
    new_settings = (st.conv, st.activation, st.pool) != (state.conv, state.activation, state.pool)
    if new_image or new_kernels or new_settings:
        state.undo_stack.beginMacro(f"Lesson step {step.index + 1}: {step.title}")
        try:
            if new_image:
                kind = st.image_kind if st.image_kind in _KINDS else "grid"
                state.set_image(st.image, source=st.image_name, origin=ImageOrigin(kind, st.image_name))
            if new_kernels:
                state.set_kernels(list(st.kernels), list(st.kernel_names))
            if new_settings:
                state.set_settings(st.conv, st.activation, st.pool)
        finally:
            state.undo_stack.endMacro()
    # A view behind a tab keeps the newest result and shows it once its tab comes up. So the maps get the
    # new result before their tab shows (else they are built for the old result, then again for this one),
    # and they go behind the step-by-step tab before it comes (else they are built for nothing).
    if st.view == "maps":
        state.recompute_now()
        page.show_maps()
    else:
        page.show_step_by_step()
        state.recompute_now()
    _place_animation(page.animation_panel, st, state.result)


def _load_dataset(window, ref) -> None:
    """The Train page loads the step's dataset, unless it holds (or is loading) it, or a run is training."""
    page = window.train_page()
    if page.is_training():
        window.show_message(f"Lesson: the dataset stays while the model trains (stop it to load {ref.name})")
        return
    try:
        source = dataset_source(ref)
    except CnnExplorerError as exc:
        window.show_message(f"Lesson: {exc}")
        return
    panel = page.data_panel
    current = panel.loading_name() or (getattr(panel, "source", "") if panel.dataset is not None else "")
    if current != source:
        page.load_dataset(source)


def _place_animation(panel, st, result) -> None:
    panel.stop()
    panel.set_kernel(st.kernel_index)
    panel.set_stage(st.stage)
    target = st.question.target if st.question else st.highlight.target if st.highlight else None
    if target is not None:
        panel.jump_to(target.i, target.j)
        if st.question is not None and panel.step > 0:
            panel.player.step_back()       # the asked cell is not filled in yet
        return
    if st.position < 0:
        panel.player.end()
        return
    if result is None:
        return
    maps = result.pooled.values if st.stage == "pool" and result.pooled is not None else result.feature
    width = max(1, np.asarray(maps).shape[-1])
    i, j = divmod(st.position, width)
    panel.jump_to(i, j)


def show_answer_cell(window, step: LessonStep) -> None:
    """After a right answer (or Show the answer): the animation fills in the asked cell."""
    question = step.state.question
    if question is not None and window.explorer.state.result is not None:
        window.explorer.animation_panel.jump_to(question.target.i, question.target.j)


def showing_demo(window) -> str:
    """The demo shown when the Demos page is in front ("" otherwise)."""
    if window.page_names()[window.pages.currentIndex()] != "demos":
        return ""
    return window.demos_page().current_demo()


def view_name(window) -> str:
    """What the view shows, for a new step's title: the demo's title, or the explorer's input."""
    demo = showing_demo(window)
    if demo:
        return demo_info(demo).title.split(":")[0]
    return window.explorer.state.image_origin.name or "the current input"


def view_as_step(window, title: str, text: str) -> str:
    """The current view as a lesson step block: on the Demos page ``@demo NAME key=value …`` with the demo's
    parameters as shown; otherwise the explorer's view (input, kernels, settings, stage, cell, tab)."""
    demo = showing_demo(window)
    if demo:
        return demo_step_block(title, text, demo, window.demos_page().demo_widget(demo).params())
    page = window.explorer
    state = page.state
    origin = state.image_origin
    sample = origin.name if origin.kind in ("slide", "synthetic", "photo") else ""
    panel = page.animation_panel
    return step_block(title, text, image=state.image, sample=sample, kernels=state.kernels,
                      names=state.kernel_names, conv=state.conv, activation=state.activation, pool=state.pool,
                      stage=panel.stage, position=panel.step,
                      view="step" if page.showing_step_by_step() else "maps")
