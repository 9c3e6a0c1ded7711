"""Hostile input: fixtures and the ``hostile_slow`` switch; the helpers live in ``hostile_helpers``.

Slow cases are marked ``@pytest.mark.hostile_slow``: skipped unless ``CNN_EXPLORER_SLOW=1``
(``benchmarks/hostile_all.py`` runs them all).
"""

from __future__ import annotations

import os

import pytest
from hostile_helpers import snapshot


@pytest.fixture
def untouched(tmp_path):
    """Yields ``tmp_path``; fails the test when any file in it changed, appeared or vanished."""
    before = snapshot(tmp_path)
    yield tmp_path
    assert snapshot(tmp_path) == before, "a hostile case changed the user's files"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CNN_EXPLORER_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow hostile case: set CNN_EXPLORER_SLOW=1 (or run benchmarks/hostile_all.py)")
    for item in items:
        if "hostile_slow" in item.keywords:
            item.add_marker(skip)
