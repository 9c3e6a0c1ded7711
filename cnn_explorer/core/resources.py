"""Where the shipped files (``resources/``: sample photos, bundled data, specs, the pretrained model) live.

In a source checkout or an editable install they are the repository's
``resources/`` folder; a regular (wheel) install puts a copy under
``<prefix>/share/cnn-explorer/resources`` (``[tool.setuptools.data-files]`` in
pyproject.toml). ``$CNN_EXPLORER_RESOURCES`` overrides both.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

_REPO_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    """The folder holding the shipped resources (the first that exists of the places above)."""
    override = os.environ.get("CNN_EXPLORER_RESOURCES")
    if override:
        return Path(override)
    candidates = [_REPO_RESOURCES]
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        candidates.append(Path(prefix) / "share" / "cnn-explorer" / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return _REPO_RESOURCES


def resource_path(*parts: str) -> Path:
    """``resources_dir() / parts...`` (the path may not exist: callers say what is missing)."""
    return resources_dir().joinpath(*parts)
