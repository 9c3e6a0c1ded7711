"""A CNN described as data: layers, input shape (H, W, C) and class names, stored as JSON.

This module is the public face of the model-spec family: the layer classes
(``layers``), shape inference and validation (``shapes``) and "same" padding
(``cnn_explorer.core.conv.sizes``) are re-exported here; presets live in ``presets``. A spec is a frozen value; change
it with ``dataclasses.replace`` or :meth:`ModelSpec.with_io`.

JSON form::

    {"format": "cnn-explorer-model-spec", "version": 1, "name": "xo-tiny", "description": "...",
     "input_shape": [9, 9, 1], "class_names": ["X", "O"],
     "layers": [{"type": "conv2d", "filters": 3, "kernel": [3, 3], ...}, {"type": "relu"}, ...]}

Layer fields left out take their defaults; unknown keys, types or values raise
:class:`SpecError` naming the layer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence, Union

from cnn_explorer.core.conv.sizes import same_padding
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write
from cnn_explorer.core.io.files import MAX_TEXT_BYTES, read_user_file
from cnn_explorer.core.io.json_files import InvalidJson, parse_json
from cnn_explorer.core.io.limits import MAX_CLASSES
from cnn_explorer.core.model.layers import (
    ACTIVATION_KINDS,
    ACTIVATIONS,
    LAYER_TYPES,
    Activation,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    Layer,
    MaxPool,
    Softmax,
    SpecError,
    layer_from_dict,
    layer_to_dict,
)
from cnn_explorer.core.model.shapes import (
    LayerRow,
    format_table,
    shape_table,
    shape_text,
    total_params,
    totals,
    validate,
)

__all__ = [
    "ACTIVATIONS", "ACTIVATION_KINDS", "LAYER_TYPES", "FORMAT", "VERSION",
    "Activation", "AvgPool", "BatchNorm", "Conv2D", "Dense", "Dropout", "Flatten", "GlobalAvgPool",
    "GlobalMaxPool", "Layer", "MaxPool", "Softmax", "SpecError", "LayerRow", "ModelSpec",
    "format_table", "same_padding", "shape_table", "shape_text", "total_params", "totals", "validate",
    "load_spec", "save_spec", "class_names_from",
]

FORMAT = "cnn-explorer-model-spec"
VERSION = 1

#: "recipe" (how to train it, core/model/recipes.py) is read by the trainer, not by the spec
_TOP_KEYS = ("format", "version", "name", "description", "input_shape", "class_names", "layers", "recipe")


def class_names_from(value: Union[int, Sequence[str]]) -> tuple[str, ...]:
    """Class names from a count (names "0".."n-1") or a sequence of names."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 2:
            raise SpecError(f"class_names: need at least 2 classes, got {value}")
        if value > MAX_CLASSES:
            raise SpecError(f"class_names: {value:,} classes is too many (at most {MAX_CLASSES:,})")
        return tuple(str(i) for i in range(value))
    if isinstance(value, str):
        raise SpecError(f"class_names: must be a list of names or a number of classes, got {value!r}")
    names = tuple(value)
    if len(names) > MAX_CLASSES:
        raise SpecError(f"class_names: {len(names):,} classes is too many (at most {MAX_CLASSES:,})")
    return names


@dataclass(frozen=True)
class ModelSpec:
    """A model: ``layers`` applied in order to an (H, W, C) input, one output per class name.

    Built models output logits; softmax (a last Softmax layer or a last Dense
    activation) is applied by the loss while training and explicitly at inference.
    """

    layers: tuple[Layer, ...]
    input_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    name: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        for key in ("layers", "input_shape", "class_names"):
            value = getattr(self, key)
            if isinstance(value, list):
                object.__setattr__(self, key, tuple(value))

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    # -------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, with "format" and "version" keys."""
        return {"format": FORMAT, "version": VERSION, "name": self.name, "description": self.description,
                "input_shape": list(self.input_shape), "class_names": list(self.class_names),
                "layers": [layer_to_dict(layer) for layer in self.layers]}

    def to_json(self) -> str:
        """Pretty JSON text (one layer a line)."""
        d = self.to_dict()
        layers = ",\n".join("    " + json.dumps(layer, ensure_ascii=False) for layer in d.pop("layers"))
        head = "".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in d.items())
        return f"{{\n{head}  \"layers\": [\n{layers}\n  ]\n}}\n"

    @classmethod
    def from_dict(cls, data: Any) -> "ModelSpec":
        """Parse the JSON form; checks keys and value types, not validity (call :func:`validate`)."""
        if not isinstance(data, dict):
            raise SpecError(f"model spec: must be a JSON object, got {type(data).__name__}")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise SpecError(f"format: not a CNN Explorer model spec ({fmt!r}; expected {FORMAT!r})")
        version = data.get("version", VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SpecError(f"version: must be a positive integer, got {version!r}")
        if version > VERSION:
            raise SpecError(f"version: {version} is newer than this CNN Explorer reads ({VERSION}); update it")
        for key in data:
            if key not in _TOP_KEYS:
                raise SpecError(f"model spec: unknown key {key!r} (allowed: {', '.join(_TOP_KEYS)})")
        for key in ("input_shape", "class_names", "layers"):
            if key not in data:
                raise SpecError(f"model spec: missing {key!r}")
        shape = data["input_shape"]
        if not (isinstance(shape, list) and len(shape) == 3
                and all(isinstance(v, int) and not isinstance(v, bool) for v in shape)):
            raise SpecError(f"input_shape: must be a list of three integers [height, width, channels], got {shape!r}")
        names = data["class_names"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError(f"class_names: must be a list of strings, got {names!r:.80}")
        if len(names) > MAX_CLASSES:
            raise SpecError(f"class_names: {len(names):,} classes is too many (at most {MAX_CLASSES:,})")
        layers = data["layers"]
        if not isinstance(layers, list):
            raise SpecError(f"layers: must be a list, got {type(layers).__name__}")
        for key in ("name", "description"):
            if not isinstance(data.get(key, ""), str):
                raise SpecError(f"{key}: must be a string, got {data[key]!r}")
        return cls(layers=tuple(layer_from_dict(item, i) for i, item in enumerate(layers)),
                   input_shape=tuple(shape), class_names=tuple(names),
                   name=data.get("name", ""), description=data.get("description", ""))

    @classmethod
    def from_json(cls, text: str) -> "ModelSpec":
        """Parse JSON text (see :meth:`from_dict`)."""
        try:
            data = parse_json(text, "model spec")
        except InvalidJson as exc:
            raise SpecError(f"model spec: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        except CnnExplorerError as exc:
            raise SpecError(str(exc)) from None
        return cls.from_dict(data)

    # -------------------------------------------------------------- adapting
    def with_io(self, input_shape: Sequence[int] | None = None,
                class_names: Union[int, Sequence[str], None] = None) -> "ModelSpec":
        """The same model for another input shape and/or classes.

        The output layer follows the classes: the last Dense gets one unit a class (or,
        in a model ending in Conv2D + global pooling, the last Conv2D one filter a class).
        The result is not validated: a map may now shrink below 1x1 (``validate`` says where).
        """
        shape = self.input_shape if input_shape is None else tuple(input_shape)
        names = self.class_names if class_names is None else class_names_from(class_names)
        layers = list(self.layers)
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            if isinstance(layer, Dense):
                layers[i] = replace(layer, units=len(names))
                break
            if isinstance(layer, Conv2D):
                layers[i] = replace(layer, filters=len(names))
                break
        return replace(self, layers=tuple(layers), input_shape=shape, class_names=names)


def load_spec(path: Union[str, Path], *, check: bool = True) -> ModelSpec:
    """Read a spec JSON file; validated unless ``check`` is False. Errors name the file."""
    path = Path(path)
    if not os.path.lexists(path):
        raise CnnExplorerError(f"spec file: not found: {path}")
    try:
        text = read_user_file(path, "spec file", allow_empty=True, limit=MAX_TEXT_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnnExplorerError(f"spec file {path}: not a UTF-8 text (JSON) file") from None
    try:
        spec = ModelSpec.from_json(text)
        if check:
            validate(spec)
    except SpecError as exc:
        raise SpecError(f"{path.name}: {exc}", exc.layer_index) from None
    return spec


def save_spec(spec: ModelSpec, path: Union[str, Path]) -> None:
    """Write a spec as JSON (atomically: a temporary file, then a rename)."""
    text = spec.to_json()
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
