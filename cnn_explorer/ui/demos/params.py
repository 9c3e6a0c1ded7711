"""A demo's parameters as a lesson writes them: ``@demo NAME key=value …`` (File ▸ Lessons ▸ Add this view as a step).

Each demo widget's ``params()`` gives what its ``set_params`` takes; here they become the directive's
words, in the text core's readers (``core.lessons.demos.DemoParam.read``) read back: numbers as short
as they round-trip, tuples as ``1,0,-1``, an empty tuple as ``none``. Only values other than the
demo's defaults are written.
"""

from __future__ import annotations

import math
from typing import Mapping

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import demo_info


def number_word(value: float) -> str:
    """1.0 -> "1", 0.1 -> "0.1", -0.0 -> "0": the shortest text that reads back as the same float."""
    v = float(value)
    if not math.isfinite(v):
        raise CnnExplorerError(f"{v} cannot be written into a lesson")
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def param_word(value: object) -> str:
    """One parameter's value as ``key=`` writes it (no spaces: a directive's words are split at them)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ",".join(number_word(v) for v in value) if value else "none"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_word(value)
    text = str(value).strip()
    if not text or any(ch.isspace() for ch in text):
        raise CnnExplorerError(f"the value {text!r} cannot be written into a @demo line")
    return text


def _same(a: object, b: object) -> bool:
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b) and all(
            float(x) == float(y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return str(a) == str(b)


def demo_directive(name: str, params: Mapping[str, object]) -> str:
    """``@demo NAME key=value …`` for demo ``name`` showing ``params`` (those other than the defaults),
    checked: each value is read back by core's reader to the value given (CnnExplorerError otherwise)."""
    info = demo_info(name)
    words = [f"@demo {info.name}"]
    for param in info.params:
        if param.name not in params:
            continue
        value = params[param.name]
        if _same(value, param.default):
            continue
        word = param_word(value)
        try:
            back = param.read(word)
        except CnnExplorerError as exc:
            raise CnnExplorerError(f"{info.name} {param.name}={word}: {exc}") from None
        if not _same(back, value):
            raise CnnExplorerError(f"{info.name} {param.name}={word} would read back as {back!r}, not {value!r}")
        words.append(f"{param.name}={word}")
    return " ".join(words)


def demo_step_block(title: str, text: str, name: str, params: Mapping[str, object]) -> str:
    """A lesson step that opens demo ``name`` with ``params``."""
    return "\n".join((f"## {title.strip() or 'New step'}", text.strip() or "What do you see here?",
                      demo_directive(name, params))) + "\n"
