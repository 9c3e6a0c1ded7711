"""Deck 003's line fit: the trial table, the two equations, and gradient descent checked against the analytic
derivative (finite differences) and torch.autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import parse_demo
from cnn_explorer.core.train.line_fit import (
    SLIDE_POINTS,
    descend,
    descent_step,
    divergence_message,
    gradient,
    mse,
    solve_two_points,
    stable_lr,
    trial_table,
)


def test_the_slides_trial_table():
    rows = trial_table()
    assert [(t.a, t.b, t.prediction, t.error) for t in rows] == [
        (1, 1, 4, 6), (4, 3, 15, -5), (2, 2, 8, 2), (3, 2, 11, -1), (2, 3, 9, 1), (2, 4, 10, 0)]


def test_the_two_equations_give_a_2_b_1_written_as_the_slide_does():
    s = solve_two_points()
    assert (s.a, s.b) == (2.0, 1.0)
    assert s.lines[1] == "b = 5 − 2a"
    assert s.lines[3] == "a = (9 − 5) / (4 − 2) = 2"
    assert s.lines[4] == "b = 5 − 2·2 = 1"


def test_two_points_with_the_same_x_are_refused_with_the_reason():
    with pytest.raises(CnnExplorerError, match="same x"):
        solve_two_points((3, 1), (3, 7))


def _torch_gradient(a: float, b: float, points) -> tuple[float, float]:
    import torch

    p = torch.tensor(points, dtype=torch.float64)
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = ((ta * p[:, 0] + tb - p[:, 1]) ** 2).mean()
    loss.backward()
    return float(ta.grad), float(tb.grad)


def test_the_gradient_equals_finite_differences_and_autograd():
    rng = np.random.default_rng(3)
    for _ in range(25):
        n = int(rng.integers(1, 7))
        points = rng.normal(0, 3, (n, 2)).tolist()
        a, b = rng.normal(0, 4, 2).tolist()
        ga, gb = gradient(a, b, points)
        ta, tb = _torch_gradient(a, b, points)
        assert ga == pytest.approx(ta, abs=1e-9) and gb == pytest.approx(tb, abs=1e-9)
        h = 1e-6
        fa = (mse(a + h, b, points) - mse(a - h, b, points)) / (2 * h)
        fb = (mse(a, b + h, points) - mse(a, b - h, points)) / (2 * h)
        assert ga == pytest.approx(fa, rel=1e-6, abs=1e-6) and gb == pytest.approx(fb, rel=1e-6, abs=1e-6)
        assert mse(a, b, points) == pytest.approx(float(np.mean((np.array(points) @ [a, 0] + b
                                                                 - np.array(points)[:, 1]) ** 2)), abs=1e-9)


def test_one_step_written_out():
    s = descent_step(0.0, 0.0, 0.05, SLIDE_POINTS)
    # residuals −5, −9: loss (25 + 81)/2 = 53; ∂a = (−5·2 − 9·4) = −46; ∂b = −14
    assert (s.loss, s.grad_a, s.grad_b) == (53.0, -46.0, -14.0)
    assert (s.new_a, s.new_b) == pytest.approx((2.3, 0.7))
    lines = s.lines()
    assert lines[0] == "loss = 1/2·[(0·2 + 0 − 5)² + (0·4 + 0 − 9)²] = 53"
    assert lines[1] == "∂L/∂a = 2/2·[(−5)·2 + (−9)·4] = −46"
    assert lines[3] == "a ← 0 − 0.05·(−46) = 2.3"


def test_gradient_descent_converges_to_2_1():
    run = descend(0.0, 0.0, 0.08, 3000)
    assert not run.diverged
    assert (run.a, run.b) == pytest.approx((2.0, 1.0), abs=1e-9)
    assert run.loss < 1e-18
    losses = [s.loss for s in run.steps]
    assert losses[-1] < losses[100] < losses[0]


def test_too_large_a_rate_diverges_with_a_clear_message():
    assert stable_lr() == pytest.approx(2 / (11 + math.sqrt(117)))
    run = descend(0.0, 0.0, 0.1, 1000)
    assert run.diverged and len(run.steps) < 1000
    assert "too large" in divergence_message(0.1) and "0.0917" in divergence_message(0.1)
    assert not descend(0.0, 0.0, 0.09, 500).diverged


def test_the_lessons_numbers():
    numbers = parse_demo("fit-line").numbers()
    assert (numbers["solved.a"], numbers["solved.b"]) == ("2", "1")
    assert [numbers[f"trial{i}.error"] for i in range(1, 7)] == ["6", "−5", "2", "−1", "1", "0"]
    assert numbers["guess.prediction"] == "10" and numbers["guess.error"] == "0"
    assert numbers["loss"] == "0.0003"
    assert parse_demo("fit-line lr=0.5").numbers()["loss"] == "diverged"
