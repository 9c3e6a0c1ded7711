"""Stop within 0.5 s: the engine cancels inside a long step, and feature visualisation starts at once."""

from __future__ import annotations

import math
import threading
import time

import pytest

torch = pytest.importorskip("torch")

from cnn_explorer.core.datasets import load_dataset  # noqa: E402
from cnn_explorer.core.interpret.featurevis import _Adam  # noqa: E402  (tested against torch.optim.Adam)
from cnn_explorer.core.train.engine import FinishedRecord, TrainConfig, TrainingRun  # noqa: E402

LAYER_S = 0.08  # each slow layer's forward (and its backward through the tanh) takes about this long


class _Slow(torch.nn.Module):
    """A layer whose forward sleeps: a step of many of them takes long, like a batch of 256 on a laptop."""

    def __init__(self, entered: threading.Event) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        self.entered = entered

    def forward(self, x):
        self.entered.set()
        time.sleep(LAYER_S)
        return torch.tanh(self.lin(x))


def _slow_model(layers: int, entered: threading.Event):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), *[_Slow(entered) for _ in range(layers)], torch.nn.Linear(4, 2))


def test_stop_inside_a_long_step_ends_the_run_within_half_a_second():
    ds = load_dataset("slashes")
    entered = threading.Event()
    model = _slow_model(12, entered)  # one step: about 1 s of forward alone
    cancel = threading.Event()
    run = TrainingRun(None, ds, TrainConfig(epochs=1, batch_size=256, threads=1), cancel=cancel, model=model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    records, ended = [], []

    def drive():
        for record in run.steps():
            records.append(record)
        ended.append(time.perf_counter())

    worker = threading.Thread(target=drive)
    worker.start()
    assert entered.wait(10)  # the first step's forward has begun
    time.sleep(2 * LAYER_S)
    asked = time.perf_counter()
    cancel.set()
    worker.join(5)
    assert not worker.is_alive()
    assert ended[0] - asked <= 0.5, f"stop took {ended[0] - asked:.2f} s"
    assert isinstance(records[-1], FinishedRecord) and records[-1].reason == "cancelled"
    assert not [r for r in records if type(r).__name__ == "BatchRecord"]  # the interrupted step never counted
    for key, value in model.state_dict().items():  # the weights are the last whole step's (here: the first)
        assert torch.equal(value, before[key]), key
    # the hooks are gone: the model runs as before, even with the event still set
    entered.clear()
    model(torch.zeros(1, 2, 2, 1)).sum().backward()


class _NoHooks:
    """StepInterrupt without hooks: the engine as it was before cancelling inside steps."""

    def __init__(self, model, cancel) -> None:
        pass

    def armed(self):
        import contextlib

        return contextlib.nullcontext()

    def remove(self) -> None:
        pass


def test_cancel_hooks_change_no_number(monkeypatch):
    from cnn_explorer.core.train import engine

    ds = load_dataset("slashes")
    config = TrainConfig(epochs=2, batch_size=32, threads=1, seed=3, lr=0.05)
    results = []
    for hooks in (True, False):
        if not hooks:
            monkeypatch.setattr(engine, "StepInterrupt", _NoHooks)
        model = _plain_model()
        run = TrainingRun(None, ds, config, model=model)
        records = list(run.steps())
        losses = [r.loss for r in records if type(r).__name__ == "BatchRecord"]
        results.append((losses, [v.clone() for v in model.state_dict().values()], records[-1].test_accuracy))
        if hooks:  # the hooks are gone once the run ends
            assert not any(m._forward_pre_hooks for m in model.modules())
            assert all(not p._backward_hooks for p in model.parameters())
    (l1, w1, a1), (l2, w2, a2) = results
    assert l1 == l2 and len(l1) == 2 * (len(ds.train_y) // 32) and all(math.isfinite(v) for v in l1)
    assert all(torch.equal(x, y) for x, y in zip(w1, w2)) and a1 == a2


def _plain_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def test_featurevis_adam_matches_torch_adam_bit_for_bit():
    gen = torch.Generator().manual_seed(1)
    a = torch.rand((1, 1, 5, 5), generator=gen)
    b = a.clone().requires_grad_(True)
    ours = _Adam(a, 0.05)
    theirs = torch.optim.Adam([b], lr=0.05)
    for _ in range(30):
        grad = torch.randn((1, 1, 5, 5), generator=gen)
        ours.step(grad)
        b.grad = grad.clone()
        theirs.step()
    assert torch.equal(a, b.detach())


def test_featurevis_builds_no_torch_optimizer(monkeypatch):
    """Creating a torch.optim optimiser imports torch._dynamo the first time (seconds before the first frame)."""
    from cnn_explorer.core.interpret import maximize_activation

    def refuse(*args, **kwargs):
        raise AssertionError("a torch.optim optimiser was built")

    monkeypatch.setattr(torch.optim, "Adam", refuse)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(1352, 3))
    frames = list(maximize_activation(net, (28, 28, 1), index=1, steps=3, every=1))
    assert len(frames) == 4 and frames[-1].done and frames[-1].activation > frames[0].activation


def test_featurevis_frames_come_by_time():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(1352, 3))
    from cnn_explorer.core.interpret import maximize_activation

    frames = list(maximize_activation(net, (28, 28, 1), index=0, steps=20, every=20, frame_interval_s=0.0))
    assert [f.step for f in frames] == list(range(21)) and frames[-1].done
    frames = list(maximize_activation(net, (28, 28, 1), index=0, steps=20, every=20, frame_interval_s=60.0))
    assert [f.step for f in frames] == [0, 20]
