"""Forward-hook capture: copies of named layers' outputs, this thread's passes only, hooks gone after."""

from __future__ import annotations

import threading

import numpy as np
import torch
from torch import nn

from cnn_explorer.core.train.capture import capture_outputs, this_thread_only


class _Pair(nn.Module):
    """A layer whose output is a tuple, not a tensor."""

    def forward(self, x):
        return x, x


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_outputs_are_float32_copies_of_the_whole_batch_and_the_hooks_go():
    net = _net()
    x = torch.randn(2, 1, 6, 6)
    with capture_outputs([("conv", net[0]), ("fc", net[3])]) as outputs, torch.no_grad():
        logits = net(x)
    assert _hooks(net) == 0
    assert set(outputs) == {"conv", "fc"}
    assert outputs["conv"].shape == (2, 2, 4, 4) and outputs["conv"].dtype == np.float32
    np.testing.assert_array_equal(outputs["fc"], logits.numpy())
    # the conv's output as it left the conv: the in-place ReLU after it did not change the copy
    with torch.no_grad():
        conv = nn.functional.conv2d(x, net[0].weight, net[0].bias)
    np.testing.assert_allclose(outputs["conv"], conv.numpy(), rtol=1e-6, atol=1e-6)
    assert (outputs["conv"] < 0).any()


def test_hooks_go_when_the_pass_fails():
    net = _net()
    try:
        with capture_outputs([("conv", net[0])]):
            net(torch.zeros(1, 2, 6, 6))  # two channels for a one-channel conv
    except RuntimeError:
        pass
    assert _hooks(net) == 0


def test_outputs_that_are_not_tensors_are_left_out():
    pair = _Pair()
    with capture_outputs([("pair", pair)]) as outputs:
        pair(torch.ones(2))
    assert outputs == {}


def test_passes_of_another_thread_are_not_captured():
    net = _net()
    with capture_outputs([("fc", net[3])]) as outputs, torch.no_grad():
        worker = threading.Thread(target=net, args=(torch.randn(1, 1, 6, 6),))
        worker.start()
        worker.join()
        assert outputs == {}
        net(torch.randn(1, 1, 6, 6))
    assert list(outputs) == ["fc"]


def test_this_thread_only_calls_the_hook_on_its_own_thread():
    calls = []
    guarded = this_thread_only(lambda *args: calls.append(args) or "seen")
    other = threading.Thread(target=guarded, args=(1,))
    other.start()
    other.join()
    assert calls == [] and guarded(2) == "seen" and calls == [(2,)]
