"""Choosing where torch computes: CUDA, else Apple MPS, else the CPU, and how many CPU threads.

Torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cnn_explorer.core.errors import CnnExplorerError

if TYPE_CHECKING:
    import torch

#: the names ``pick_device`` accepts
DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


def physical_cores() -> int:
    """Physical CPU cores this process may run on (hyper-threads not counted); at least 1.

    Linux reads ``/proc/cpuinfo`` (unique physical id / core id pairs of the CPUs in
    the affinity mask); elsewhere the logical count is used.
    """
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        allowed = set(range(os.cpu_count() or 1))
    cores: set[tuple[str, str]] = set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        text = ""
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        if "processor" not in fields or "core id" not in fields:
            continue
        try:
            if int(fields["processor"]) not in allowed:
                continue
        except ValueError:
            continue
        cores.add((fields.get("physical id", "0"), fields["core id"]))
    return max(1, min(len(cores), len(allowed)) if cores else len(allowed))


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op CPU threads: ``threads``, or one per physical core; returns the count.

    More threads than physical cores only make the cores fight over caches, so
    the default never oversubscribes.
    """
    import torch

    if threads is not None and threads < 1:
        raise CnnExplorerError(f"threads: must be at least 1, got {threads}")
    count = threads or physical_cores()
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


def _mps_available(torch) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(name: str = "auto") -> "torch.device":
    """The torch device for ``name``: "auto" (CUDA, else MPS, else CPU), "cpu", "cuda", "cuda:N" or "mps".

    Asking for a device this machine lacks raises CnnExplorerError.
    """
    import torch

    text = (name or "auto").strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available(torch):
            return torch.device("mps")
        return torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise CnnExplorerError(
                "device: cuda is not available here (no NVIDIA GPU, or a CPU-only build of torch); use --device cpu"
            )
        try:
            dev = torch.device(text)
        except RuntimeError:
            raise CnnExplorerError(f"device: not a device name: {name!r}") from None
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise CnnExplorerError(
                f"device: {text} does not exist; this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
        return dev
    if text == "mps":
        if not _mps_available(torch):
            raise CnnExplorerError(
                "device: mps is not available here (it needs an Apple-silicon Mac); use --device cpu")
        return torch.device("mps")
    raise CnnExplorerError(f"device: must be one of {', '.join(DEVICE_NAMES)}, got {name!r}")


def describe_device(dev) -> str:
    """A short human name for a torch device, e.g. "CUDA: NVIDIA H100" or "CPU (2 threads)"."""
    import torch

    dev = torch.device(dev)
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return f"CUDA: {torch.cuda.get_device_name(index)}"
    if dev.type == "mps":
        return "MPS: Apple GPU"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def amp_dtype(dev, requested: bool | None = None):
    """The autocast dtype for training on ``dev``: bfloat16 on a CUDA GPU that supports it, else None (float32).

    ``requested`` None decides by the device; False turns mixed precision off;
    True insists on it and raises CnnExplorerError where it cannot run (a CPU,
    MPS, or a GPU without bfloat16).
    """
    import torch

    dev = torch.device(dev)
    if requested is False:
        return None
    if dev.type != "cuda":
        if requested:
            raise CnnExplorerError(f"mixed precision: needs a CUDA GPU, and this run is on {dev.type}; "
                                   "leave out --amp")
        return None
    if not torch.cuda.is_bf16_supported():
        if requested:
            raise CnnExplorerError("mixed precision: this GPU has no bfloat16 support; use --no-amp")
        return None
    return torch.bfloat16


def configure_cuda() -> None:
    """Speed settings for training on CUDA: cuDNN picks the fastest convolution for each (fixed) batch shape,
    and float32 matrix products may use TF32 tensor cores."""
    import torch

    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
