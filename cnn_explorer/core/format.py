"""The one number formatter: how every number the app shows is written."""

from __future__ import annotations


def format_number(value: float) -> str:
    """Shortest exact text of a float: integers without ``.0``; ``repr`` otherwise (round-trips)."""
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)
