"""Why convolution: the weights of a dense layer on a whole picture against a convolution layer of the same depth.

Deck 003's picture is 256×256×3 = 196,608 numbers. A dense layer with 1,000 outputs joins every
one of them to every output: 196,608 × 1,000 = 196,608,000 weights (and 1,000 biases). A
convolution layer with 1,000 filters of 3×3 over the 3 channels reuses each filter at every
position: 3·3·3 × 1,000 = 27,000 weights, whatever the picture's size. The counts are the ones
the model table (``core.model.shapes``) gives for the same layers; a test checks that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class LayerCount:
    """One row of the table: what the layer is, its weights and biases, and how its weights are counted."""

    layer: str
    weights: int
    biases: int
    formula: str

    @property
    def params(self) -> int:
        return self.weights + self.biases


def why_convolution(height: int = 256, width: int = 256, channels: int = 3, units: int = 1000,
                    kernel: int = 3) -> tuple[LayerCount, LayerCount]:
    """The dense row and the convolution row for an ``height``×``width``×``channels`` input and ``units`` outputs."""
    for name, value in (("height", height), ("width", width), ("channels", channels), ("units", units),
                        ("kernel", kernel)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    inputs = height * width * channels
    dense = LayerCount(f"Dense {units:,} on {height}×{width}×{channels}", inputs * units, units,
                       f"{inputs:,} inputs × {units:,} outputs")
    conv = LayerCount(f"Conv {units:,} filters {kernel}×{kernel}×{channels}", kernel * kernel * channels * units,
                      units, f"{kernel}·{kernel}·{channels} per filter × {units:,} filters")
    return dense, conv


def why_convolution_numbers(params: Mapping[str, object]) -> dict[str, str]:
    """The ``{demo.KEY}`` texts of the why-convolution demo: inputs, dense and conv weights, their ratio."""
    dense, conv = why_convolution(**{k: int(v) for k, v in params.items()})
    h, w, c = (int(params[k]) for k in ("height", "width", "channels"))
    return {
        "inputs": f"{h * w * c:,}",
        "dense.weights": f"{dense.weights:,}",
        "dense.params": f"{dense.params:,}",
        "conv.weights": f"{conv.weights:,}",
        "conv.params": f"{conv.params:,}",
        "ratio": f"{dense.weights / conv.weights:,.0f}",
    }
