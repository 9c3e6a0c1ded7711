"""Fitting a line, as deck 003 does before any network: guesses, two equations solved, then gradient descent.

The slides' three pictures of training, in numbers:

- trial and error on ``10 = 3a + b``: each guess (a, b) predicts ``3a + b``; its error is the
  target minus the prediction (the slide's table: 1, 1 -> 4, error 6; …; 2, 4 -> 10, error 0);
- two known points, ``5 = 2a + b`` and ``9 = 4a + b``, pin the line down: ``b = 5 − 2a``,
  ``9 = 4a + 5 − 2a``, ``a = (9 − 5)/2 = 2``, ``b = 5 − 2·2 = 1``;
- gradient descent on the mean squared error of those points finds the same a and b step by step:
  ``L = 1/n Σ (a·x + b − y)²``, ``∂L/∂a = 2/n Σ (a·x + b − y)·x``, ``∂L/∂b = 2/n Σ (a·x + b − y)``,
  then ``a ← a − lr·∂L/∂a``, ``b ← b − lr·∂L/∂b``.

Plain numpy, float64; the texts use the app's number format (``core/format.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number

#: the slide's equation 10 = 3a + b: x = 3, target y = 10
SLIDE_X = 3.0
SLIDE_TARGET = 10.0
#: the slide's six guesses (a, b), the last one right
SLIDE_TRIALS: tuple[tuple[float, float], ...] = ((1, 1), (4, 3), (2, 2), (3, 2), (2, 3), (2, 4))
#: the two known points (x, y) of 5 = 2a + b and 9 = 4a + b
SLIDE_POINTS: tuple[tuple[float, float], ...] = ((2.0, 5.0), (4.0, 9.0))
#: gradient descent stops as diverged once the loss passes this (or stops being finite)
DIVERGED_LOSS = 1e12
#: the descent demo's defaults: start at a = b = 0, learning rate 0.05, 200 steps
DEFAULT_START = (0.0, 0.0)
DEFAULT_LR = 0.05
DEFAULT_STEPS = 200


def _n(value: float) -> str:
    return format_number(value, "operand")


def _signed(value: float) -> str:
    """'+ 3' or '− 3': a term after the first in a sum."""
    return f"− {_n(-value)}" if value < 0 else f"+ {_n(value)}"


# ------------------------------------------------------------------ trial and error
@dataclass(frozen=True)
class Trial:
    """One guess: ``prediction`` = x·a + b, ``error`` = target − prediction (the slide's sign)."""

    a: float
    b: float
    prediction: float
    error: float


def trial(a: float, b: float, x: float = SLIDE_X, target: float = SLIDE_TARGET) -> Trial:
    prediction = float(x) * float(a) + float(b)
    return Trial(float(a), float(b), prediction, float(target) - prediction)


def trial_table(trials: Sequence[tuple[float, float]] = SLIDE_TRIALS, x: float = SLIDE_X,
                target: float = SLIDE_TARGET) -> tuple[Trial, ...]:
    """The slide's table: each guess with its prediction and error."""
    return tuple(trial(a, b, x, target) for a, b in trials)


# ------------------------------------------------------------------ two equations
@dataclass(frozen=True)
class LineSolution:
    """The line through two points: ``a`` (slope), ``b`` (intercept), and the substitution written out."""

    a: float
    b: float
    lines: tuple[str, ...]


def solve_two_points(p1: tuple[float, float] = SLIDE_POINTS[0],
                     p2: tuple[float, float] = SLIDE_POINTS[1]) -> LineSolution:
    """Solve ``y1 = a·x1 + b``, ``y2 = a·x2 + b`` as the slide does (b from the first, put into the second)."""
    (x1, y1), (x2, y2) = (tuple(float(v) for v in p1), tuple(float(v) for v in p2))
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise CnnExplorerError("points: use finite numbers")
    if x1 == x2:
        raise CnnExplorerError(f"points: both have x = {_n(x1)}; two points with the same x do not fix one line "
                               "(no a, or every a, fits)")
    a = (y2 - y1) / (x2 - x1)
    b = y1 - a * x1
    lines = (f"{_n(y1)} = {_n(x1)}a + b,   {_n(y2)} = {_n(x2)}a + b",
             f"b = {_n(y1)} − {_n(x1)}a",
             f"{_n(y2)} = {_n(x2)}a + {_n(y1)} − {_n(x1)}a",
             f"a = ({_n(y2)} − {_n(y1)}) / ({_n(x2)} − {_n(x1)}) = {_n(a)}",
             f"b = {_n(y1)} − {_n(x1)}·{_n(a)} = {_n(b)}")
    return LineSolution(a, b, lines)


# ------------------------------------------------------------------ the loss and its gradient
def _points(points) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
        raise CnnExplorerError(f"points: expected (x, y) pairs, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise CnnExplorerError("points: use finite numbers")
    return arr[:, 0], arr[:, 1]


def residuals(a: float, b: float, points=SLIDE_POINTS) -> np.ndarray:
    """(n,) a·x + b − y for each point."""
    x, y = _points(points)
    return a * x + b - y


def mse(a: float, b: float, points=SLIDE_POINTS) -> float:
    """Mean squared error of the line a·x + b over ``points``."""
    r = residuals(a, b, points)
    return float(np.mean(r * r))


def gradient(a: float, b: float, points=SLIDE_POINTS) -> tuple[float, float]:
    """(∂L/∂a, ∂L/∂b) of :func:`mse`: (2/n Σ r·x, 2/n Σ r) with r = a·x + b − y."""
    x, _y = _points(points)
    r = residuals(a, b, points)
    n = len(r)
    return float(2.0 / n * np.sum(r * x)), float(2.0 / n * np.sum(r))


def stable_lr(points=SLIDE_POINTS) -> float:
    """The learning rate below which plain gradient descent on :func:`mse` converges: 2 / the Hessian's largest
    eigenvalue (the Hessian is constant, 2/n [[Σx², Σx], [Σx, n]])."""
    x, _y = _points(points)
    n = len(x)
    hessian = 2.0 / n * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), n]])
    return float(2.0 / np.linalg.eigvalsh(hessian)[-1])


@dataclass(frozen=True)
class DescentStep:
    """One step of gradient descent: where it started (``a``, ``b``, ``loss``), the gradient, where it went."""

    step: int
    a: float
    b: float
    loss: float
    grad_a: float
    grad_b: float
    lr: float
    new_a: float
    new_b: float
    residuals: tuple[float, ...]

    def lines(self, points=SLIDE_POINTS) -> tuple[str, ...]:
        """The step's arithmetic, one line a quantity, with the numbers put in."""
        x, y = _points(points)
        n = len(x)
        r = self.residuals
        terms = " + ".join(f"({_n(self.a)}·{_n(xi)} + {_n(self.b)} − {_n(yi)})²" for xi, yi in zip(x, y))
        grad_a_terms = " + ".join(f"({_n(ri)})·{_n(xi)}" for ri, xi in zip(r, x))
        grad_b_terms = " + ".join(f"({_n(ri)})" for ri in r)
        return (f"loss = 1/{n}·[{terms}] = {_n(self.loss)}",
                f"∂L/∂a = 2/{n}·[{grad_a_terms}] = {_n(self.grad_a)}",
                f"∂L/∂b = 2/{n}·[{grad_b_terms}] = {_n(self.grad_b)}",
                f"a ← {_n(self.a)} − {_n(self.lr)}·({_n(self.grad_a)}) = {_n(self.new_a)}",
                f"b ← {_n(self.b)} − {_n(self.lr)}·({_n(self.grad_b)}) = {_n(self.new_b)}")


def descent_step(a: float, b: float, lr: float, points=SLIDE_POINTS, step: int = 1) -> DescentStep:
    """One gradient-descent step from (a, b) with learning rate ``lr``."""
    if not (math.isfinite(lr) and lr > 0):
        raise CnnExplorerError(f"learning rate: must be a positive number, got {lr!r}")
    r = residuals(a, b, points)
    loss = float(np.mean(r * r))
    ga, gb = gradient(a, b, points)
    return DescentStep(step, float(a), float(b), loss, ga, gb, float(lr), a - lr * ga, b - lr * gb,
                       tuple(float(v) for v in r))


@dataclass(frozen=True)
class Descent:
    """Gradient descent's steps; ``diverged`` when the loss grew past :data:`DIVERGED_LOSS` (lr too large)."""

    steps: tuple[DescentStep, ...]
    a: float
    b: float
    loss: float
    diverged: bool


def descend(a: float = DEFAULT_START[0], b: float = DEFAULT_START[1], lr: float = DEFAULT_LR,
            steps: int = DEFAULT_STEPS, points=SLIDE_POINTS) -> Descent:
    """``steps`` steps of gradient descent from (a, b); stops early (diverged) when the loss explodes."""
    if not (isinstance(steps, int) and steps >= 0):
        raise CnnExplorerError(f"steps: must be a whole number from 0, got {steps!r}")
    done: list[DescentStep] = []
    for i in range(1, steps + 1):
        s = descent_step(a, b, lr, points, i)
        a, b = s.new_a, s.new_b
        done.append(s)
        if not (math.isfinite(a) and math.isfinite(b)) or s.loss > DIVERGED_LOSS:
            return Descent(tuple(done), a, b, math.inf, True)
    loss = mse(a, b, points)
    return Descent(tuple(done), a, b, loss, not math.isfinite(loss) or loss > DIVERGED_LOSS)


def divergence_message(lr: float, points=SLIDE_POINTS) -> str:
    """Why a descent blew up, and the largest rate that works."""
    return (f"the learning rate {_n(lr)} is too large for these points: every step overshoots and the loss grows; "
            f"rates below {_n(stable_lr(points))} converge")


# ------------------------------------------------------------------ the lesson's numbers
def fit_line_numbers(params: Mapping[str, object]) -> dict[str, str]:
    """The ``{demo.KEY}`` texts of the fit-line demo (see core/lessons/demos.py for the keys)."""
    guess = trial(float(params["a"]), float(params["b"]))
    solution = solve_two_points()
    steps = int(params["steps"])
    run = descend(float(params["start-a"]), float(params["start-b"]), float(params["lr"]), steps)
    out = {"solved.a": _n(solution.a), "solved.b": _n(solution.b),
           "guess.prediction": _n(guess.prediction), "guess.error": _n(guess.error),
           "steps": f"{steps:,}", "lr": _n(float(params["lr"])),
           "descent.a": _n(run.a) if not run.diverged else "diverged",
           "descent.b": _n(run.b) if not run.diverged else "diverged",
           "loss": _n(run.loss) if not run.diverged else "diverged",
           "stable-lr": _n(stable_lr())}
    for i, t in enumerate(trial_table(), start=1):
        out[f"trial{i}.prediction"] = _n(t.prediction)
        out[f"trial{i}.error"] = _n(t.error)
    return out
