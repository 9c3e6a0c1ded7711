"""What the maps panel shows besides the core's own maps: each channel's partial maps per display
step (``PartialSampler``) and the maps' value ranges (``map_ranges``)."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.convolution import activate
from cnn_explorer.core.conv.partials import ChannelPartials
from cnn_explorer.ui.explorer.colorbar import finite_range


class PartialSampler:
    """Kernel k's per-channel partial maps for the maps panel, computed per display step on demand
    (or taken from ``ready``: {step: (partials, kernel, settings, maps)} computed beforehand)."""

    def __init__(self, partials: ChannelPartials, conv, k: int, ready: dict | None = None) -> None:
        self._partials, self._kernel, self._settings = partials, conv.kernels[k], conv.settings
        self._cache: dict[int, np.ndarray] = {}
        for step, (source, kernel, settings, maps) in (ready or {}).items():
            if source is partials and settings == self._settings and np.array_equal(kernel, self._kernel):
                self._cache[step] = maps
        self._ready = frozenset(self._cache)

    def was_ready(self, step: int) -> bool:
        """Whether the maps at ``step`` are those computed beforehand (for this very kernel and settings)."""
        return step in self._ready

    def channel(self, c: int):
        """A sampler (step -> map[::step, ::step]) of channel c."""
        return lambda step: self.maps(step)[c]

    def maps(self, step: int) -> np.ndarray:
        if step not in self._cache:
            self._cache[step] = self._partials.maps(self._kernel, self._settings, step)
        return self._cache[step]


#: activations that are piecewise linear and never decreasing: the activated map's range is the
#: activated feature range, exactly (the same float operation on the two extremes)
_LINEAR_ACTIVATIONS = ("relu", "leaky_relu", "none")


def map_ranges(feature: np.ndarray, activation: str) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """The feature map's finite (min, max), and the activated map's when it follows without a pass over
    its cells (every cell finite, ``activation`` in _LINEAR_ACTIVATIONS; None otherwise: the view measures it)."""
    if feature.size == 0:
        return (0.0, 0.0), None
    lo, hi = feature.min(), feature.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return finite_range(feature), None
    if activation not in _LINEAR_ACTIVATIONS:
        return (float(lo), float(hi)), None
    ends = activate(np.array([lo, hi], dtype=feature.dtype), activation)
    return (float(lo), float(hi)), (float(ends[0]), float(ends[1]))
