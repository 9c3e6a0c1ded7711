"""Every layer's output for one input, in a single forward pass (forward hooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    as_batch,
    layer_kind,
    layers,
    probabilities,
    scores,
)
from cnn_explorer.core.train.capture import capture_outputs


@dataclass(frozen=True)
class LayerOutput:
    """One layer's output for one input: ``(C, h, w)`` feature maps or an ``(n,)`` vector, float32."""

    name: str
    kind: str
    value: np.ndarray

    @property
    def is_map(self) -> bool:
        return self.value.ndim == 3


@dataclass(frozen=True)
class Activations:
    """All layer outputs of one forward pass, then the logits and class probabilities ``(K,)``."""

    layers: tuple[LayerOutput, ...]
    logits: np.ndarray
    probabilities: np.ndarray

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers)

    def __getitem__(self, name: str) -> np.ndarray:
        for layer in self.layers:
            if layer.name == name:
                return layer.value
        raise KeyError(name)

    def maps(self) -> list[LayerOutput]:
        """The layers whose output is a stack of feature maps (C, h, w)."""
        return [layer for layer in self.layers if layer.is_map]


def layer_activations(model: Any, x: Any) -> Activations:
    """Run ``x`` (one model-ready input) once and keep every leaf layer's output as numpy.

    The model is put in eval mode for the pass and left as it was; no
    gradients are recorded.
    """
    import torch

    leaves = layers(model)
    with capture_outputs(leaves) as outputs, scores(model) as run, torch.inference_mode():
        logits = run(as_batch(x, model))
        probs = probabilities(logits)
    found = []
    for name, module in leaves:
        out = outputs.get(name)
        if out is None:
            continue
        if out.ndim not in (2, 4):
            raise CnnExplorerError(f"layer {name}: unexpected output shape {tuple(out.shape)}")
        found.append(LayerOutput(name, layer_kind(module), out[0]))
    return Activations(
        layers=tuple(found),
        logits=logits[0].float().cpu().numpy(),
        probabilities=probs[0].float().cpu().numpy(),
    )
