"""``cnn-explorer train`` under torchrun (gloo, 2 CPU processes), the distributed helpers, and the speed flags.

The torchrun tests start real process groups through ``python -m torch.distributed.run`` on 127.0.0.1;
each rank's stdout and stderr are captured in files by torchrun's ``--redirects 3``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from cnn_explorer.cli import build_parser, main
from cnn_explorer.core.datasets import load_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.train import distributed
from cnn_explorer.core.train.devices import amp_dtype
from cnn_explorer.core.train.engine import (
    BatchRecord,
    FinishedRecord,
    TrainConfig,
    TrainingRun,
)

REPO = Path(__file__).resolve().parents[2]
#: far below the collectives' timeout (distributed.TIMEOUT_S): a run that waits on a hung peer cannot pass
NO_HANG_S = 150.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stripes(path: Path, n: int, split_seed: int = 0) -> Path:
    """A tiny .npz dataset: 8x8 images with a horizontal (0) or a vertical (1) bright stripe."""
    rng = np.random.default_rng(split_seed)
    labels = np.arange(n) % 2
    images = (rng.random((n, 8, 8)) * 60).astype(np.uint8)
    for i, label in enumerate(labels):
        k = rng.integers(1, 7)
        if label == 0:
            images[i, k, :] = 255
        else:
            images[i, :, k] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, images=images, labels=labels, class_names=np.array(["horizontal", "vertical"]))
    return path


# a stand-in for two machines with disks of their own: rank N runs in the folder $RANK_DIR_N
WRAPPER = """
import os, sys
os.chdir(os.environ["RANK_DIR_" + os.environ["RANK"]])
from cnn_explorer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _torchrun(tmp_path: Path, argv: list[str], *, script: Path | None = None, env: dict | None = None,
              nproc: int = 2) -> tuple[int, list[str], list[str], float]:
    """Run ``cnn-explorer`` under torchrun; returns the exit code, each rank's stdout and stderr, and the seconds."""
    logs = tmp_path / "torchrun-logs"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
               "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), "--log-dir", str(logs),
               "--redirects", "3", *(["-m", "cnn_explorer"] if script is None else [str(script)]), *argv]
    # faulthandler: a rank that crashes prints where (its Python stack) into its stderr
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1",
                **(env or {})}
    began = time.monotonic()
    done = subprocess.run(command, cwd=tmp_path, env=full_env, capture_output=True, text=True,
                          timeout=3 * NO_HANG_S)
    seconds = time.monotonic() - began

    def read(rank: int, name: str) -> str:
        found = sorted(logs.glob(f"*/attempt_0/{rank}/{name}.log"))
        assert found, f"no {name} of rank {rank}; torchrun said: {done.stderr[-2000:]}"
        return found[0].read_text()

    outs = [read(r, "stdout") for r in range(nproc)]
    errs = [read(r, "stderr") for r in range(nproc)]
    return done.returncode, outs, errs, seconds


XO = ["train", "--preset", "xo-tiny", "--dataset", "xo", "--epochs", "10", "--lr", "0.05", "--device", "cpu"]


@pytest.mark.slow
def test_two_gloo_processes_train_xo_like_one(tmp_path, capsys):
    model = tmp_path / "out" / "xo"
    code, outs, errs, _ = _torchrun(tmp_path, [*XO, "-o", str(model), "--log-dir", str(tmp_path / "logs")])
    assert code == 0, errs
    assert "Warning" not in errs[0] + errs[1]
    # rank 0 prints and saves; rank 1 prints nothing and writes only its log
    assert "2 processes (gloo)" in outs[0].splitlines()[0]
    assert outs[1] == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["xo.json", "xo.safetensors"]
    logs = [(tmp_path / "logs" / f"rank-{r}.log").read_text() for r in (0, 1)]
    assert logs[0] == outs[0]

    def figures(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith(("epoch ", "test accuracy"))]

    rank0, rank1 = figures(logs[0]), figures(logs[1])
    assert len(rank0) == 11
    # the same loss, accuracies and test result on both ranks (elapsed seconds are each rank's own)
    assert [re.sub(r", [\d.]+ s$", "", line) for line in rank0] == [re.sub(r", [\d.]+ s$", "", line) for line in rank1]
    assert rank0[-1] == "test accuracy: 100.00% (60/60)"
    assert f"saved {model}.safetensors and {model}.json" in outs[0]

    # a single process reaches the same 100%, and the saved model opens and scores it
    assert main([*XO, "-o", str(tmp_path / "single"), "--threads", "1"]) == 0
    assert "test accuracy: 100.00% (60/60)" in capsys.readouterr().out
    assert main(["evaluate", str(model), "--dataset", "xo"]) == 0
    assert re.search(r"accuracy: 100\.00% \(\d+/\d+\)", capsys.readouterr().out)


def _one_error_line(errs: list[str]) -> str:
    lines = [line for line in errs[0].splitlines() if line.strip()]
    assert len(lines) == 1, errs[0]
    assert "Traceback" not in errs[1] and "cnn-explorer: error" not in errs[1], errs[1]
    return lines[0]


def test_missing_dataset_on_one_rank_stops_every_rank(tmp_path):
    for rank in (0, 1):
        (tmp_path / f"machine{rank}").mkdir()
    _stripes(tmp_path / "machine0" / "stripes.npz", 64)
    script = tmp_path / "run.py"
    script.write_text(WRAPPER)
    env = {"RANK_DIR_0": str(tmp_path / "machine0"), "RANK_DIR_1": str(tmp_path / "machine1")}
    code, outs, errs, seconds = _torchrun(tmp_path, ["train", "--preset", "xo-tiny", "--dataset", "stripes.npz",
                                                     "--device", "cpu", "-o", "m"], script=script, env=env)
    assert code != 0 and seconds < NO_HANG_S
    line = _one_error_line(errs)
    assert line.startswith("cnn-explorer: error: rank 1 of 2: dataset: 'stripes.npz'"), line
    assert outs == ["", ""] and not (tmp_path / "machine0" / "m.json").exists()


def test_ranks_with_different_data_are_told_so(tmp_path):
    _stripes(tmp_path / "machine0" / "stripes.npz", 64)
    _stripes(tmp_path / "machine1" / "stripes.npz", 80)
    script = tmp_path / "run.py"
    script.write_text(WRAPPER)
    env = {"RANK_DIR_0": str(tmp_path / "machine0"), "RANK_DIR_1": str(tmp_path / "machine1")}
    code, outs, errs, seconds = _torchrun(tmp_path, ["train", "--preset", "xo-tiny", "--dataset", "stripes.npz",
                                                     "--device", "cpu", "-o", "m"], script=script, env=env)
    assert code != 0 and seconds < NO_HANG_S
    line = _one_error_line(errs)
    assert line == ("cnn-explorer: error: dataset: the processes disagree about the data (train images: rank 1 has "
                    "64, rank 0 has 51); every machine needs the same dataset files"), line


@pytest.mark.parametrize(("extra", "message"), [
    (["--backend", "mpi"], "cnn-explorer: error: backend: must be one of auto, gloo, nccl, got 'mpi'"),
    (["--split", "0.2,0.4,0.4"], "cnn-explorer: error: dataset: 1 training images cannot be shared among 2 "
                                 "processes (each needs at least one); start fewer processes"),
])
def test_bad_input_under_torchrun_is_one_line_on_rank_0(tmp_path, extra, message):
    data = _stripes(tmp_path / "tiny.npz", 6)
    code, outs, errs, seconds = _torchrun(tmp_path, ["train", "--preset", "xo-tiny", "--dataset", str(data),
                                                     "--device", "cpu", "-o", "m", *extra])
    assert code != 0 and seconds < NO_HANG_S
    assert _one_error_line(errs) == message
    assert outs == ["", ""] and not (tmp_path / "m.json").exists()


# -- in one process ---------------------------------------------------------------------------------------------------
def test_launch_is_read_from_torchruns_variables():
    assert distributed.launch_from_env({}) is None
    assert distributed.launch_from_env({"RANK": "0", "WORLD_SIZE": "2"}) is None  # MASTER_ADDR, LOCAL_RANK missing
    env = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "node7"}
    launch = distributed.launch_from_env(env)
    assert launch == distributed.Launch(3, 4, 1, 2) and not launch.is_main
    with pytest.raises(CnnExplorerError, match="torchrun: RANK must be a whole number, got 'x'"):
        distributed.launch_from_env({**env, "RANK": "x"})
    with pytest.raises(CnnExplorerError, match="RANK 4 does not fit WORLD_SIZE 4"):
        distributed.launch_from_env({**env, "RANK": "4"})


def test_backend_names():
    assert distributed.check_backend(None) == "auto" and distributed.check_backend(" NCCL ") == "nccl"
    with pytest.raises(distributed.CollectiveError, match="backend: must be one of auto, gloo, nccl, got 'tcp'"):
        distributed.check_backend("tcp")


def test_fingerprints_name_the_first_difference():
    data = load_dataset("xo")
    same = distributed.fingerprint(data)
    assert distributed.disagreement([same, distributed.fingerprint(load_dataset("xo"))]) is None
    other = load_dataset("xo", seed=1)  # the same images, split differently
    message = distributed.disagreement([same, same, distributed.fingerprint(other)])
    assert message.startswith("dataset: the processes disagree about the data (train labels checksum: rank 2 has ")


def test_interleave_restores_the_order_of_strided_shards():
    items = np.arange(11) * 10
    world = 3
    width = -(-len(items) // world)
    parts = [np.concatenate([items[r::world], np.full(width - len(items[r::world]), -1)]) for r in range(world)]
    assert distributed.interleave(parts, len(items)).tolist() == items.tolist()


def test_rank_seeds_differ_and_rank_0_keeps_the_seed():
    assert distributed.rank_seed(5, 0) == 5
    assert len({distributed.rank_seed(5, r) for r in range(8)}) == 8


def test_speed_settings_are_off_on_the_cpu():
    cpu = torch.device("cpu")
    assert amp_dtype(cpu, None) is None and amp_dtype(cpu, False) is None
    with pytest.raises(CnnExplorerError, match="mixed precision: needs a CUDA GPU, and this run is on cpu"):
        amp_dtype(cpu, True)
    data = load_dataset("xo")
    run = TrainingRun(preset("xo-tiny"), data, TrainConfig(device="cpu"))
    assert run.amp_dtype is None and run.channels_last is False
    assert TrainingRun(preset("xo-tiny"), data, TrainConfig(device="cpu", channels_last=True)).channels_last


def test_the_speed_flags_reach_the_config(tmp_path, capsys):
    parser = build_parser()
    base = ["train", "--preset", "xo-tiny", "--dataset", "xo", "-o", "m"]
    args = parser.parse_args(base)
    assert (args.amp, args.channels_last, args.backend, args.log_dir) == (None, None, "auto", None)
    args = parser.parse_args([*base, "--no-amp", "--no-channels-last", "--backend", "gloo"])
    assert (args.amp, args.channels_last, args.backend) == (False, False, "gloo")
    assert parser.parse_args([*base, "--amp", "--channels-last"]).amp is True
    # asking for mixed precision on a CPU, or an unknown backend: one line, nothing written
    for extra, message in ((["--amp"], "mixed precision: needs a CUDA GPU"),
                           (["--backend", "mpi"], "backend: must be one of auto, gloo, nccl, got 'mpi'")):
        assert main([*base[:-1], str(tmp_path / "m"), "--device", "cpu", *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_log_dir_keeps_a_single_processs_output(tmp_path, capsys):
    argv = [*XO[:-4], "--epochs", "1", "--device", "cpu", "--threads", "1", "-o", str(tmp_path / "m"),
            "--log-dir", str(tmp_path / "logs")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "logs" / "rank-0.log").read_text() == out and "test accuracy" in out


# the single-process engine's figures before torchrun support (xo, xo-tiny, seed 3, sgd, onecycle, augmentation)
GOLDEN_LOSSES = [0.73140090704, 0.6814468503, 0.87300747633, 0.478937059641, 0.310155034065, 0.4889138937]
GOLDEN_EPOCHS = [(0.652820460002, 0.347836017609), (0.474221769969, 0.095964781443), (0.34913520813, 0.080469314257)]
GOLDEN_CONFIG = dict(epochs=3, batch_size=16, lr=0.05, optimizer="sgd", schedule="onecycle", augment=True,
                     device="cpu", threads=1, seed=3, snapshot_every=0)


def _train(group=None):
    data = load_dataset("xo")
    run = TrainingRun(preset("xo-tiny"), data, TrainConfig(**GOLDEN_CONFIG), group=group)
    records = list(run.steps())
    losses = [r.loss for r in records if isinstance(r, BatchRecord)]
    return run, losses, records[-1]


def test_a_single_process_trains_exactly_as_before():
    run, losses, finished = _train()
    assert losses[::15] == pytest.approx(GOLDEN_LOSSES, rel=1e-6)
    figures = [value for h in run.history for value in (h.train_loss, h.val_loss)]
    assert figures == pytest.approx([value for pair in GOLDEN_EPOCHS for value in pair], rel=1e-6)
    assert isinstance(finished, FinishedRecord) and finished.test_accuracy == 1.0


def test_a_one_process_group_follows_the_same_path(monkeypatch):
    """The distributed code path (DDP, sharding, all-reduced figures) with one gloo process gives the same run."""
    for name, value in {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1",
                        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}.items():
        monkeypatch.setenv(name, value)
    group = distributed.ProcessGroup.start(distributed.launch_from_env(), "auto", "cpu", timeout_s=30)
    try:
        assert (group.backend, group.world_size, group.device.type) == ("gloo", 1, "cpu")
        run, losses, finished = _train(group)
    finally:
        group.close()
    single_run, single_losses, single = _train()
    assert losses == pytest.approx(single_losses, rel=1e-5)
    assert [h.val_loss for h in run.history] == pytest.approx([h.val_loss for h in single_run.history], rel=1e-5)
    assert finished.test_accuracy == single.test_accuracy
    assert np.array_equal(finished.confusion, single.confusion)
    assert np.array_equal(finished.test_predictions, single.test_predictions)
