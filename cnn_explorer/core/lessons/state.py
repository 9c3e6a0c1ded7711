"""What a lesson step shows, resolved to arrays and settings: the player applies it, the text reads it.

A step's state is the previous step's (input, kernels, settings) with its own
directives applied; what it points at (the stage, the animation position, a
highlight, a question, an erratum, a model) belongs to the step alone.
Rows and columns count from 0, as the app's grids label them (the lesson file writes them so too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.pipeline import PipelineResult
from cnn_explorer.core.io.grid_text import parse_number
from cnn_explorer.core.lessons.datasets import DatasetRef
from cnn_explorer.core.lessons.demos import DemoRef

#: the pages a step can show
PAGES = ("explorer", "train", "classify", "demos")
#: the explorer tabs a step can put in front
VIEWS = ("step", "maps")
#: the animated stages (the stage combo's data)
STAGES = ("conv", "pool")


@dataclass(frozen=True)
class Target:
    """One cell of one map: ``stage`` "conv" (the feature map) or "pool", kernel ``k``, cell (``i``, ``j``)."""

    stage: str
    k: int
    i: int
    j: int

    def label(self) -> str:
        """"row 2, column 1", as the app's grids label rows and columns (from 0)."""
        return f"row {self.i}, column {self.j}"


@dataclass(frozen=True)
class Highlight:
    """What the step points at: ``kind`` cell | row | window | value, shown as the animation at ``target``."""

    kind: str
    target: Target
    value: float | None = None


@dataclass(frozen=True)
class Question:
    """Ask for the value at ``target``: typed (``choices`` empty) or one of ``choices``; ``answer`` is core's."""

    target: Target
    answer: float
    tolerance: float
    choices: tuple[float, ...] = ()
    arithmetic: str = ""

    def check(self, text: str) -> bool | None:
        """True/False for an answer; None when ``text`` is not a number (the student is told, not marked)."""
        try:
            value = parse_number(text)
        except ValueError:
            return None
        return math.isclose(value, self.answer, rel_tol=0.0, abs_tol=self.tolerance + 1e-9)


@dataclass(frozen=True)
class Erratum:
    """A slide's wrong value at ``target``: ``slide`` is what it prints, ``right`` what core computes."""

    target: Target
    slide: float
    right: float


@dataclass(frozen=True)
class ModelView:
    """A model spec's table: ``rows`` are ``core.model.shapes.LayerRow``; ``text`` the aligned table."""

    spec: object
    rows: tuple
    text: str

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)


@dataclass(frozen=True, eq=False)
class StepState:
    """The app state one step shows.

    ``image`` None: keep the user's input. ``kernel_specs``: per kernel, a preset name or None
    (inline rows). ``position``: the animation step (0-based), -1 for the last one.
    """

    page: str = "explorer"
    view: str = "step"
    image: np.ndarray | None = None
    image_name: str = ""
    image_kind: str = "grid"
    kernels: tuple[np.ndarray, ...] = ()
    kernel_names: tuple[str, ...] = ()
    conv: ConvSettings = field(default_factory=ConvSettings)
    activation: str = "none"
    pool: PoolSettings | None = None
    stage: str = "conv"
    kernel_index: int = 0
    position: int = 0
    highlight: Highlight | None = None
    question: Question | None = None
    erratum: Erratum | None = None
    model: ModelView | None = None
    demo: DemoRef | None = None
    dataset: DatasetRef | None = None


@dataclass(frozen=True, eq=False)
class LessonStep:
    """A resolved step: its title, text (placeholders filled, still marked up), state and computed result."""

    index: int
    title: str
    text: str
    line: int
    state: StepState
    result: PipelineResult | None = None


@dataclass(frozen=True, eq=False)
class Lesson:
    """A validated lesson: ``name`` (file stem), ``title``, ``steps``, ``intro`` text and the ``path`` if any."""

    name: str
    title: str
    steps: tuple[LessonStep, ...]
    intro: str = ""
    path: str = ""
    source_text: str = ""

    def __len__(self) -> int:
        return len(self.steps)
