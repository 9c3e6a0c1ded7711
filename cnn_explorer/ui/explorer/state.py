"""ExplorerState: the explorer page's model (image, kernels, settings) and its live result.

Views take the state in their constructor, listen to its signals and write to it
on user input. Every change schedules one recomputation through
``core.pipeline.run_pipeline`` on a zero-delay single-shot timer, so a burst of
edits within one event-loop turn (a mouse stroke, typing) costs one
computation. When it costs WORKER_MIN_WORK multiply-adds or more (a photo), a kernel,
settings or new-image change is computed on ``PipelineWorker``'s thread (the newest request
wins; the window paints and takes keys meanwhile); a stroke, which edits the image
in place, is computed on the GUI thread, and makes every computation still running
on the old pixels void. ``recompute_now`` is always synchronous. A ``CnnExplorerError``
from the core is reported through ``error_occurred`` and the last good result stays shown.

Conventions: images are float64 (H, W) grey or (H, W, 3) RGB, values as loaded
(0..255 for pictures, any range for the slides' grids); kernels are 2-D
(kh, kw) or 3-D (kh, kw, C). A 2-D kernel applied to an RGB image is used on
every channel (a (kh, kw, 3) filter with three equal slices).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.conv.prepared import PreparedImage
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.library import resolve_kernel, validate_kernel
from cnn_explorer.ui.explorer.image_origin import SAMPLE_KINDS, ImageOrigin
from cnn_explorer.ui.explorer.pipeline_worker import PipelineRunner

__all__ = ["ExplorerState", "ImageOrigin", "UNDO_LIMIT", "WORKER_MIN_WORK"]    # ImageOrigin: its home's

#: Undo history kept per page; each entry holds at most one image (strokes only their changed rectangle).
UNDO_LIMIT = 100
#: computations of at least this many multiply-adds (pixels × kernel cells: a 1024×1024 picture and a 3×3
#: kernel, about 5 ms) run off the GUI thread; smaller ones cost less than handing them over
WORKER_MIN_WORK = 1 << 23


def _default_image() -> np.ndarray:
    """A blank 28x28 canvas (MNIST-sized), black background."""
    return np.zeros((28, 28), dtype=np.float64)


def _identity_kernel() -> np.ndarray:
    kernel = np.zeros((3, 3), dtype=np.float64)
    kernel[1, 1] = 1.0
    return kernel


class ExplorerState(QObject):
    """The image, the kernel stack, convolution/activation/pooling settings and the pipeline result.

    Signals: ``image_changed()``, ``kernels_changed()``, ``settings_changed()``,
    ``result_changed(PipelineResult)``, ``error_occurred(str)`` (one-line message;
    the previous result is kept), ``error_cleared()`` (the inputs are valid again) and
    ``reset_requested()``: a sample was chosen (or that choice undone or redone), so views that
    step through the computation start again at step 1 of the convolution, first kernel;
    ``computing_started()``: a photo's computation went to the worker (views may prepare meanwhile).
    """

    image_changed = Signal()
    kernels_changed = Signal()
    settings_changed = Signal()
    result_changed = Signal(object)
    error_occurred = Signal(str)
    error_cleared = Signal()
    reset_requested = Signal()
    computing_started = Signal()        # a photo's computation went to the worker; its result follows

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._image: np.ndarray = _default_image()
        self._image_source = "blank canvas"
        self._origin = ImageOrigin()
        self._kernels: list[np.ndarray] = [_identity_kernel()]
        self._kernel_names: list[str] = ["identity"]
        self._conv = ConvSettings()
        self._activation = "relu"
        self._pool: Any = PoolSettings()
        self._result: Any = None
        self._error: str | None = None
        self._image_revision = 0
        # the image checked and padded once, for every kernel or settings change until it changes
        self._prepared: tuple[int, PreparedImage] | None = None
        # (revision, (r0, r1, c0, c1) or None = everything) of recent image edits, for incremental repaints
        self._edits: list[tuple[int, tuple[int, int, int, int] | None]] = []
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._runner = PipelineRunner(self._computation, self._show, WORKER_MIN_WORK, self)
        self._runner.submitted.connect(self.computing_started)
        self._runner.run_now()

    # ----------------------------------------------------------------- reading
    @property
    def image(self) -> np.ndarray:
        """The current input, (H, W) or (H, W, 3) float64. Do not modify in place except through a stroke."""
        return self._image

    @property
    def image_source(self) -> str:
        """Where the image came from: a file name, a sample name, 'clipboard' or 'blank canvas'."""
        return self._image_source

    @property
    def image_origin(self) -> ImageOrigin:
        """What the image is (a drawing, a slide grid, a photo, an opened file...), for its caption."""
        return self._origin

    @property
    def image_revision(self) -> int:
        """Increases on every image change (lets views skip redundant work)."""
        return self._image_revision

    def changed_since(self, revision: int) -> tuple[int, int, int, int] | None:
        """The rectangle (r0, r1, c0, c1) holding every pixel edited after ``revision``; None if unknown/everything."""
        if revision == self._image_revision:
            return (0, 0, 0, 0)
        rects = [rect for rev, rect in self._edits if rev > revision]
        if len(rects) != self._image_revision - revision or any(r is None for r in rects):
            return None
        return (min(r[0] for r in rects), max(r[1] for r in rects), min(r[2] for r in rects), max(r[3] for r in rects))

    @property
    def is_rgb(self) -> bool:
        return self._image.ndim == 3

    @property
    def kernels(self) -> tuple[np.ndarray, ...]:
        """The kernel stack as the user edited it (each (kh, kw) or (kh, kw, C))."""
        return tuple(self._kernels)

    @property
    def kernel_names(self) -> tuple[str, ...]:
        return tuple(self._kernel_names)

    @property
    def conv(self):
        """The current ``ConvSettings`` (stride, padding, dilation, bias, normalize, flip)."""
        return self._conv

    @property
    def activation(self) -> str:
        return self._activation

    @property
    def pool(self):
        """The current ``PoolSettings``, or None when pooling is off."""
        return self._pool

    @property
    def result(self):
        """The last good ``PipelineResult`` (None before the first successful computation)."""
        return self._result

    @property
    def error(self) -> str | None:
        """The message of the failing computation, or None when the current inputs are valid."""
        return self._error

    def effective_kernels(self) -> np.ndarray:
        """The stack as computed: (K, kh, kw) for a grey image, (K, kh, kw, C) for RGB.

        Raises CnnExplorerError when the kernels of the stack differ in size.
        """
        channels = self._image.shape[2] if self._image.ndim == 3 else 0
        shapes = {k.shape[:2] for k in self._kernels}
        if len(shapes) > 1:
            sizes = ", ".join(f"{n}: {k.shape[0]}x{k.shape[1]}" for n, k in zip(self._kernel_names, self._kernels))
            raise CnnExplorerError(f"kernels: every kernel of a stack must have the same size ({sizes})")
        out = []
        for name, kernel in zip(self._kernel_names, self._kernels):
            if channels and kernel.ndim == 2:
                kernel = np.repeat(kernel[:, :, None], channels, axis=2)
            elif not channels and kernel.ndim == 3:
                raise CnnExplorerError(
                    f"kernel {name}: a {kernel.shape[2]}-channel kernel needs an RGB image; switch the input to RGB"
                )
            elif channels and kernel.ndim == 3 and kernel.shape[2] != channels:
                raise CnnExplorerError(
                    f"kernel {name}: has {kernel.shape[2]} channels but the image has {channels}"
                )
            out.append(kernel)
        return np.stack(out)

    # ----------------------------------------------------------------- writing
    def set_image(self, image: np.ndarray, *, source: str = "", text: str = "Change image", undoable: bool = True,
                  origin: ImageOrigin | None = None) -> None:
        """Replace the image (undoable). ``image``: (H, W) or (H, W, 3), any real dtype.

        ``origin`` says what it is (default: a drawing for ``source="blank canvas"``, the same as now
        without a ``source``, else a plain "image" named ``source``).
        """
        new = _checked_image(image)
        if origin is None:
            origin = (ImageOrigin() if source == "blank canvas" else
                      self._origin if not source else ImageOrigin("image", source))
        after = {"image": (new, source or self._image_source, origin)}
        if undoable:
            self.undo_stack.push(_StateCommand(self, self._parts(after), after, text))
        else:
            self._apply_parts(after)

    def set_color_mode(self, rgb: bool) -> None:
        """Convert the image to RGB (channels repeated) or to grey (ITU-R 601 luma), undoable."""
        if rgb == self.is_rgb:
            return
        if rgb:
            new = np.repeat(self._image[:, :, None], 3, axis=2)
        else:
            new = self._image @ np.array([0.299, 0.587, 0.114])
        self.set_image(new, text="RGB" if rgb else "Greyscale")

    def notify_image_edited(self, rect: tuple[int, int, int, int] | None = None) -> None:
        """The image was modified in place (a stroke): tell the views and recompute.

        ``rect`` = (r0, r1, c0, c1), end-exclusive, bounds the edited pixels (None: anything may have changed).
        """
        self._runner.pixels_edited()
        self._image_changed(rect)
        self.schedule()

    def _image_changed(self, rect: tuple[int, int, int, int] | None = None) -> None:
        self._image_revision += 1
        self._edits.append((self._image_revision, None if rect is None else tuple(int(v) for v in rect)))
        del self._edits[:-64]
        self.image_changed.emit()

    def push_stroke(self, before: np.ndarray, text: str = "Stroke") -> None:
        """Record a finished in-place stroke for undo; ``before`` is the image as it was at the stroke's start."""
        changed = np.any(before != self._image, axis=2) if self._image.ndim == 3 else before != self._image
        if before.shape != self._image.shape or not changed.any():
            return
        rows = np.flatnonzero(changed.any(axis=1))
        cols = np.flatnonzero(changed.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        self.undo_stack.push(
            _PatchCommand(self, (r0, c0), before[r0:r1, c0:c1].copy(), self._image[r0:r1, c0:c1].copy(), text)
        )

    def set_cell(self, row: int, col: int, value: float | Sequence[float], text: str = "Set pixel") -> None:
        """Set one pixel (undoable); ``value`` is a number, or one per channel for RGB."""
        before = self._image[row : row + 1, col : col + 1].copy()
        after = before.copy()
        after[0, 0] = value
        if np.array_equal(before, after):
            return
        self.undo_stack.push(_PatchCommand(self, (row, col), before, after, text))

    def set_kernels(self, kernels: Sequence[np.ndarray], names: Sequence[str] | None = None, *, text: str = "Change kernels") -> None:
        """Replace the whole stack (undoable). Each kernel is validated by ``core.kernels.validate_kernel``."""
        if not len(kernels):
            raise CnnExplorerError("kernels: the stack needs at least one kernel")
        new = [validate_kernel(k) for k in kernels]
        new_names = list(names) if names is not None else [f"kernel {i + 1}" for i in range(len(new))]
        if len(new_names) != len(new):
            raise CnnExplorerError(f"kernels: {len(new)} kernels but {len(new_names)} names")
        after = {"kernels": (new, new_names)}
        self.undo_stack.push(_StateCommand(self, self._parts(after), after, text))

    def set_kernel(self, index: int, kernel: np.ndarray, name: str | None = None, *, text: str = "Edit kernel") -> None:
        """Replace kernel ``index`` of the stack (undoable)."""
        kernels = list(self._kernels)
        names = list(self._kernel_names)
        kernels[index] = kernel
        if name is not None:
            names[index] = name
        if all(np.array_equal(a, b) and a.shape == b.shape for a, b in zip(kernels, self._kernels)) and names == self._kernel_names:
            return
        self.set_kernels(kernels, names, text=text)

    def set_settings(self, conv=None, activation: str | None = None, pool: Any = ..., *, text: str = "Change settings") -> None:
        """Change any of conv settings, activation and pooling (``pool=None`` turns pooling off), undoable."""
        new = (
            self._conv if conv is None else conv,
            self._activation if activation is None else activation,
            self._pool if pool is ... else pool,
        )
        old = (self._conv, self._activation, self._pool)
        if new == old:
            return
        after = {"settings": new}
        self.undo_stack.push(_StateCommand(self, self._parts(after), after, text))

    def apply_sample(self, sample) -> None:
        """Load a ``core.samples.Sample``: its image, kernel(s), normalize/bias/flip and the rest of its
        conv, activation and pooling settings, as one undo step; views start over (``reset_requested``)."""
        if sample.kernels:
            kernels = [resolve_kernel(k) if isinstance(k, str) else np.asarray(k, dtype=np.float64) for k in sample.kernels]
            names = [k if isinstance(k, str) else f"kernel {i + 1}" for i, k in enumerate(sample.kernels)]
        elif sample.kernel is not None:
            spec = sample.kernel
            kernels = [resolve_kernel(spec) if isinstance(spec, str) else np.asarray(spec, dtype=np.float64)]
            names = [spec if isinstance(spec, str) else f"{sample.name} kernel"]
        else:
            kernels, names = list(self._kernels), list(self._kernel_names)
        origin = ImageOrigin(SAMPLE_KINDS.get(getattr(sample, "group", ""), "image"), sample.name)
        after = {
            "image": (_checked_image(sample.image), sample.name, origin),
            "kernels": ([validate_kernel(k) for k in kernels], names),
            "settings": (sample.conv, sample.activation, sample.pool),
        }
        self.undo_stack.push(_StateCommand(self, self._parts(after), after, f"Sample {sample.name}", restart=True))

    def apply_preset(self, preset) -> None:
        """Choose a ``core.kernels.library.KernelPreset``: the stack becomes its one kernel and normalize,
        bias and flip become the preset's own (the other settings stay), as one undo step."""
        conv = dataclasses.replace(self._conv, normalize=preset.normalize, bias=preset.bias, flip=preset.flip)
        after = {
            "kernels": ([validate_kernel(preset.values)], [preset.name]),
            "settings": (conv, self._activation, self._pool),
        }
        self.undo_stack.push(_StateCommand(self, self._parts(after), after, f"Preset {preset.name}"))

    # ----------------------------------------------------------------- computing
    def schedule(self) -> None:
        """Ask for a recomputation in the next event-loop turn (many requests -> one computation)."""
        self._runner.schedule()

    def recompute_now(self) -> None:
        """Compute immediately, on this thread (flushes a pending request; a result the worker is still
        computing is dropped); used by tests, lessons and benchmarks."""
        self._runner.run_now()

    def is_computing(self) -> bool:
        """True while a recomputation is scheduled or runs on the worker (the shown result is older)."""
        return self._runner.is_busy()

    def stop(self) -> None:
        """Cancel pending work (called when the window closes)."""
        self._runner.stop()

    def _computation(self):
        """(multiply-adds, the pipeline over the current inputs, held); raises CnnExplorerError for bad ones."""
        kernels = self.effective_kernels()
        args = (self._image, kernels, self._conv, self._activation, self._pool)
        prepared = self._prepared_image()
        work = self._image.shape[0] * self._image.shape[1] * kernels.size
        return work, lambda: run_pipeline(*args, prepared=prepared)

    def _show(self, result, error: CnnExplorerError | None) -> None:
        """Put an outcome on show: the result, or the error's message (the last good result stays)."""
        if error is not None:
            self._error = " ".join(str(error).split()) or "invalid settings"
            self.error_occurred.emit(self._error)
            return
        had_error = self._error is not None
        self._error = None
        self._result = result
        if had_error:
            self.error_cleared.emit()
        self.result_changed.emit(result)

    def _prepared_image(self) -> PreparedImage:
        if self._prepared is None or self._prepared[0] != self._image_revision \
                or not self._prepared[1].is_for(self._image):
            self._prepared = None                       # a bad image raises below and is not kept
            self._prepared = (self._image_revision, PreparedImage(self._image))
        return self._prepared[1]

    # ----------------------------------------------------------------- used by the undo commands
    def _parts(self, like: dict) -> dict:
        """The current values of the parts named in ``like`` (what an undo restores)."""
        now = {
            "image": lambda: (self._image, self._image_source, self._origin),
            "kernels": lambda: (list(self._kernels), list(self._kernel_names)),
            "settings": lambda: (self._conv, self._activation, self._pool),
        }
        return {key: now[key]() for key in like}

    def _apply_parts(self, parts: dict, restart: bool = False) -> None:
        """Put ``parts`` in place, then tell the views (image, kernels, settings, restart) and recompute once."""
        if "image" in parts:
            self._image, self._image_source, self._origin = parts["image"]
        if "kernels" in parts:
            kernels, names = parts["kernels"]
            self._kernels, self._kernel_names = list(kernels), list(names)
        if "settings" in parts:
            self._conv, self._activation, self._pool = parts["settings"]
        if "image" in parts:
            self._image_changed()
        if "kernels" in parts:
            self.kernels_changed.emit()
        if "settings" in parts:
            self.settings_changed.emit()
        if restart:
            self.reset_requested.emit()
        self.schedule()

    def _apply_patch(self, origin: tuple[int, int], patch: np.ndarray) -> None:
        r, c = origin
        self._image[r : r + patch.shape[0], c : c + patch.shape[1]] = patch
        self.notify_image_edited((r, r + patch.shape[0], c, c + patch.shape[1]))



def _checked_image(image) -> np.ndarray:
    """A float64 copy of an (H, W), (H, W, 1) or (H, W, 3) array; (H, W, 1) becomes (H, W)."""
    new = np.array(image, dtype=np.float64, copy=True)
    if new.ndim not in (2, 3) or new.size == 0 or (new.ndim == 3 and new.shape[2] not in (1, 3)):
        raise CnnExplorerError(f"image: expected an (H, W) or (H, W, 3) array, got shape {new.shape}")
    return new[:, :, 0] if new.ndim == 3 and new.shape[2] == 1 else new


class _StateCommand(QUndoCommand):
    """Parts of the state before and after ("image", "kernels", "settings"; see ``_parts``).

    ``restart``: a sample; views start the animation over on redo and on undo alike.
    """

    def __init__(self, state: ExplorerState, old: dict, new: dict, text: str, restart: bool = False) -> None:
        super().__init__(text)
        self._state, self._old, self._new, self._restart = state, old, new, restart

    def redo(self) -> None:
        self._state._apply_parts(self._new, self._restart)

    def undo(self) -> None:
        self._state._apply_parts(self._old, self._restart)


class _PatchCommand(QUndoCommand):
    """A rectangle of pixels before and after; the first redo re-applies what a stroke already drew (harmless)."""

    def __init__(self, state: ExplorerState, origin, before, after, text: str) -> None:
        super().__init__(text)
        self._state, self._origin, self._before, self._after = state, origin, before, after

    def redo(self) -> None:
        self._state._apply_patch(self._origin, self._after)

    def undo(self) -> None:
        self._state._apply_patch(self._origin, self._before)
