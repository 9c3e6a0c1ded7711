"""JSON a user gives (kernel, spec, model and lesson files, pasted text), read with limits.

One reader for every JSON file: the file is capped in size, nesting deeper than
``MAX_DEPTH`` and numbers longer than ``MAX_NUMBER_CHARS`` characters (a 5,000-digit
integer costs quadratic time to convert) are refused with a one-line message,
never a RecursionError or an integer-conversion ValueError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import MAX_TEXT_BYTES, read_user_text

#: the deepest nesting of lists and objects a JSON file may have
MAX_DEPTH = 64
#: the most characters one number may be written with
MAX_NUMBER_CHARS = 40


class _Refused(ValueError):
    pass


class InvalidJson(CnnExplorerError):
    """Text that is not JSON at all; ``msg``, ``lineno`` and ``colno`` say where, as json.JSONDecodeError."""

    def __init__(self, message: str, exc: json.JSONDecodeError) -> None:
        super().__init__(message)
        self.msg, self.lineno, self.colno = exc.msg, exc.lineno, exc.colno


def _number(kind: type):
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise _Refused(f"a number written with {len(text):,} characters (at most {MAX_NUMBER_CHARS})")
        return kind(text)

    return parse


def _constant(name: str):
    raise _Refused(f"{name} is not a number JSON allows")


def _depth_ok(data: Any) -> bool:
    """True when no list or object in ``data`` is nested deeper than MAX_DEPTH (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > MAX_DEPTH:
                return False
            values = item.values() if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in values if isinstance(v, (list, dict)))
    return True


def parse_json(text: str, what: str, *, allow_nonfinite: bool = False) -> Any:
    """The data of JSON ``text``; CnnExplorerError "<what>: ..." for invalid, too deep or absurd numbers.

    ``allow_nonfinite`` accepts NaN and Infinity (Python's own extension of JSON).
    """
    kwargs: dict[str, Any] = {"parse_int": _number(int), "parse_float": _number(float)}
    if not allow_nonfinite:
        kwargs["parse_constant"] = _constant
    try:
        data = json.loads(text, **kwargs)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"{what}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", exc) from None
    except _Refused as exc:
        raise CnnExplorerError(f"{what}: {exc}") from None
    except RecursionError:
        raise CnnExplorerError(f"{what}: lists or objects nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. Python's limit on the digits of an integer
        raise CnnExplorerError(f"{what}: not valid JSON ({' '.join(str(exc).split())[:120]})") from None
    if not _depth_ok(data):
        raise CnnExplorerError(f"{what}: lists or objects nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def read_json(path: Path | str, what: str, *, limit: int = MAX_TEXT_BYTES, allow_nonfinite: bool = False) -> Any:
    """The data of the JSON file at ``path``: a regular file of at most ``limit`` bytes, UTF-8, see ``parse_json``.

    Messages start "<what> '<path>': ".
    """
    path = Path(path)
    text = read_user_text(path, what, limit=limit)
    if not text.strip():
        raise CnnExplorerError(f"{what} {str(path)!r}: the file is empty")
    return parse_json(text, f"{what} {str(path)!r}", allow_nonfinite=allow_nonfinite)
