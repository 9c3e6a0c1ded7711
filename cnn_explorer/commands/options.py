"""Option values checked while the command line is read: argparse ``type=`` functions for every sub-command.

A value out of range stops the command before any work, with exit code 2 and
one line naming the option: ``cnn-explorer train: error: --seed: must be a
whole number in 0..4294967295, got '2e70'``. Messages quote at most a short
excerpt of what was typed (``core.errors.excerpt``). No numpy, torch or Qt
here: ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Callable
from urllib.parse import urlsplit

from cnn_explorer.core.errors import excerpt

#: longer number texts are refused before they are converted (int() of 5,000 digits is slow and refused)
MAX_NUMBER_CHARS = 40
#: the largest seed every random generator we seed (torch, numpy) accepts alike
MAX_SEED = 2**32 - 1
_WHOLE = re.compile(r"[+-]?\d+")
_URL_CHARS = re.compile(r"[^\s<>\"'\\^`{|}]+")


def _refuse(message: str):
    raise argparse.ArgumentTypeError(message)


def _span(lo, hi, lo_open: bool = False, hi_open: bool = False) -> str:
    """'in 1..10', 'at least 1', 'in (0, 1]'... as the messages say it."""
    if hi is None:
        return f"more than {lo:g}" if lo_open else f"at least {lo:g}"
    if isinstance(lo, int) and isinstance(hi, int) and not (lo_open or hi_open):
        return f"in {lo}..{hi}"
    return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


def whole(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """A ``type=`` for a whole number in ``lo..hi`` (``hi`` None: no upper bound but the text's length)."""
    span = _span(lo, hi)

    def parse(text: str) -> int:
        t = text.strip()
        if len(t) > MAX_NUMBER_CHARS or not _WHOLE.fullmatch(t):
            _refuse(f"must be a whole number {span}, got {excerpt(text)}")
        value = int(t)
        if value < lo:
            _refuse(f"must be at least {lo}, got {value}")
        if hi is not None and value > hi:
            _refuse(f"must be at most {hi}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


def real(lo: float, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False) -> Callable[[str], float]:
    """A ``type=`` for a finite number in the interval ``lo..hi`` (each end open or closed); inf and nan refused."""
    span = _span(float(lo), None if hi is None else float(hi), lo_open, hi_open)

    def parse(text: str) -> float:
        t = text.strip()
        try:
            if len(t) > MAX_NUMBER_CHARS:
                raise ValueError
            value = float(t)
        except ValueError:
            _refuse(f"must be a number {span}, got {excerpt(text)}")
        if not math.isfinite(value):
            _refuse(f"must be a finite number {span}, got {excerpt(t)}")
        low = value <= lo if lo_open else value < lo
        high = hi is not None and (value >= hi if hi_open else value > hi)
        if low or high:
            _refuse(f"must be {span}, got {value:g}")
        return value

    parse.__name__ = "number"
    return parse


def seed(text: str) -> int:
    """A random seed: a whole number in 0..2**32-1."""
    return whole(0, MAX_SEED)(text)


def url(text: str) -> str:
    """An http:// or https:// address with a host, at most 2,000 characters (returned without trailing spaces)."""
    t = text.strip()
    example = "such as https://example.org/mnist/"
    try:
        parts = urlsplit(t)
        port_ok = parts.port is None or 0 < parts.port
    except ValueError:  # a malformed port or IPv6 address
        parts, port_ok = None, False
    if (len(t) > 2000 or parts is None or not port_ok or parts.scheme.lower() not in ("http", "https")
            or not parts.hostname or not _URL_CHARS.fullmatch(t)):
        _refuse(f"expected an http:// or https:// address {example}, got {excerpt(text)}")
    return t


def window_size(text: str) -> str:
    """WIDTHxHEIGHT between 320x240 and 8192x8192 (the text, checked; the window parses it)."""
    m = re.fullmatch(r"\s*(\d{1,6})\s*[x×X]\s*(\d{1,6})\s*", text)
    if not m:
        _refuse(f"expected WIDTHxHEIGHT such as 1366x768, got {excerpt(text)}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (320 <= w <= 8192 and 240 <= h <= 8192):
        _refuse(f"{w}x{h} is outside 320x240 .. 8192x8192")
    return text


def int_tuple(counts: tuple[int, ...], hi: int, *, words: tuple[str, ...] = (),
              example: str = "2,1") -> Callable[[str], str]:
    """A ``type=`` for ``counts`` whole numbers in ``-hi..hi`` separated by commas (or one of ``words``).

    Returns the text unchanged: the command parses it and checks what depends on
    the input (a stride of 0, a negative padding) when it runs, naming the
    setting; here only its form and size are checked.
    """
    def parse(text: str) -> str:
        t = text.strip().lower()
        if t in words:
            return text
        parts = [p.strip() for p in t.replace("x", ",").replace("×", ",").split(",")]
        if len(t) > 4 * MAX_NUMBER_CHARS or not all(_WHOLE.fullmatch(p) and len(p) <= 12 for p in parts):
            alternatives = f" or {'/'.join(words)}" if words else ""
            _refuse(f"expected whole numbers like {example}{alternatives}, got {excerpt(text)}")
        if len(parts) not in counts:
            _refuse(f"expected {' or '.join(map(str, counts))} numbers, got {len(parts)} in {excerpt(text)}")
        for p in parts:
            if abs(int(p)) > hi:
                _refuse(f"each number must be at most {hi:,}, got {int(p):,}")
        return text

    parse.__name__ = "numbers"
    return parse


# --- the training options' ranges: one home for `train`, `export-script` and `evaluate` -------------
EPOCHS = whole(1, 100_000)
BATCH = whole(1, 65_536)
LR = real(0, None, lo_open=True)  # any positive finite rate: too large a one is "training diverged", later
MOMENTUM = real(0, 1, hi_open=True)
WEIGHT_DECAY = real(0, 1)
LABEL_SMOOTHING = real(0, 1, hi_open=True)
THREADS = whole(1, 1024)


def one_line(message: str, limit: int = 300) -> str:
    """An argparse error on one line, at most ``limit`` characters: 'argument --x: ...' reads '--x: ...'."""
    text = " ".join(message.split()).removeprefix("argument ")
    return text if len(text) <= limit else text[:limit - 1] + "…"
