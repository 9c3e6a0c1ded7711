"""Training under torchrun: one process a GPU (or a share of the CPU), PyTorch's own distributed engine.

``launch_from_env()`` reads torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR); without them training stays a single process, unchanged.
``ProcessGroup.start`` joins the group (gloo on CPUs, nccl on CUDA GPUs, with
a timeout on every collective), and the engine then asks it to wrap the model
in DistributedDataParallel, to shard each global batch and each evaluation
split by rank (rank r takes items r, r + W, r + 2W, ...) and to all-reduce
the figures, so that every rank reports the same loss, accuracies and
confusion matrix. ``agree`` gathers every rank's preparation (its dataset's
fingerprint, or the one-line error it met) so that a problem on any rank
stops all of them with one message, before training starts.

Errors every rank meets alike are ``CollectiveError``s: rank 0 reports them,
the others exit quietly. Torch is imported inside the functions only.
"""

from __future__ import annotations

import math
import os
import time
import warnings
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.devices import physical_cores, pick_device
from cnn_explorer.core.train.evaluation import (
    DeviceData,
    EvalResult,
    evaluate_tensors,
    per_class_accuracy,
)

#: torchrun sets all of these in every process it starts
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")
BACKENDS = ("auto", "gloo", "nccl")
#: seconds any collective (and joining the group) may wait for the other processes
TIMEOUT_S = 180.0
#: how long rank 0 waits after the final barrier before it closes the group (the others close first)
CLOSE_LAST_S = 0.5
#: images per split whose bytes go into a dataset's fingerprint (spread evenly over the split)
FINGERPRINT_IMAGES = 256


class CollectiveError(CnnExplorerError):
    """An error every process meets alike (the same arguments, the same agreed data): rank 0 reports it."""


@dataclass(frozen=True)
class Launch:
    """Where this process sits in a torchrun job: its global and local rank, and how many processes there are."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launch_from_env(environ: Mapping[str, str] | None = None) -> Launch | None:
    """This process's place in a torchrun job, or None when it was not started by torchrun."""
    env = os.environ if environ is None else environ
    if not all(env.get(name) for name in TORCHRUN_VARIABLES):
        return None
    values = {}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        text = env.get(name, env["WORLD_SIZE"] if name == "LOCAL_WORLD_SIZE" else "")
        try:
            values[name] = int(text)
        except ValueError:
            raise CnnExplorerError(f"torchrun: {name} must be a whole number, got {text!r}") from None
    launch = Launch(values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"], values["LOCAL_WORLD_SIZE"])
    if not (launch.world_size >= 1 and 0 <= launch.rank < launch.world_size and launch.local_rank >= 0):
        raise CnnExplorerError(f"torchrun: RANK {launch.rank} does not fit WORLD_SIZE {launch.world_size}")
    return launch


def check_backend(name: str | None) -> str:
    """``name`` as one of BACKENDS (any case); an unknown one is a CollectiveError."""
    text = (name or "auto").strip().lower()
    if text not in BACKENDS:
        raise CollectiveError(f"backend: must be one of {', '.join(BACKENDS)}, got {name!r}")
    return text


def rank_seed(seed: int, rank: int) -> int:
    """The seed of ``rank``'s own random draws (dropout, augmentation); rank 0 keeps ``seed`` itself."""
    return seed + 1_000_003 * rank


def rank_device(launch: Launch, name: str = "auto"):
    """The torch device of this process: its own GPU (cuda:LOCAL_RANK) when CUDA is there or asked for, else the CPU."""
    import torch

    text = (name or "auto").strip().lower()
    if text == "mps":
        raise CnnExplorerError("device: mps cannot train under torchrun; use --device cpu")
    if text in ("auto", "cuda") and (text == "cuda" or torch.cuda.is_available()):
        pick_device("cuda")  # a clear error where there is no CUDA
        count = torch.cuda.device_count()
        if launch.local_rank >= count:
            raise CnnExplorerError(f"device: {launch.local_world_size} processes on this machine but only {count} "
                                   f"CUDA device(s); use torchrun --nproc_per_node {count}")
        return torch.device("cuda", launch.local_rank)
    return pick_device("cpu" if text == "auto" else text)


def fingerprint(dataset) -> dict:
    """What must be the same on every rank: classes, shapes, split sizes, a checksum of labels and of sample images."""
    out = {"classes": tuple(dataset.class_names), "input shape": tuple(int(v) for v in dataset.input_shape)}
    for split in ("train", "val", "test"):
        x, y = np.asarray(getattr(dataset, f"{split}_x")), np.asarray(getattr(dataset, f"{split}_y"))
        out[f"{split} images"] = int(len(y))
        out[f"{split} labels checksum"] = f"{zlib.crc32(np.ascontiguousarray(y, dtype=np.int64).tobytes()):08x}"
        picked = np.unique(np.linspace(0, len(x) - 1, min(len(x), FINGERPRINT_IMAGES)).astype(np.int64))
        sample = np.ascontiguousarray(x[picked]) if len(x) else np.zeros(0, np.uint8)
        out[f"{split} images checksum"] = f"{zlib.crc32(sample.tobytes()):08x}"
    return out


def disagreement(prints: list[dict]) -> str | None:
    """A one-line description of the first way a rank's fingerprint differs from rank 0's, or None."""
    for rank, other in enumerate(prints[1:], start=1):
        for key, value in prints[0].items():
            if other.get(key) != value:
                return (f"dataset: the processes disagree about the data ({key}: rank {rank} has {other.get(key)}, "
                        f"rank 0 has {value}); every machine needs the same dataset files")
    return None


class ProcessGroup:
    """This process's membership of a torchrun job: its device, backend and the collectives the engine uses."""

    #: True once this process has joined a group. DistributedDataParallel keeps torch's group referenced (from
    #: C++) after ``destroy_process_group``, so gloo's worker threads live on until the process ends, and the
    #: interpreter's teardown racing them aborted a rank that had finished well, now and then ("terminate called
    #: without an active exception"). The entry points (``cli.run_as_program``) then leave without that teardown.
    joined = False

    def __init__(self, launch: Launch, backend: str, device) -> None:
        self.launch = launch
        self.backend = backend
        self.device = device
        self.rank = launch.rank
        self.world_size = launch.world_size

    @classmethod
    def start(cls, launch: Launch, backend: str = "auto", device: str = "auto",
              timeout_s: float = TIMEOUT_S) -> "ProcessGroup":
        """Join the job's process group: gloo for CPUs, nccl for CUDA GPUs when ``backend`` is auto."""
        import torch
        import torch.distributed as dist

        backend = check_backend(backend)
        dev = rank_device(launch, device)
        if backend == "auto":
            backend = "nccl" if dev.type == "cuda" and dist.is_nccl_available() else "gloo"
        if backend == "nccl" and (dev.type != "cuda" or not dist.is_nccl_available()):
            raise CnnExplorerError("backend: nccl needs CUDA GPUs and a CUDA build of torch; use --backend gloo")
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        options = {"device_id": dev} if backend == "nccl" else {}
        dist.init_process_group(backend, timeout=timedelta(seconds=timeout_s), **options)
        ProcessGroup.joined = True
        return cls(launch, backend, dev)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def cpu_threads(self) -> int:
        """CPU threads for this process: the physical cores shared among this machine's processes (at least 1)."""
        return max(1, physical_cores() // max(1, self.launch.local_world_size))

    def finish(self) -> None:
        """End a run that went well, before ``close``: every rank waits here for rank 0 (which saves last), then
        rank 0 closes a moment after the others. A rank whose connections close while another is still inside
        a collective aborts under gloo ("terminate called ..."), which an unordered close let happen now and
        then. When rank 0 failed instead, the barrier fails here and this rank just closes (torchrun ends it)."""
        import torch.distributed as dist

        if not dist.is_initialized() or self.world_size < 2:
            return
        try:
            if self.backend == "nccl" and self.device.index is not None:
                dist.barrier(device_ids=[self.device.index])   # no "devices ... unknown" warning
            else:
                dist.barrier()
        except Exception:  # noqa: BLE001 - rank 0 stopped after training: it reports, this rank only leaves
            return
        if self.is_main:
            time.sleep(CLOSE_LAST_S)

    def close(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    # -- collectives ------------------------------------------------------------------------------------------------
    def _comm_device(self):
        import torch

        return self.device if self.backend == "nccl" else torch.device("cpu")

    def gather(self, value) -> list:
        """Every rank's ``value`` (picklable), in rank order."""
        import torch.distributed as dist

        out: list = [None] * self.world_size
        dist.all_gather_object(out, value)
        return out

    def agree(self, problem: str | None, print_: dict | None) -> None:
        """Raise the same CollectiveError on every rank when any rank met a problem or holds different data."""
        results = self.gather((problem, print_))
        problems = [(rank, text) for rank, (text, _) in enumerate(results) if text]
        if problems:
            rank, text = problems[0]
            same = all(other == text for _, other in problems) and len(problems) == self.world_size
            raise CollectiveError(text if same else f"rank {rank} of {self.world_size}: {text}")
        message = disagreement([p for _, p in results])
        if message:
            raise CollectiveError(message)

    def check_shareable(self, images: int, batch: int) -> None:
        """Every rank needs at least one training image in every step."""
        if images < self.world_size:
            raise CollectiveError(f"dataset: {images} training images cannot be shared among {self.world_size} "
                                  "processes (each needs at least one); start fewer processes")
        if batch < self.world_size:
            raise CollectiveError(f"batch size: {batch} images a step cannot be shared among {self.world_size} "
                                  f"processes; use --batch-size {self.world_size} or more")

    def wrap(self, model):
        """``model`` in DistributedDataParallel (which starts from rank 0's weights)."""
        from torch.nn.parallel import DistributedDataParallel

        # a 1-channel layer's weight has two equally valid stride patterns; DDP copies such a gradient and warns
        warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def shard(self, idx):
        """This rank's part of a global batch of indices."""
        return idx[self.rank::self.world_size]

    def sum(self, values: list) -> list[float]:
        """The element-wise sum over all ranks of ``values`` (numbers or 0-d tensors), as floats."""
        import torch
        import torch.distributed as dist

        dev = self._comm_device()
        tensor = torch.stack([torch.as_tensor(v, dtype=torch.float64).to(dev) for v in values])
        dist.all_reduce(tensor)
        return tensor.tolist()

    def evaluate(self, model, data: DeviceData, n_classes: int, batch_size: int, *,
                 predictions: bool = False) -> EvalResult:
        """Evaluate ``model`` (not its DDP wrapper) on this rank's share of ``data``; the result is all of it."""
        import torch
        import torch.distributed as dist

        part = DeviceData(data.x[self.rank::self.world_size], data.y[self.rank::self.world_size], data.mean, data.std,
                          data.scale, data.device)
        local = evaluate_tensors(model, part, n_classes, batch_size, None, predictions=predictions)
        dev = self._comm_device()
        confusion = torch.as_tensor(local.confusion, dtype=torch.float64).reshape(-1)
        loss_sum = torch.tensor([local.loss * local.count if local.count else 0.0], dtype=torch.float64)
        totals = torch.cat([confusion, loss_sum]).to(dev)
        dist.all_reduce(totals)
        totals = totals.cpu().numpy()
        matrix = np.rint(totals[:-1]).astype(np.int64).reshape(n_classes, n_classes)
        count = int(matrix.sum())
        accuracy = float(np.trace(matrix)) / count if count else math.nan
        loss = float(totals[-1]) / count if count else math.nan
        predicted = self._gather_predictions(local.predictions, data.count) if predictions and data.count else None
        return EvalResult(accuracy, per_class_accuracy(matrix), matrix, loss, count, predicted)

    def _gather_predictions(self, local, total: int) -> np.ndarray:
        """Each rank's predictions for its items r, r + W, ... put back in the split's order."""
        import torch
        import torch.distributed as dist

        width = -(-total // self.world_size)
        mine = torch.full((width,), -1, dtype=torch.long)
        if local is not None and len(local):
            mine[:len(local)] = torch.as_tensor(local, dtype=torch.long)
        parts = [torch.empty_like(mine, device=self._comm_device()) for _ in range(self.world_size)]
        dist.all_gather(parts, mine.to(self._comm_device()))
        return interleave([part.cpu().numpy() for part in parts], total)


def interleave(parts: list[np.ndarray], total: int) -> np.ndarray:
    """Put back in order the ``total`` items that ranks hold as r, r + W, r + 2W, ... (``parts[r]``, padded alike).

    ``parts[r][k]`` is item ``k * W + r``: stacking (W, width), transposing and
    flattening restores the order, and the padding falls past ``total``.
    """
    return np.stack(parts).T.reshape(-1)[:total].astype(np.int64)
