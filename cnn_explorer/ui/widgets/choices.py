"""Choosing a combo box's item by its data (what a parameter or a setting stores), not by its text."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def select_data(combo: QComboBox, key) -> bool:
    """Make the item whose data is ``key`` current; False (and nothing changes) when there is none."""
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0
