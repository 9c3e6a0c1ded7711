"""SpecState: the model spec being edited on the training page, with undo/redo and its validation.

Every edit replaces the frozen ``ModelSpec`` through a QUndoCommand; quick
successive edits of the same field of the same layer merge into one undo step.
``spec_changed(spec)`` follows every change; ``error`` is the engine's
``SpecError`` for the current spec (None when it can be built and trained).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.spec import ModelSpec, SpecError, validate

_MERGE_ID = 5151


class _SpecEdit(QUndoCommand):
    def __init__(self, state: "SpecState", before: ModelSpec, after: ModelSpec, text: str, merge_key=None) -> None:
        super().__init__(text)
        self._state, self.before, self.after, self.merge_key = state, before, after, merge_key

    def id(self) -> int:  # noqa: A003 - Qt API
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other) -> bool:  # noqa: N802 - Qt API
        if not isinstance(other, _SpecEdit) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._state._apply(self.after)

    def undo(self) -> None:
        self._state._apply(self.before)


class SpecState(QObject):
    """The edited spec; change it with the methods below (each is one undo step)."""

    spec_changed = Signal(object)

    def __init__(self, spec: ModelSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.spec = spec if spec is not None else preset("xo-tiny")
        self.error: SpecError | None = None
        self._check()

    # ------------------------------------------------------------------ edits
    def set_spec(self, spec: ModelSpec, text: str = "Change model") -> None:
        if spec != self.spec:
            self.undo_stack.push(_SpecEdit(self, self.spec, spec, text))

    def set_layer(self, index: int, layer, field_name: str = "") -> None:
        layers = list(self.spec.layers)
        if layers[index] == layer:
            return
        layers[index] = layer
        key = (index, field_name) if field_name else None
        self.undo_stack.push(_SpecEdit(self, self.spec, replace(self.spec, layers=tuple(layers)),
                                       f"Edit layer {index + 1} {field_name}".strip(), key))

    def insert_layer(self, index: int, layer) -> None:
        layers = list(self.spec.layers)
        layers.insert(index, layer)
        self.set_spec(replace(self.spec, layers=tuple(layers)), f"Add {layer.display}")

    def remove_layer(self, index: int) -> None:
        layers = list(self.spec.layers)
        removed = layers.pop(index)
        self.set_spec(replace(self.spec, layers=tuple(layers)), f"Remove {removed.display}")

    def move_layer(self, source: int, target: int) -> None:
        layers = list(self.spec.layers)
        if not (0 <= source < len(layers) and 0 <= target < len(layers)) or source == target:
            return
        layer = layers.pop(source)
        layers.insert(target, layer)
        self.set_spec(replace(self.spec, layers=tuple(layers)), f"Move {layer.display}")

    def adapt_to(self, input_shape, class_names) -> None:
        """Follow a dataset: input shape and output size (not an undo step of its own when nothing else changes)."""
        spec = self.spec.with_io(tuple(input_shape), tuple(class_names))
        if spec != self.spec:
            self.undo_stack.push(_SpecEdit(self, self.spec, spec, "Adapt model to the dataset"))

    # ------------------------------------------------------------------ internals
    def _apply(self, spec: ModelSpec) -> None:
        self.spec = spec
        self._check()
        self.spec_changed.emit(spec)

    def _check(self) -> None:
        try:
            validate(self.spec)
            self.error = None
        except SpecError as exc:
            self.error = exc
