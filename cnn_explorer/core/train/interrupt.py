"""Cancelling a training step from inside it: hooks that stop a forward or backward pass between layers.

A step of a large batch takes long (a second or more at batch size 256 on a
laptop CPU), so checking the cancel event only between steps keeps Stop
waiting that long. :class:`StepInterrupt` hooks every layer of the model (a
forward pre-hook on each module, a gradient hook on each trainable
parameter) and, only while :meth:`StepInterrupt.armed`, raises
:class:`StepCancelled` from the next layer once the event is set. The hooks
change no number: an uncancelled run trains exactly as without them. An
interrupted step is abandoned before ``optimizer.step()``, so the weights
stay those of the last whole step (BatchNorm running statistics of the
layers already run may hold that one partial batch).
Torch is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import threading

from cnn_explorer.core.train.evaluation import Cancelled


class StepCancelled(Cancelled):
    """The cancel event was set during a forward or backward pass (raised by a hook, caught by the engine)."""


class StepInterrupt:
    """Hooks on ``model`` that raise StepCancelled while armed and ``cancel`` is set; :meth:`remove` takes them off."""

    def __init__(self, model, cancel: threading.Event) -> None:
        self._cancel = cancel
        self._armed_in: int | None = None  # the thread that armed the hooks: other threads pass through
        self._handles = []
        for module in model.modules():
            self._handles.append(module.register_forward_pre_hook(self._on_forward))
        for param in model.parameters():
            if param.requires_grad:
                self._handles.append(param.register_hook(self._on_gradient))

    def _check(self) -> None:
        if self._armed_in is not None and self._cancel.is_set() and threading.get_ident() == self._armed_in:
            raise StepCancelled()

    def _on_forward(self, _module, _inputs) -> None:
        self._check()

    def _on_gradient(self, _grad) -> None:
        # autograd may run this on its own thread (a GPU's); the event alone decides there
        if self._armed_in is not None and self._cancel.is_set():
            raise StepCancelled()

    @contextlib.contextmanager
    def armed(self):
        """Within this block the next layer to run raises StepCancelled once the event is set."""
        self._armed_in = threading.get_ident()
        try:
            yield
        finally:
            self._armed_in = None

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
