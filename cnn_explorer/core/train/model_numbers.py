"""A loaded model's numbers checked before use: its JSON metadata and its weights.

The checksum in a model's JSON covers only the weights file and says nothing about
whether the numbers make sense: a model whose weights are NaN would classify every
picture as one class ("accuracy: 50.00%"), a mean of NaN gives "X (nan%)". Each
check raises CnnExplorerError naming the file, the entry and what is wrong:

- ``class_names``: a list of names, one a class;
- ``mean`` and ``std``: lists of numbers (not text, not true/false), one a channel,
  finite, on the 0..1 pixel scale: 0 <= mean <= 1 and 1e-6 <= std <= 1 (training
  writes std 1 for a constant channel);
- ``temperature`` (when present): a finite number above 0;
- every floating-point weight finite, and none larger in size than MAX_WEIGHT.

Torch is imported inside functions only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

#: the smallest std a model may divide by (channel_stats writes 1 below it)
MIN_STD = 1e-6
#: no trained model's weight (or BatchNorm running statistic) comes near this in size
MAX_WEIGHT = 1e12
#: messages quote at most this much of a value
EXCERPT = 40


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(value: int | float) -> float:
    """A JSON number as a float; an integer too large for one (hundreds of digits) is infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _number_text(value: float) -> str:
    return "NaN" if math.isnan(value) else format_number(value, "plain")


def _numbers(meta: dict, key: str, channels: int, low: float, high: float, json_path: Path) -> tuple[float, ...]:
    values = meta[key]
    if not isinstance(values, list):
        raise CnnExplorerError(f"{json_path}: class_names, mean and std must be lists of names and numbers "
                               f"({key} is {_excerpt(values)})")
    if len(values) != channels:
        raise CnnExplorerError(f"{json_path}: {key}: {len(values)} value{'s' if len(values) != 1 else ''} for a "
                               f"model of {channels} input channel{'s' if channels != 1 else ''} (one a channel)")
    out = []
    for i, value in enumerate(values, 1):
        if not _is_number(value):
            raise CnnExplorerError(f"{json_path}: {key}: entry {i} is {_excerpt(value)}, not a number "
                                   "(class_names, mean and std must be lists of names and numbers)")
        number = _as_float(value)
        if not (math.isfinite(number) and low <= number <= high):
            what = "normalisation needs positive stds" if key == "std" else "a channel's mean"
            raise CnnExplorerError(f"{json_path}: {key}: entry {i} is {_number_text(number)}, outside "
                                   f"{_number_text(low)}..{_number_text(high)} ({what} on the 0..1 pixel scale)")
        out.append(number)
    return tuple(out)


def check_metadata(meta: dict, spec, json_path: Path) -> tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]:
    """(class_names, mean, std) from a model's JSON, checked against its spec; raises CnnExplorerError."""
    names = meta["class_names"]
    if not isinstance(names, list):
        raise CnnExplorerError(f"{json_path}: class_names, mean and std must be lists of names and numbers "
                               f"(class_names is {_excerpt(names)})")
    for i, name in enumerate(names, 1):
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise CnnExplorerError(f"{json_path}: class_names: entry {i} is {_excerpt(name)}, not a name")
    if len(names) != spec.num_classes:
        raise CnnExplorerError(f"{json_path}: {len(names)} class names for a model of {spec.num_classes} classes")
    channels = spec.input_shape[2]
    mean = _numbers(meta, "mean", channels, 0.0, 1.0, json_path)
    std = _numbers(meta, "std", channels, MIN_STD, 1.0, json_path)
    if "temperature" in meta:
        t = meta["temperature"]
        if not _is_number(t) or not math.isfinite(_as_float(t)) or t <= 0:
            shown = _number_text(_as_float(t)) if _is_number(t) else _excerpt(t)
            raise CnnExplorerError(f"{json_path}: temperature is {shown}; it must be a number above 0")
    return tuple(str(n) for n in names), mean, std


def check_weights(state: dict, weights_path: Path) -> None:
    """Refuse weights that are NaN, infinite or absurdly large: CnnExplorerError naming how many and where."""
    import torch

    nan = inf = total = 0
    where: list[str] = []
    for name, tensor in state.items():
        if not torch.is_floating_point(tensor) or tensor.numel() == 0:
            continue
        values = tensor.detach().to(torch.float64)
        total += tensor.numel()
        finite = torch.isfinite(values)
        if not bool(finite.all()):
            n = int(torch.isnan(values).sum())
            nan, inf = nan + n, inf + int((~finite).sum()) - n
            where.append(name)
            continue
        largest = float(values.abs().max())
        if largest > MAX_WEIGHT:
            raise CnnExplorerError(f"{weights_path}: {name} holds a value of size {_number_text(largest)}, far "
                                   "beyond any trained model's weights: the model cannot classify reliably")
    if where:
        what = " and ".join(f"{n:,} {kind}" for n, kind in ((nan, "NaN"), (inf, "infinite")) if n)
        shown = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        raise CnnExplorerError(f"{weights_path}: {what} of {total:,} weights (in {shown}): the model cannot "
                               "classify; retrain it or load another")


def validate_model_numbers(meta: dict, state: dict, spec, json_path: Path, weights_path: Path):
    """(class_names, mean, std) once the metadata and the weights pass their checks; see the module doc."""
    names, mean, std = check_metadata(meta, spec, json_path)
    check_weights(state, weights_path)
    return names, mean, std
