"""Key sequences for an action, each key once."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence


def unique_shortcuts(keys) -> list[QKeySequence]:
    """``keys`` (strings, StandardKeys or QKeySequences) without empty or repeated sequences.

    One action holding the same key twice (``QKeySequence.Quit`` is Ctrl+Q on Linux and
    Windows desktops) makes Qt report "Ambiguous shortcut overload" and fire nothing.
    """
    out: list[QKeySequence] = []
    for key in keys:
        seq = QKeySequence(key)
        if not seq.isEmpty() and seq not in out:
            out.append(seq)
    return out
