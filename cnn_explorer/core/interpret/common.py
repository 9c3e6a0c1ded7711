"""Shared plumbing of the inspection tools: layers by name, inputs as tensors, eval mode that is put back.

Layers are the model's leaf modules in forward order, named as
``named_modules`` names them (``conv1``, ``relu1``, ``pool1``, ``fc1`` for a
model from :func:`cnn_explorer.core.model.build.build_model`). Inputs are one
model-ready picture ``(1, C, H, W)`` (or ``(C, H, W)``), numpy or torch, as
:func:`cnn_explorer.core.datasets.preprocess.prepare_input` returns. Torch is imported
inside functions only.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.capture import this_thread_only

if TYPE_CHECKING:
    import torch

#: torch class name -> the layer kind names of the model spec.
_KINDS = {
    "Conv2d": "conv2d", "Linear": "dense", "ReLU": "relu", "LeakyReLU": "leaky_relu", "Sigmoid": "sigmoid",
    "Tanh": "tanh", "MaxPool2d": "maxpool", "AvgPool2d": "avgpool", "BatchNorm2d": "batchnorm",
    "BatchNorm1d": "batchnorm", "Dropout": "dropout", "Dropout2d": "dropout", "Flatten": "flatten",
    "AdaptiveAvgPool2d": "global_avg_pool", "AdaptiveMaxPool2d": "global_max_pool", "Softmax": "softmax",
    "LogSoftmax": "softmax", "ZeroPad2d": "pad", "Identity": "identity",
}
#: Kinds that act on each channel alone without moving pixels: a conv's map runs through them unchanged in shape.
PER_CHANNEL = {"relu", "leaky_relu", "sigmoid", "tanh", "batchnorm", "dropout", "identity", "elu", "gelu", "silu"}


def layer_kind(module: Any) -> str:
    """The spec's kind name of a torch module (``conv2d``, ``relu``, ``dense`` ...); else its class name, lower case."""
    name = type(module).__name__
    return _KINDS.get(name, name.lower())


def unwrap(model: Any) -> Any:
    """The module under a ``torch.compile`` wrapper (the model itself otherwise)."""
    return getattr(model, "_orig_mod", model)


def layers(model: Any) -> list[tuple[str, Any]]:
    """The leaf modules in forward order, with their names."""
    model = unwrap(model)
    out = [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]
    if not out:
        raise CnnExplorerError("model: has no layers")
    return out


def find_layer(model: Any, name: str) -> Any:
    """The leaf module called ``name``; CnnExplorerError naming the choices otherwise."""
    for n, m in layers(model):
        if n == name:
            return m
    names = ", ".join(n for n, _ in layers(model))
    raise CnnExplorerError(f"layer: the model has no layer {name!r} (it has {names})")


def conv_names(model: Any) -> list[str]:
    """Names of the model's Conv2d layers, in order."""
    return [n for n, m in layers(model) if layer_kind(m) == "conv2d"]


def last_conv(model: Any) -> str:
    names = conv_names(model)
    if not names:
        raise CnnExplorerError("layer: the model has no convolution layer")
    return names[-1]


def block_end(model: Any, conv: str) -> str:
    """The last layer of a conv's per-channel chain (conv -> ReLU -> BatchNorm ...): where its feature map is final."""
    names = layers(model)
    idx = [n for n, _ in names].index(conv)
    end = conv
    for n, m in names[idx + 1:]:
        if layer_kind(m) not in PER_CHANNEL:
            break
        end = n
    return end


def pre_activation(model: Any, conv: str) -> str:
    """The last layer before a conv's activation (conv -> BatchNorm ...): its value, before any ReLU.

    Optimising or ranking this value, rather than the raw conv output, keeps
    a BatchNorm with a negative scale from turning "most active" upside down.
    """
    names = layers(model)
    idx = [n for n, _ in names].index(conv)
    end = conv
    for n, m in names[idx + 1:]:
        if layer_kind(m) not in ("batchnorm", "dropout", "identity"):
            break
        end = n
    return end


def normalisation(mean: Any, std: Any, channels: int, device: Any) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Per-channel mean and std (0..1 units; None = 0 and 1) as (1, C, 1, 1) tensors, checked."""
    import torch

    m = np.asarray(mean if mean is not None else [0.0], np.float32).reshape(-1)
    s = np.asarray(std if std is not None else [1.0], np.float32).reshape(-1)
    for name, v in (("mean", m), ("std", s)):
        if v.size not in (1, channels) or not np.isfinite(v).all():
            raise CnnExplorerError(f"{name}: expected 1 or {channels} finite values, got {v.tolist()}")
    if (s <= 0).any():
        raise CnnExplorerError(f"std: must be positive, got {s.tolist()}")
    return (torch.as_tensor(m.reshape(1, -1, 1, 1), device=device),
            torch.as_tensor(s.reshape(1, -1, 1, 1), device=device))


def device_of(model: Any) -> "torch.device":
    import torch

    for p in unwrap(model).parameters():
        return p.device
    for b in unwrap(model).buffers():
        return b.device
    return torch.device("cpu")


def as_batch(x: Any, model: Any) -> "torch.Tensor":
    """One input (1, C, H, W) or (C, H, W), numpy / torch / ModelInput -> float32 tensor on the model's device."""
    import torch

    x = getattr(x, "array", x)
    t = x.detach() if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if t.ndim == 3:
        t = t[None]
    if t.ndim != 4 or t.shape[0] != 1:
        raise CnnExplorerError(f"input: expected one picture (1, C, H, W), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise CnnExplorerError("input: holds NaN or infinite values")
    return t.to(device=device_of(model), dtype=torch.float32)


def softmax_tail(model: Any) -> bool:
    """True when the model's last layer is a Softmax (its output is probabilities, not logits)."""
    return layer_kind(layers(model)[-1][1]) == "softmax"


def probabilities(logits: "torch.Tensor") -> "torch.Tensor":
    """(N, K) logits -> probabilities: softmax, or a sigmoid for a single output unit."""
    import torch

    if logits.shape[-1] == 1:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


@contextmanager
def eval_mode(model: Any) -> Iterator[Any]:
    """The (unwrapped) model in eval mode for the block; its training flag is restored after."""
    model = unwrap(model)
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def scores(model: Any) -> Iterator[Any]:
    """A function ``x -> (N, K) logits`` for the model in eval mode; the model's mode is restored after.

    A trailing Softmax is skipped (its input is the logits) so gradients of a
    class score are not squashed.
    """
    model = unwrap(model)
    was_training = model.training
    model.eval()
    captured: list[torch.Tensor] = []
    handle = None
    if softmax_tail(model):
        handle = layers(model)[-1][1].register_forward_hook(
            this_thread_only(lambda m, inp, out: captured.append(inp[0])))

    def run(x: "torch.Tensor") -> "torch.Tensor":
        captured.clear()
        out = model(x)
        logits = captured[-1] if captured else out
        if logits.ndim != 2:
            raise CnnExplorerError(f"model: output must be (N, classes), got shape {tuple(logits.shape)}")
        return logits

    try:
        yield run
    finally:
        if handle is not None:
            handle.remove()
        model.train(was_training)


def pick_target(logits: "torch.Tensor", target: int | None) -> int:
    """The class to explain: ``target`` checked against the number of classes, or the predicted one."""
    k = int(logits.shape[-1])
    if target is None:
        return int(logits[0].argmax())
    if not 0 <= int(target) < k:
        raise CnnExplorerError(f"target: class index must be in 0..{k - 1}, got {target}")
    return int(target)


def normalise01(a: np.ndarray) -> np.ndarray:
    """Scale a non-negative map so its maximum is 1 (all zeros stay zeros); float32."""
    a = np.asarray(a, dtype=np.float32)
    peak = float(a.max()) if a.size else 0.0
    return a / np.float32(peak) if peak > 0 else np.zeros_like(a)


def upsample(coarse: "torch.Tensor", size: tuple[int, int]) -> np.ndarray:
    """(h, w) tensor -> (H, W) float32 numpy by bilinear interpolation (pixel centres aligned as torch does)."""
    import torch.nn.functional as F

    up = F.interpolate(coarse[None, None].float(), size=size, mode="bilinear", align_corners=False)
    return up[0, 0].detach().cpu().numpy().astype(np.float32)
