"""Knock out a filter or edit one weight, and put everything back exactly.

:class:`ModelEditor` changes the model in place (so every view of it sees
the change at once) and remembers the originals: :meth:`ModelEditor.reset`,
or leaving its ``with`` block, restores the weights bit for bit and removes
every mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import block_end, find_layer, layer_kind, unwrap


def _conv(model: Any, layer: str) -> Any:
    module = find_layer(model, layer)
    if layer_kind(module) != "conv2d":
        raise CnnExplorerError(f"layer: {layer} is a {layer_kind(module)} layer, not a convolution")
    return module


def _check_channel(module: Any, layer: str, channel: int) -> int:
    n = int(module.out_channels)
    if not 0 <= int(channel) < n:
        raise CnnExplorerError(f"channel: {layer} has filters 0..{n - 1}, got {channel}")
    return int(channel)


def filter_weights(model: Any, layer: str, channel: int) -> np.ndarray:
    """A copy of one learned filter of a conv layer: ``(C_in, kh, kw)`` float32 (e.g. to send to the explorer)."""
    module = _conv(model, layer)
    channel = _check_channel(module, layer, channel)
    return module.weight[channel].detach().float().cpu().numpy().copy()


class ModelEditor:
    """Temporary, exactly reversible edits of a model: knocked-out filters and changed weights.

    A knocked-out filter's feature map is set to zero where it is final (after
    the conv's ReLU / BatchNorm chain), so every later layer sees no trace of
    it. Use as a context manager, or call :meth:`reset`.
    """

    def __init__(self, model: Any) -> None:
        self.model = unwrap(model)
        self._masks: dict[str, set[int]] = {}  # layer -> knocked-out channels
        self._hooks: dict[str, Any] = {}  # block-end layer name -> hook handle
        self._originals: dict[tuple[str, str], Any] = {}  # (layer, parameter) -> pristine copy

    def __enter__(self) -> "ModelEditor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.reset()

    @property
    def knocked_out(self) -> frozenset[tuple[str, int]]:
        """The knocked-out filters as (conv layer, channel)."""
        return frozenset((layer, c) for layer, chans in self._masks.items() for c in chans)

    @property
    def edited(self) -> bool:
        """True while any filter is knocked out or any weight differs from the original."""
        return bool(self.knocked_out) or bool(self._originals)

    def knock_out(self, layer: str, channel: int, off: bool = True) -> None:
        """Silence filter ``channel`` of conv ``layer`` (``off=False`` brings it back)."""
        import torch

        module = _conv(self.model, layer)
        channel = _check_channel(module, layer, channel)
        chans = self._masks.setdefault(layer, set())
        if off:
            chans.add(channel)
        else:
            chans.discard(channel)
        end = block_end(self.model, layer)
        if end in self._hooks:
            return
        masks = self._masks

        def mask(m: Any, inputs: Any, output: "torch.Tensor") -> "torch.Tensor | None":
            off_now = masks.get(layer)
            if not off_now:
                return None
            keep = torch.ones(output.shape[1], device=output.device, dtype=output.dtype)
            keep[sorted(off_now)] = 0
            return output * keep[None, :, None, None]

        self._hooks[end] = find_layer(self.model, end).register_forward_hook(mask)

    def _parameter(self, layer: str, param: str) -> Any:
        module = find_layer(self.model, layer)
        tensor = getattr(module, param, None)
        if tensor is None or not hasattr(tensor, "detach"):
            raise CnnExplorerError(f"param: {layer} has no {param!r} parameter")
        return tensor

    def _index(self, tensor: Any, layer: str, param: str, index: tuple[int, ...]) -> tuple[int, ...]:
        index = tuple(int(i) for i in np.atleast_1d(index))
        shape = tuple(tensor.shape)
        if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
            raise CnnExplorerError(f"index: {layer}.{param} has shape {shape}, got index {index}")
        return index

    def weight(self, layer: str, index: tuple[int, ...], param: str = "weight") -> float:
        """The current value of one weight, e.g. ``("conv1", (filter, channel, row, col))``."""
        tensor = self._parameter(layer, param)
        return float(tensor.detach()[self._index(tensor, layer, param, index)])

    def set_weight(self, layer: str, index: tuple[int, ...], value: float, param: str = "weight") -> float:
        """Set one weight (or bias with ``param="bias"``); returns the value it had."""
        import torch

        value = float(value)
        if not np.isfinite(value):
            raise CnnExplorerError(f"value: must be a finite number, got {value}")
        tensor = self._parameter(layer, param)
        index = self._index(tensor, layer, param, index)
        key = (layer, param)
        if key not in self._originals:
            self._originals[key] = tensor.detach().clone()
        with torch.no_grad():
            old = float(tensor[index])
            tensor[index] = value
        return old

    def reset(self) -> None:
        """Undo everything: original weights back bit for bit, all filters on, hooks removed."""
        import torch

        with torch.no_grad():
            for (layer, param), original in self._originals.items():
                self._parameter(layer, param).copy_(original)
        self._originals.clear()
        for handle in self._hooks.values():
            handle.remove()
        self._hooks.clear()
        self._masks.clear()
