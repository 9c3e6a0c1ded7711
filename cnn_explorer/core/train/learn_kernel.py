"""Learning one kernel by gradient descent: the "learn-kernel" demo's inputs, targets and numbers.

A target map is made by a hidden target kernel (slide 004's diagonal feature by default) on a small
input (slide 004's 9×9 X by default). A kernel starting from zeros (or random numbers, or typed ones)
follows w ← w − lr·dL/dw with L = mean((y − t)²) until it is the target's (the maths is in
``core.conv.gradients``). With the default rate the kernel equals the target's to 2 decimals in
67 steps and to 1e-6 in 189. The map is linear in w, so L is a quadratic bowl: gradient
descent is stable for rates below 2/λmax of its Hessian (``stable_rate``), and it finds the target
kernel only when the input's windows pin every weight down (``determined``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from cnn_explorer.core.conv.convolution import ConvSettings
from cnn_explorer.core.conv.gradients import (
    DescentStep,
    descent_step,
    forward_map,
    mse_loss,
)
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.core.kernels.samples import O_IMAGE

#: input name -> (what it is, the grid)
INPUTS: dict[str, tuple[str, np.ndarray]] = {
    "x": ("The 9×9 X of slide 004 (±1)", seeds.SLIDE_004_X_IMAGE),
    "o": ("The 9×9 O of the X/O lesson (±1)", O_IMAGE),
    "6x6": ("Slide 000-1's 6×6 picture, pixels ÷ 255", seeds.SLIDE_000_1_IMAGE / 255.0),
    "face": ("Slide 000-4's 7×7 happy face (0/1)", seeds.SLIDE_000_4_IMAGE),
}
#: target name -> (what it is, the hidden kernel that makes the target map)
TARGETS: dict[str, tuple[str, np.ndarray]] = {
    "diagonal": ("Diagonal \\ feature of slide 004", seeds.SLIDE_004_DIAGONAL),
    "x": ("X feature of slide 004", seeds.SLIDE_004_X),
    "anti-diagonal": ("Anti-diagonal / feature of slide 004", seeds.SLIDE_004_ANTI_DIAGONAL),
    "sobel-top": ("Top Sobel (slide 001-1)", get_preset("sobel-top").values),
    "sobel-left": ("Left Sobel", get_preset("sobel-left").values),
}
STARTS = ("zeros", "random")
PADDINGS = ("valid", "same", "0", "1", "2")
DEFAULT_RATE = 0.1
#: the kernel has converged when every cell is within this of the target's (it then shows its 2 decimals)
CONVERGED = 0.005
#: the most steps the demo takes (and counts to when converging)
MAX_STEPS = 10_000
#: the most steps a lesson opens the demo at (taken at once, a fraction of a second)
MAX_OPEN_STEPS = 500
#: a loss past this has diverged
DIVERGED = 1e12


def padding_value(text: str) -> str | int:
    """'valid' | 'same' | a whole number of cells on every side, from the demo's parameter text."""
    t = str(text).strip().lower()
    return int(t) if t.isdigit() else t


def start_kernel(start: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """The first kernel: zeros, or numbers in [−1, 1] (2 decimals, to read them) drawn with ``seed``."""
    if start == "zeros":
        return np.zeros(shape)
    if start == "random":
        return np.round(np.random.default_rng(int(seed)).uniform(-1.0, 1.0, shape), 2)
    raise CnnExplorerError(f"start: use one of {', '.join(STARTS)}, got {start!r}")


@dataclass(frozen=True, eq=False)
class KernelLearning:
    """One input, one hidden target kernel, the convolution's settings, the rate and the first kernel.

    ``target_map`` is what the target kernel makes of the input; every step compares the current
    kernel's map with it. Raises CnnExplorerError (with the reason) for impossible settings.
    """

    image: np.ndarray
    target_kernel: np.ndarray
    settings: ConvSettings = ConvSettings()
    rate: float = DEFAULT_RATE
    start: np.ndarray | None = None
    target_map: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        image = np.array(self.image, dtype=np.float64)
        target = np.array(self.target_kernel, dtype=np.float64)
        start = np.zeros(target.shape) if self.start is None else np.array(self.start, dtype=np.float64)
        if start.shape != target.shape:
            raise CnnExplorerError(f"start: the kernel must be {target.shape[0]}×{target.shape[1]} like the "
                                   f"target's, got {'×'.join(str(n) for n in start.shape)}")
        if not np.isfinite(start).all():
            raise CnnExplorerError("start: every kernel cell must be a finite number")
        rate = float(self.rate)
        if not np.isfinite(rate) or rate <= 0:
            raise CnnExplorerError(f"rate: must be a number above 0, got {self.rate!r}")
        t = forward_map(image, target, self.settings)        # raises when the kernel does not fit
        for name, arr in (("image", image), ("target_kernel", target), ("start", start), ("target_map", t)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "rate", rate)

    def step(self, kernel) -> DescentStep:
        """One step of gradient descent from ``kernel``."""
        return descent_step(self.image, kernel, self.target_map, self.settings, self.rate)

    def loss(self, kernel) -> float:
        return mse_loss(forward_map(self.image, kernel, self.settings), self.target_map)

    def kernels(self, steps: int) -> list[np.ndarray]:
        """The kernel before step 1, 2, …: ``steps + 1`` kernels from the start (fewer if the loss diverges)."""
        out = [self.start]
        for _ in range(int(steps)):
            record = self.step(out[-1])
            if not record.loss < DIVERGED:
                break
            out.append(record.new_kernel)
        return out

    def converged(self, kernel) -> bool:
        return bool(np.max(np.abs(np.asarray(kernel) - self.target_kernel)) <= CONVERGED)

    def steps_to_converge(self, limit: int = MAX_STEPS) -> int | None:
        """Steps from the start until every kernel cell is within CONVERGED of the target's (None: not in ``limit``).

        The map is linear in w (y = Jw + b, t = Jw* + b), so a step moves the kernel's error e = w − w* to
        (I − lr·2JᵀJ/N)·e exactly: the count iterates that 9×9 matrix instead of convolving (a 10,000-step
        count takes milliseconds) and equals the steps the demo takes (a test checks).
        """
        j = self.jacobian()
        step = np.eye(j.shape[1]) - self.rate * 2.0 * (j.T @ j) / j.shape[0]
        error = (self.start - self.target_kernel).ravel()
        start = max(float(np.max(np.abs(error))), 1.0)
        for n in range(int(limit) + 1):
            if np.max(np.abs(error)) <= CONVERGED:
                return n
            moved = step @ error
            if not np.max(np.abs(moved)) < start * DIVERGED or np.max(np.abs(moved - error)) < 1e-13:
                return None                 # diverged, or settled on another kernel that makes the same map
            error = moved
        return None

    def jacobian(self) -> np.ndarray:
        """(map cells, kernel cells): how each kernel cell moves each map cell (the map is linear in w)."""
        size = self.target_kernel.size
        columns = []
        for n in range(size):
            unit = np.zeros(size)
            unit[n] = 1.0
            columns.append(forward_map(self.image, unit.reshape(self.target_kernel.shape),
                                       dataclasses.replace(self.settings, bias=0.0)).ravel())
        return np.stack(columns, axis=1)

    def stable_rate(self) -> float:
        """Rates below this make the loss fall at every step: 2 / the largest eigenvalue of L's Hessian 2·JᵀJ/N."""
        j = self.jacobian()
        top = float(np.linalg.eigvalsh(2.0 * j.T @ j / j.shape[0])[-1])
        return 2.0 / top if top > 0 else float("inf")

    def determined(self) -> bool:
        """Whether the map pins every kernel cell down (else other kernels make the very same map)."""
        j = self.jacobian()
        return int(np.linalg.matrix_rank(j)) == j.shape[1]

    def advice(self) -> str:
        """What to expect when the settings will not lead to the target's kernel ("" when they do)."""
        stable = self.stable_rate()
        if self.rate >= stable:
            return (f"At rate {format_number(self.rate)} each step overshoots: the loss will grow. For this input "
                    f"and these settings it falls only below {format_number(stable)}.")
        if not self.determined():
            return (f"The map has {self.target_map.size} cells for {self.target_kernel.size} kernel weights, and "
                    "other kernels make the very same map: the loss can reach 0 while the kernel differs from the "
                    "target's.")
        return ""


class LearningHistory:
    """The kernels one learning went through: ``kernels[n]`` after n steps, ``losses[n]`` its loss, ``at`` the
    step shown. Going back and forth keeps the steps taken; a new rate keeps those up to ``at``."""

    def __init__(self, learning: KernelLearning) -> None:
        self.learning = learning
        self.kernels: list[np.ndarray] = [learning.start]
        self.losses: list[float] = [learning.loss(learning.start)]
        self.at = 0

    @property
    def kernel(self) -> np.ndarray:
        return self.kernels[self.at]

    def forward(self) -> str:
        """One step on: "" when taken, else why not: "diverged" (the loss exploded) or "limit" (MAX_STEPS)."""
        if self.at + 1 < len(self.kernels):
            self.at += 1
            return ""
        if len(self.kernels) > MAX_STEPS:
            return "limit"
        record = self.learning.step(self.kernels[-1])
        loss = self.learning.loss(record.new_kernel)
        if not loss < DIVERGED:
            return "diverged"
        self.kernels.append(record.new_kernel)
        self.losses.append(loss)
        self.at += 1
        return ""

    def back(self) -> bool:
        if self.at == 0:
            return False
        self.at -= 1
        return True

    def reset(self) -> None:
        """Back to the first kernel, the steps taken forgotten."""
        del self.kernels[1:], self.losses[1:]
        self.at = 0

    def with_rate(self, rate: float) -> LearningHistory:
        """The same steps up to the one shown, continued at ``rate`` (CnnExplorerError for a bad rate)."""
        other = LearningHistory.__new__(LearningHistory)
        other.learning = dataclasses.replace(self.learning, rate=rate)
        other.kernels, other.losses = self.kernels[:self.at + 1], self.losses[:self.at + 1]
        other.at = self.at
        return other


def learning_from_params(params: Mapping[str, object], start: np.ndarray | None = None,
                         image: np.ndarray | None = None) -> KernelLearning:
    """The demo's learning for its parameters (``start``/``image`` replace the ones they name, e.g. typed)."""
    if image is None:
        image = INPUTS[str(params["input"])][1]
    target = TARGETS[str(params["target"])][1]
    if start is None:
        start = start_kernel(str(params["start"]), target.shape, int(params.get("seed", 0)))
    settings = ConvSettings(stride=int(params["stride"]), padding=padding_value(str(params["padding"])))
    return KernelLearning(image, target, settings, float(params["lr"]), start)


def learn_kernel_numbers(params: Mapping[str, object]) -> dict[str, str]:
    """The ``{demo.KEY}`` texts: loss at the opened step and after one more, dL/dw[0,0] there, kernel[0,0] after
    the step, and the steps from the start to the target's kernel (to 2 decimals)."""
    learning = learning_from_params(params)
    steps = int(params["steps"])
    kernels = learning.kernels(steps)
    record = learning.step(kernels[-1])
    converge = learning.steps_to_converge()
    return {
        "loss": format_number(record.loss),
        "loss.next": format_number(learning.loss(record.new_kernel)),
        "gradient.0.0": format_number(float(record.grad_kernel[0, 0])),
        "kernel.0.0": format_number(float(record.new_kernel[0, 0])),
        "steps.converge": f"{converge:,}" if converge is not None else _never(learning),
        "rate": format_number(learning.rate),
        "rate.stable": format_number(learning.stable_rate()),
    }


def _never(learning: KernelLearning) -> str:
    """Why the kernel does not reach the target's, in a few words (the ``steps.converge`` text)."""
    if learning.rate >= learning.stable_rate():
        return "never (the loss grows)"
    if not learning.determined():
        return "never (other kernels make the same map)"
    return f"more than {MAX_STEPS:,}"
