"""One convolution layer in slide order: convolution → activation → pooling.

Pure: arrays in, a frozen record of every stage out, for the window and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.conv.convolution import (
    ConvResult,
    ConvSettings,
    PoolResult,
    PoolSettings,
    activate,
    activation_name,
    conv2d,
)
from cnn_explorer.core.conv.pooling import pool_checked
from cnn_explorer.core.conv.prepared import PreparedImage
from cnn_explorer.core.errors import CnnExplorerError


@dataclass(frozen=True, eq=False)
class PipelineResult:
    """Every stage of one layer: kernels (K, kh, kw[, C]); feature and activated (K, oh, ow).

    ``kernels`` has the channel axis when the image has one ((H, W, C) input), as applied
    (a 2-D kernel on an RGB image appears as three equal channel slices).
    """

    image: np.ndarray
    kernels: np.ndarray
    conv: ConvResult
    feature: np.ndarray
    activation: str
    activated: np.ndarray
    pool: PoolSettings | None
    pooled: PoolResult | None

    @property
    def output(self) -> np.ndarray:
        """The last stage computed: pooled values if pooling ran, else the activated maps."""
        return self.pooled.values if self.pooled is not None else self.activated


def run_pipeline(image, kernels, conv: ConvSettings = ConvSettings(), activation: str = "relu",
                 pool: PoolSettings | None = PoolSettings(), *, precision: str = "auto",
                 backend: str = "auto", prepared: PreparedImage | None = None) -> PipelineResult:
    """Convolve (see ``conv2d``), activate, then pool if ``pool`` is given (None skips pooling).

    ``prepared``: ``PreparedImage(image)``, kept while only kernels or settings change (a kernel
    edit then skips checking, summing and padding the image again; the result is the same)."""
    result = conv2d(image, kernels, conv, precision=precision, backend=backend, prepared=prepared)
    # no activation: the maps themselves (a copy of a 100-megapixel map would cost 800 MB for nothing)
    activated = result.maps if activation_name(activation) == "none" else activate(result.maps, activation)
    pooled = None
    if pool is not None:
        if not isinstance(pool, PoolSettings):
            raise CnnExplorerError(f"pool: settings must be PoolSettings or None, got {type(pool).__name__}")
        pooled = pool_checked(activated, pool)  # our own finite maps: no second scan of every value
    image_arr = np.asarray(image)
    stack = result.kernels[..., 0] if image_arr.ndim == 2 else result.kernels
    return PipelineResult(
        image=image_arr, kernels=stack, conv=result, feature=result.maps,
        activation=activation_name(activation), activated=activated, pool=pool, pooled=pooled,
    )
