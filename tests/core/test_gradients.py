"""Backpropagation through a convolution (core/conv/gradients.py) against torch.autograd, and the
learn-kernel demo's learning (core/train/learn_kernel.py): it reaches the target kernel."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_explorer.core.conv.convolution import (
    ConvSettings,
    conv2d,
    output_shape,
    resolve_padding,
)
from cnn_explorer.core.conv.gradients import (
    bias_gradient,
    descent_step,
    forward_map,
    input_gradient,
    kernel_gradient,
    kernel_gradient_step,
    mse_gradient,
    mse_loss,
    mse_text,
)
from cnn_explorer.core.conv.step_text import step_latex
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.lessons.demos import demo_info, parse_demo
from cnn_explorer.core.train.learn_kernel import (
    CONVERGED,
    DEFAULT_RATE,
    INPUTS,
    TARGETS,
    KernelLearning,
    LearningHistory,
    learn_kernel_numbers,
    learning_from_params,
    start_kernel,
)

F = torch.nn.functional
_TORCH_PAD = {"zeros": "constant", "edge": "replicate", "reflect": "reflect"}


@st.composite
def cases(draw):
    """A random image (H, W[, C]), one kernel (kh, kw[, C]), settings that fit, and a target map."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    channels = draw(st.integers(1, 3))
    grey = channels == 1 and draw(st.booleans())
    three_d = not grey and draw(st.booleans())
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 7)), draw(st.integers(kw, 7))
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2),
                             st.tuples(*[st.integers(0, 2)] * 4)))
    conv = ConvSettings(stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                        dilation=(draw(st.integers(1, 2)), draw(st.integers(1, 2))), padding=padding,
                        padding_mode=draw(st.sampled_from(["zeros", "edge", "reflect"])),
                        bias=draw(st.floats(-2, 2)), normalize=draw(st.booleans()), flip=draw(st.booleans()))
    pads = resolve_padding((h, w), (kh, kw), conv)
    if conv.padding_mode == "reflect" and (max(pads[:2]) >= h or max(pads[2:]) >= w):
        conv = ConvSettings(**{**conv.__dict__, "padding_mode": "zeros"})     # reflect needs a wider image
    try:
        out_hw = output_shape((h, w), (kh, kw), conv)
    except CnnExplorerError:
        out_hw = None
    if out_hw is None:
        conv = ConvSettings(stride=conv.stride, padding="same", bias=conv.bias)
        out_hw = output_shape((h, w), (kh, kw), conv)
    image = rng.normal(size=(h, w) if grey else (h, w, channels))
    kernel = rng.normal(size=(kh, kw, channels) if three_d else (kh, kw))
    return image, kernel, conv, rng.normal(size=out_hw)


def _autograd(image, kernel, conv: ConvSettings, target):
    """(y, L, dL/dw, dL/db, dL/dx) by torch.autograd in float64."""
    x = np.asarray(image, dtype=np.float64)
    x3 = x[:, :, None] if x.ndim == 2 else x
    xt = torch.tensor(x3.transpose(2, 0, 1)[None], requires_grad=True)            # (1, C, H, W)
    wt = torch.tensor(np.asarray(kernel, dtype=np.float64), requires_grad=True)
    bt = torch.tensor(conv.bias, dtype=torch.float64, requires_grad=True)
    w4 = wt if wt.dim() == 3 else wt[:, :, None].expand(*wt.shape, x3.shape[2])
    w4 = w4.permute(2, 0, 1)[None]                                                   # (1, C, kh, kw)
    if conv.flip:
        w4 = w4.flip(-1).flip(-2)
    top, bottom, left, right = resolve_padding(x.shape[:2], np.shape(kernel)[:2], conv)
    xp = F.pad(xt, (left, right, top, bottom), mode=_TORCH_PAD[conv.padding_mode])
    y = F.conv2d(xp, w4, stride=conv.stride, dilation=conv.dilation)[0, 0]
    if conv.normalize:
        y = y / w4[0].numel()
    y = y + bt
    loss = ((y - torch.tensor(target)) ** 2).mean()
    loss.backward()
    dx = xt.grad.numpy()[0].transpose(1, 2, 0)
    return y.detach().numpy(), float(loss.detach()), wt.grad.numpy(), float(bt.grad), dx[:, :, 0] if x.ndim == 2 else dx


@settings(deadline=None)
@given(cases())
def test_every_gradient_equals_torch_autograd(case):
    image, kernel, conv, target = case
    y_ref, loss_ref, dw_ref, db_ref, dx_ref = _autograd(image, kernel, conv, target)
    y = forward_map(image, kernel, conv)
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-9)
    assert mse_loss(y, target) == pytest.approx(loss_ref, abs=1e-9)
    g = mse_gradient(y, target)
    dw = kernel_gradient(image, kernel, g, conv)
    assert dw.shape == np.shape(kernel)
    np.testing.assert_allclose(dw, dw_ref, rtol=0, atol=1e-9)
    assert bias_gradient(g) == pytest.approx(db_ref, abs=1e-9)
    np.testing.assert_allclose(input_gradient(image, kernel, g, conv), dx_ref, rtol=0, atol=1e-9)
    # each gradient cell as the forward pass's step record gives the same number
    kh, kw = np.shape(kernel)[:2]
    c = np.shape(kernel)[2] - 1 if np.ndim(kernel) == 3 else 0
    for a, b in ((0, 0), (kh - 1, kw - 1)):
        cell = kernel_gradient_step(image, kernel, g, conv, a, b, c)
        expected = dw_ref[a, b, c] if np.ndim(kernel) == 3 else dw_ref[a, b]
        assert cell.value == pytest.approx(expected, abs=1e-9)


def test_the_gradient_is_the_input_correlated_with_dl_dy():
    """Valid, stride 1: dL/dw is conv2d of the input with dL/dy as its kernel (the picture the demo shows)."""
    x = seeds.SLIDE_004_X_IMAGE
    y = forward_map(x, np.zeros((3, 3)))
    g = mse_gradient(y, forward_map(x, seeds.SLIDE_004_DIAGONAL))
    np.testing.assert_allclose(kernel_gradient(x, np.zeros((3, 3)), g), conv2d(x, g, precision="exact").maps[0],
                               atol=1e-15)


def _terms_value(text: str) -> float:
    """Evaluate "a×b + c×d + … = v" (Unicode minus, parentheses, "(…) / n") written by a step record."""
    expr = text.rsplit(" = ", 1)[0].replace(MINUS, "-").replace("×", "*")
    assert re.fullmatch(r"[\d\s.*+\-()/e]+", expr), expr
    return eval(expr)  # noqa: S307 - digits and operators only (checked above)


@pytest.mark.parametrize("conv", [ConvSettings(), ConvSettings(stride=2, padding=1),
                                  ConvSettings(normalize=True, dilation=2)], ids=["valid", "stride2-pad1", "norm-dil2"])
def test_the_arithmetic_of_a_gradient_cell_adds_up_to_its_value(conv):
    x = seeds.SLIDE_004_X_IMAGE
    learning = KernelLearning(x, seeds.SLIDE_004_DIAGONAL, conv)
    record = learning.step(learning.start)
    for a, b in ((0, 0), (1, 2)):
        cell = kernel_gradient_step(x, record.kernel, record.grad_output, conv, a, b)
        text = cell.arithmetic()
        written = text.rsplit(" = ", 1)[1].replace(MINUS, "-")
        assert float(written) == pytest.approx(record.grad_kernel[a, b], abs=5e-5)
        assert cell.value == pytest.approx(record.grad_kernel[a, b], abs=1e-12)
        # every product is written with the operands (rounded to 4 decimals) the window and dL/dy hold
        assert text.count("×") == record.grad_output.size
        assert _terms_value(text) == pytest.approx(cell.value, abs=1e-3)
        assert "\\times" in step_latex(cell)


def test_the_window_of_a_gradient_cell_lies_on_the_input_where_the_kernel_cell_met_it():
    x = np.arange(49.0).reshape(7, 7)
    conv = ConvSettings(stride=2, padding=1)
    g = np.ones(output_shape((7, 7), (3, 3), conv))
    cell = kernel_gradient_step(x, np.zeros((3, 3)), g, conv, 0, 0)
    assert cell.pads == (1, 1, 1, 1)
    assert list(cell.rows - cell.pads[0]) == [-1, 1, 3, 5] and list(cell.cols - cell.pads[2]) == [-1, 1, 3, 5]
    assert cell.in_padding[0].all() and cell.in_padding[:, 0].all() and not cell.in_padding[1:, 1:].any()
    assert cell.window[1, 1] == x[1, 1] and cell.window[0, 0] == 0.0


def test_descent_step_writes_each_cells_update():
    learning = KernelLearning(seeds.SLIDE_004_X_IMAGE, seeds.SLIDE_004_DIAGONAL)
    record = learning.step(learning.start)
    assert record.new_kernel[0, 0] == pytest.approx(0.0 - DEFAULT_RATE * record.grad_kernel[0, 0], abs=1e-15)
    assert record.update_text(0, 0) == "0 − 0.1 × (−1.7551) = 0.1755"
    assert mse_text(record.output, record.target).endswith(" / 49 = 14.2245")
    assert record.loss == pytest.approx(14.2245, abs=1e-4)


def test_the_default_case_reaches_the_target_kernel():
    params = demo_info("learn-kernel").defaults()
    learning = learning_from_params(params)
    assert params["lr"] == DEFAULT_RATE and params["input"] == "x" and params["target"] == "diagonal"
    w = learning.start
    losses = []
    for _ in range(200):
        record = learning.step(w)
        losses.append(record.loss)
        w = record.new_kernel
    assert np.max(np.abs(w - seeds.SLIDE_004_DIAGONAL)) < 1e-6
    assert all(b < a for a, b in zip(losses, losses[1:]))            # below the stable rate: always down
    assert learning.steps_to_converge() == 67 and DEFAULT_RATE < learning.stable_rate()
    assert learning.converged(w) and CONVERGED == 0.005


@pytest.mark.parametrize("inp", list(INPUTS))
@pytest.mark.parametrize("target", list(TARGETS))
def test_every_input_and_target_can_be_learnt(inp, target):
    learning = learning_from_params({**demo_info("learn-kernel").defaults(), "input": inp, "target": target,
                                     "lr": 0.25 if inp != "6x6" else 0.35})
    assert learning.determined()
    assert learning.rate < learning.stable_rate()
    assert learning.steps_to_converge() is not None


def test_a_rate_past_the_stable_one_diverges_and_is_reported():
    learning = learning_from_params({**demo_info("learn-kernel").defaults(), "lr": 0.5})
    assert learning.rate > learning.stable_rate()
    assert learning.steps_to_converge() is None
    assert len(learning.kernels(5000)) < 5000                     # stopped once the loss exploded
    assert learn_kernel_numbers(parse_demo("learn-kernel lr=0.5").as_dict())["steps.converge"] == "never (the loss grows)"
    assert parse_demo("learn-kernel input=6x6 stride=3").numbers()["steps.converge"] == \
        "never (other kernels make the same map)"


def test_the_lesson_numbers():
    numbers = parse_demo("learn-kernel").numbers()
    assert numbers == {"loss": "14.2245", "loss.next": "5.6116", "gradient.0.0": "−1.7551", "kernel.0.0": "0.1755",
                       "steps.converge": "67", "rate": "0.1", "rate.stable": "0.307"}
    later = parse_demo("learn-kernel steps=3").numbers()
    assert float(later["loss"]) < float(numbers["loss.next"])
    assert parse_demo("learn-kernel target=x lr=0.2").numbers()["steps.converge"] == "30"


@pytest.mark.parametrize(("text", "expected"), [
    ("learn-kernel input=z", "input: use one of x, o, 6x6, face"),
    ("learn-kernel lr=0", "lr: use a number from"),
    ("learn-kernel stride=9", "stride: use a whole number from 1 to 3"),
    ("learn-kernel padding=7", "padding: use one of valid, same"),
])
def test_bad_parameters_are_refused(text, expected):
    with pytest.raises(CnnExplorerError, match=expected):
        parse_demo(text)


def test_impossible_settings_give_a_reason():
    with pytest.raises(CnnExplorerError, match="larger than the padded input"):
        KernelLearning(np.ones((2, 2)), seeds.SLIDE_004_DIAGONAL)
    with pytest.raises(CnnExplorerError, match="start: the kernel must be 3×3"):
        KernelLearning(seeds.SLIDE_004_X_IMAGE, seeds.SLIDE_004_DIAGONAL, start=np.zeros((2, 2)))
    with pytest.raises(CnnExplorerError, match="dL/dy: needs the map's shape"):
        kernel_gradient(np.ones((5, 5)), np.zeros((3, 3)), np.ones((2, 2)))
    with pytest.raises(CnnExplorerError, match="a: kernel cell index"):
        kernel_gradient_step(np.ones((5, 5)), np.zeros((3, 3)), np.ones((3, 3)), ConvSettings(), 3, 0)
    with pytest.raises(CnnExplorerError, match="rate"):
        descent_step(np.ones((5, 5)), np.zeros((3, 3)), np.ones((3, 3)), ConvSettings(), float("nan"))


def test_random_starts_are_repeatable_and_readable():
    a, b = start_kernel("random", (3, 3), 7), start_kernel("random", (3, 3), 7)
    np.testing.assert_array_equal(a, b)
    assert np.all(np.abs(a) <= 1) and np.array_equal(a, np.round(a, 2))
    assert not np.array_equal(a, start_kernel("random", (3, 3), 8))


def test_the_history_goes_back_and_forth_and_keeps_steps_at_a_new_rate():
    history = LearningHistory(learning_from_params(demo_info("learn-kernel").defaults()))
    assert history.forward() == "" and history.forward() == ""
    second = history.kernel
    assert history.back() and history.at == 1 and len(history.kernels) == 3
    assert history.forward() == "" and history.kernel is second           # forward again: the step already taken
    faster = history.with_rate(0.2)
    assert faster.at == 2 and np.array_equal(faster.kernel, second) and faster.learning.rate == 0.2
    faster.forward()
    np.testing.assert_allclose(faster.kernel, faster.learning.step(second).new_kernel)
    assert len(history.kernels) == 3                                         # the old history is left alone
    history.reset()
    assert history.at == 0 and len(history.kernels) == 1 and not history.back()
    wild = LearningHistory(learning_from_params({**demo_info("learn-kernel").defaults(), "lr": 0.5}))
    reasons = {wild.forward() for _ in range(200)}
    assert "diverged" in reasons and np.isfinite(wild.losses).all()


def test_advice_names_a_rate_too_big_and_a_map_too_small():
    defaults = demo_info("learn-kernel").defaults()
    assert learning_from_params(defaults).advice() == ""
    assert "overshoots" in learning_from_params({**defaults, "lr": 0.5}).advice()
    small = learning_from_params({**defaults, "input": "6x6", "stride": 3})
    assert not small.determined() and "4 cells for 9 kernel weights" in small.advice()


@pytest.mark.parametrize("text", ["learn-kernel", "learn-kernel target=x lr=0.2", "learn-kernel input=o lr=0.25",
                                  "learn-kernel stride=2 padding=1 start=random seed=3",
                                  "learn-kernel input=face target=sobel-top padding=same lr=0.2"])
def test_the_counted_steps_are_the_steps_the_descent_takes(text):
    learning = learning_from_params(parse_demo(text).as_dict())
    count = learning.steps_to_converge()
    kernels = learning.kernels(count)
    assert learning.converged(kernels[count]) and not learning.converged(kernels[count - 1])
