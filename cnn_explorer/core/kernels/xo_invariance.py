"""Slide 004's X and its three features through the pooling-invariance comparison (``core.conv.invariance``).

The demo ``pooling-invariance`` and its lesson numbers: the 9x9 X of ±1 pixels, one of the three
3x3 features (diagonal, X, anti-diagonal), filtering ÷9 → ReLU → max-pool 2/2 keeping the edge,
before and after the X moves.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from cnn_explorer.core.conv.invariance import (
    InvarianceResult,
    change_numbers,
    pooling_invariance,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels import seed_grids as seeds

FEATURES = ("diagonal", "x", "anti-diagonal")
FEATURE_KERNELS = {"diagonal": seeds.SLIDE_004_DIAGONAL, "x": seeds.SLIDE_004_X,
                   "anti-diagonal": seeds.SLIDE_004_ANTI_DIAGONAL}


def feature_kernel(feature: str) -> np.ndarray:
    """The slide's 3x3 feature ``feature`` (CnnExplorerError naming the three)."""
    if feature not in FEATURE_KERNELS:
        raise CnnExplorerError(f"feature: use one of {', '.join(FEATURES)}, got {feature!r}")
    return FEATURE_KERNELS[feature]


def x_invariance(transform: str = "shift-right", feature: str = "diagonal", amount: int = 1) -> InvarianceResult:
    """The slide's X through the ``feature``'s layer, before and after ``transform`` by ``amount``."""
    return pooling_invariance(seeds.SLIDE_004_X_IMAGE, feature_kernel(feature), transform, amount)


def invariance_numbers(params: Mapping[str, object]) -> dict[str, str]:
    """The ``{demo.KEY}`` texts of the pooling-invariance demo (see ``change_numbers``)."""
    return change_numbers(x_invariance(str(params["transform"]), str(params["feature"]), int(params["amount"])))
