"""Reading one directive's arguments: inputs, kernels, settings, pooling, models and cell targets.

Each reader takes the directive's text and returns core objects, or raises
``CnnExplorerError`` with the reason; ``lessons.resolve`` adds the line.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    PoolSettings,
    activation_name,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.grid_text import parse_number, parse_rows
from cnn_explorer.core.kernels.library import get_preset, parse_kernel_text
from cnn_explorer.core.kernels.samples import SAMPLES, get_sample
from cnn_explorer.core.model.layers import AvgPool as AvgPoolLayer
from cnn_explorer.core.model.layers import (
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool,
)
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.shapes import LayerRow, shape_table
from cnn_explorer.core.model.spec import ModelSpec

_YES = {"yes", "true", "on", "1"}
_NO = {"no", "false", "off", "0"}
_CELL = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*$")


def options(text: str) -> tuple[list[str], dict[str, str]]:
    """Words and ``key=value`` pairs of a directive: "max 2 stride=2 ceil" -> (["max", "2", "ceil"], {"stride": "2"})."""
    words, pairs = [], {}
    for token in text.split():
        key, eq, value = token.partition("=")
        if eq:
            if not value:
                raise CnnExplorerError(f"{key}= needs a value")
            pairs[key.strip().lower().replace("-", "_")] = value.strip()
        else:
            words.append(token)
    return words, pairs


def flag(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CnnExplorerError(f"{name}: use yes or no, got {value!r}")


def whole(text: str, name: str, minimum: int = 1) -> int:
    if not text.strip().isdigit() or int(text) < minimum:
        raise CnnExplorerError(f"{name}: must be a whole number of at least {minimum}, got {text!r}")
    return int(text)


def cell(text: str, name: str = "cell") -> tuple[int, int]:
    """"2,1" -> (2, 1): row and column as the app's grids label them (from 0)."""
    match = _CELL.match(text)
    if not match:
        raise CnnExplorerError(f"{name}: write the row and column as the grids label them (from 0), as in 2,1; "
                               f"got {text!r}")
    return int(match.group(1)), int(match.group(2))


def sample(name: str):
    """The shipped sample ``name`` (CnnExplorerError naming close ones)."""
    if not name.strip():
        raise CnnExplorerError(f"missing sample name; for example 000-1 (one of {len(SAMPLES)})")
    return get_sample(name.strip())


def grid(block: tuple[tuple[int, str], ...]) -> np.ndarray:
    """An input grid from ``@grid`` rows; ``|`` separates channels (R | G | B) within a row."""
    if not block:
        raise CnnExplorerError("@grid has no rows before @end")
    numbers = [n for n, _ in block]
    rows = [text for _, text in block]
    parts = [row.split("|") for row in rows]
    channels = len(parts[0])
    if channels not in (1, 3):
        raise CnnExplorerError(f"grid: {channels} channels; the explorer shows a grey grid (1) or R | G | B (3)")
    if any(len(p) != channels for p in parts):
        bad = next(n for n, p in zip(numbers, parts) if len(p) != channels)
        raise CnnExplorerError(f"row at line {bad}: {channels} channels in the first row, a different count here")
    if channels == 1:
        return parse_rows(rows, "grid", numbers)
    arrays = [parse_rows([p[c] for p in parts], f"grid channel {c + 1}", numbers) for c in range(channels)]
    if any(a.shape != arrays[0].shape for a in arrays):
        raise CnnExplorerError("grid: every channel needs the same number of rows and columns")
    return np.stack(arrays, axis=-1)


def kernel(text: str) -> tuple[np.ndarray, str | None]:
    """(values, preset name or None) from a preset name or inline rows ("1 0 1 / 0 1 0 / 1 0 1")."""
    text = text.strip()
    if not text:
        raise CnnExplorerError("missing kernel: a preset name (sobel-top) or rows (1 0 1 / 0 1 0 / 1 0 1)")
    if not re.search(r"\d", text) or re.fullmatch(r"[a-z][a-z0-9-]*", text.lower()):
        found = get_preset(text)  # names close presets when unknown
        return np.array(found.values, dtype=np.float64), found.name
    return parse_kernel_text(text), None


def kernels(text: str) -> list[tuple[np.ndarray, str | None]]:
    """A stack: kernels separated by ``;`` (names) or ``;;`` when inline rows use ``;`` themselves."""
    parts = [p for p in (text.split(";;") if ";;" in text else text.split(";")) if p.strip()]
    if not parts:
        raise CnnExplorerError("missing kernels: names or rows separated by ;")
    return [kernel(p) for p in parts]


def padding_value(text: str):
    t = text.strip().lower()
    if t in ("valid", "same"):
        return t
    values = [whole(v, "padding", 0) for v in t.split(",")]
    return values[0] if len(values) == 1 else tuple(values)


def settings(text: str, base: ConvSettings) -> ConvSettings:
    """``stride=2 padding=1 padding_mode=zeros dilation=1 bias=0 normalize=no flip=no`` over ``base``."""
    words, pairs = options(text)
    if words:
        raise CnnExplorerError(f"write settings as name=value (stride=2 padding=1), not {words[0]!r}")
    if not pairs:
        raise CnnExplorerError("missing settings: for example stride=2 padding=1")
    values = {"stride": base.stride, "padding": base.padding, "padding_mode": base.padding_mode,
              "dilation": base.dilation, "bias": base.bias, "normalize": base.normalize, "flip": base.flip}
    for key, value in pairs.items():
        if key not in values:
            raise CnnExplorerError(f"unknown setting {key!r}; use {', '.join(values)}")
        if key in ("stride", "dilation"):
            values[key] = whole(value, key)
        elif key == "padding":
            values[key] = padding_value(value)
        elif key == "bias":
            try:
                values[key] = parse_number(value)
            except ValueError as exc:
                raise CnnExplorerError(f"bias: {exc}") from None
        elif key in ("normalize", "flip"):
            values[key] = flag(value, key)
        else:
            values[key] = value
    return ConvSettings(**values)


def activation(text: str) -> str:
    if not text.strip():
        raise CnnExplorerError("missing activation: none, relu, leaky_relu, sigmoid or tanh")
    return activation_name(text.strip())


def pool(text: str) -> PoolSettings | None:
    """``none`` or ``max|avg SIZE [stride=S] [padding=P] [ceil]``."""
    words, pairs = options(text)
    if not words:
        raise CnnExplorerError("missing pooling: none, or max 2 [stride=2] [ceil]")
    if words[0].lower() in ("none", "off"):
        return None
    size = whole(words[1], "pool size") if len(words) > 1 else 2
    extra = [w for w in words[2:] if w.lower() != "ceil"]
    if extra:
        raise CnnExplorerError(f"pooling: unknown word {extra[0]!r}; write max 2 stride=2 ceil")
    unknown = set(pairs) - {"stride", "padding"}
    if unknown:
        raise CnnExplorerError(f"pooling: unknown option {sorted(unknown)[0]!r}; use stride= and padding=")
    stride = whole(pairs["stride"], "pool stride") if "stride" in pairs else None
    padding = whole(pairs.get("padding", "0"), "pool padding", 0)
    return PoolSettings(words[0], size, stride, padding, ceil_mode=any(w.lower() == "ceil" for w in words))


def _shape(text: str) -> tuple[int, int, int]:
    parts = [p for p in re.split(r"[x×,]", text.strip().lower()) if p]
    if len(parts) == 2:
        parts.append("1")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise CnnExplorerError(f"model input: write height x width x channels, as 64x64x3 (or a number of "
                               f"features, as 3); got {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def _features(text: str) -> int | None:
    """The number of input features when the model's input is written as one number ("3"), else None."""
    text = text.strip()
    if not text.isdigit():
        return None
    return whole(text, "model input")


def _pool_layer(kind: str, words: list[str], pairs: dict[str, str]):
    """``maxpool N [stride=S] [ceil|same]``: Keras' "same" is ceil mode when the window equals the stride."""
    size = whole(words[1], "pool size") if len(words) > 1 and words[1].isdigit() else 2
    flags = {w.lower() for w in words[1:] if not w.isdigit()}
    unknown = flags - {"ceil", "same", "valid"}
    if unknown:
        raise CnnExplorerError(f"model: {kind}: unknown word {sorted(unknown)[0]!r}; write {kind} 2 [stride=2] "
                               "[ceil|same]")
    stride = whole(pairs["stride"], "pool stride") if "stride" in pairs else size
    if "same" in flags and stride != size:
        raise CnnExplorerError(f"model: {kind} {size} stride={stride} same: \"same\" pooling is ceil mode only "
                               "when the window equals the stride; write ceil for torch's rule")
    cls = MaxPool if kind == "maxpool" else AvgPoolLayer
    return cls(size, stride=None if stride == size else stride, ceil=bool(flags & {"ceil", "same"}))


def _layer(text: str):
    words, pairs = options(text)
    if not words:
        raise CnnExplorerError("model: an empty layer between commas")
    kind = words[0].lower()
    act = next((w for w in words[1:] if w.lower() in ("relu", "sigmoid", "tanh", "softmax", "none")), None)
    if kind == "conv":
        if len(words) < 3 or not re.fullmatch(r"\d+(x\d+)?", words[2].lower()):
            raise CnnExplorerError(f"model: write a convolution as conv FILTERS KxK [pad=P|same] [stride=S] [relu], "
                                   f"got {text.strip()!r}")
        size = [int(v) for v in words[2].lower().split("x")]
        bare = [w.lower() for w in words[3:] if w.lower() in ("same", "valid")]
        pad = pairs.get("pad", pairs.get("padding", bare[-1] if bare else "valid"))
        return Conv2D(whole(words[1], "filters"), tuple(size * (3 - len(size)))[:2],
                      stride=whole(pairs.get("stride", "1"), "stride"),
                      padding=pad if pad in ("valid", "same") else whole(pad, "pad", 0),
                      activation=act or "none")
    if kind in ("maxpool", "avgpool"):
        return _pool_layer(kind, words, pairs)
    if kind in ("batchnorm", "bn"):
        return BatchNorm()
    if kind == "dropout":
        try:
            rate = parse_number(words[1]) if len(words) > 1 else 0.5
        except ValueError as exc:
            raise CnnExplorerError(f"model: dropout: {exc}") from None
        if not 0 <= rate < 1:
            raise CnnExplorerError(f"model: dropout: the rate must be at least 0 and below 1, got {words[1]}")
        return Dropout(rate)
    if kind == "flatten":
        return Flatten()
    if kind == "dense":
        if len(words) < 2:
            raise CnnExplorerError("model: write a dense layer as dense UNITS [relu|sigmoid|softmax]")
        return Dense(whole(words[1], "units"), act or "none")
    raise CnnExplorerError(f"model: unknown layer {kind!r}; use conv, maxpool, avgpool, batchnorm, dropout, "
                           "flatten or dense")


def model(text: str) -> ModelSpec:
    """``PRESET [HxWxC]`` or ``HxWxC: layer, layer, ...`` (conv 10 5x5 pad=2, maxpool 2, flatten, dense 128 relu).

    ``N: dense 4, ...`` is a dense network on N features: the spec's input is 1x1xN with a Flatten
    first (:func:`model_table` leaves that row out).
    """
    text = text.strip()
    if not text:
        raise CnnExplorerError(f"missing model: a preset ({', '.join(PRESETS)}) or 32x32x3: conv 10 5x5 pad=2")
    if ":" in text:
        head, _, body = text.partition(":")
        layers = tuple(_layer(part) for part in body.split(","))
        features = _features(head)
        if features is not None:
            return ModelSpec((Flatten(), *layers), (1, 1, features), ("class 1", "class 2"), name="lesson model")
        return ModelSpec(layers, _shape(head), ("class 1", "class 2"), name="lesson model")
    words = text.split()
    if words[0] not in PRESETS:
        raise CnnExplorerError(f"model: unknown preset {words[0]!r}; use one of {', '.join(PRESETS)} "
                               "or write the layers (32x32x3: conv 10 5x5 pad=2)")
    return preset(words[0], _shape(words[1]) if len(words) > 1 else None)


def model_table(text: str) -> tuple[ModelSpec, tuple[LayerRow, ...], tuple[int, ...]]:
    """(spec, table rows, input shape as shown) of an ``@model``; a features input shows as one number."""
    spec = model(text)
    rows = tuple(shape_table(spec))
    head = text.partition(":")[0] if ":" in text else ""
    if _features(head) is None:
        return spec, rows, tuple(spec.input_shape)
    rows = tuple(dataclasses.replace(r, index=r.index - 1) for r in rows[1:])   # the Flatten a vector needs
    return spec, rows, (spec.input_shape[2],)
