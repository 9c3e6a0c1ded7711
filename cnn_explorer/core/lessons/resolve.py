"""Validating a parsed lesson: each step's state resolved against the samples, kernels, settings and sizes.

``load_lesson(path)`` / ``lesson_from_text(text)`` return a :class:`~.state.Lesson`
whose every step is computed by core (``run_pipeline``), so highlights, questions
and errata are checked against the real maps and the text's placeholders are
filled with computed numbers. Any mistake is a ``LessonError`` naming the line.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from cnn_explorer.core.conv.pipeline import PipelineResult, run_pipeline
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.lessons import directives as read
from cnn_explorer.core.lessons.compute import (
    arithmetic_at,
    kernel_stack,
    stage_map,
    value_at,
)
from cnn_explorer.core.lessons.datasets import parse_dataset
from cnn_explorer.core.lessons.demos import parse_demo
from cnn_explorer.core.lessons.parse import (
    Directive,
    LessonError,
    StepSource,
    parse_lesson,
    read_lesson_text,
)
from cnn_explorer.core.lessons.state import (
    PAGES,
    STAGES,
    VIEWS,
    Erratum,
    Highlight,
    Lesson,
    LessonStep,
    ModelView,
    Question,
    StepState,
    Target,
)
from cnn_explorer.core.lessons.text import fill_text
from cnn_explorer.core.model.shapes import format_table

#: what a sample's group makes its input (the explorer's caption says "slide", "synthetic" or "photo")
SAMPLE_KINDS_BY_GROUP = {"slides": "slide", "synthetic": "synthetic", "photos": "photo"}
_ALL_DIRECTIVES_ORDER = ("page", "dataset", "view", "sample", "picture", "grid", "input", "kernel", "kernels", "settings",
                         "activation", "pool", "stage", "step", "highlight", "model", "question", "choice",
                         "show-both", "demo")


def lesson_from_text(text: str, source: str = "lesson", *, name: str = "", path: str = "") -> Lesson:
    """Parse and validate lesson ``text``; ``source`` names it in messages."""
    parsed = parse_lesson(text, source)
    steps: list[LessonStep] = []
    previous = StepState()
    base = Path(path).parent if path else None
    for index, step in enumerate(parsed.steps):
        resolved = _resolve_step(step, index, previous, parsed.source, base)
        steps.append(resolved)
        previous = resolved.state
    intro = "\n\n".join(p for _, p in parsed.intro)
    return Lesson(name or Path(source).stem, parsed.title, tuple(steps), intro, path, text)


def load_lesson(path: str | Path) -> Lesson:
    """The lesson in the file ``path``, validated (LessonError naming the line, CnnExplorerError for the file)."""
    text, source = read_lesson_text(path)
    return lesson_from_text(text, source, name=Path(path).stem, path=str(path))


def _fail(source: str, directive: Directive | StepSource, exc: Exception | str) -> LessonError:
    reason = str(exc) if not isinstance(exc, str) else exc
    name = f"@{directive.name}: " if isinstance(directive, Directive) else ""
    if isinstance(directive, Directive) and reason.startswith(f"{directive.name}: "):
        reason = reason[len(directive.name) + 2:]    # "@sample: unknown '999'", not "@sample: sample: …"
    return LessonError(source, directive.line, f"{name}{reason}")


def _resolve_step(step: StepSource, index: int, previous: StepState, source: str,
                  base: Path | None = None) -> LessonStep:
    seen: dict[str, Directive] = {}
    for d in step.directives:
        if d.name in seen:
            raise _fail(source, d, f"given twice in this step (also on line {seen[d.name].line})")
        seen[d.name] = d
    inputs = [d for d in step.directives if d.name in ("sample", "picture", "grid", "input")]
    if len(inputs) > 1:
        raise _fail(source, inputs[1], f"a step has one input; @{inputs[0].name} on line {inputs[0].line} "
                                        "already sets it")
    state = dataclasses.replace(previous, page="explorer", view="step", stage="conv", kernel_index=0, position=0,
                                highlight=None, question=None, erratum=None, model=None, demo=None,
                                dataset=None)
    for name in _ALL_DIRECTIVES_ORDER:
        d = seen.get(name)
        if d is None or name in ("stage", "step", "highlight", "question", "choice", "show-both"):
            continue
        try:
            state = _apply(state, d, base)
        except LessonError:
            raise
        except CnnExplorerError as exc:
            row = re.search(r"\(line (\d+)\)", str(exc))   # a grid's row names its own line
            raise _fail(source, dataclasses.replace(d, line=int(row.group(1))) if row else d, exc) from None
    result = None
    if state.page == "explorer":
        if not state.kernels:
            raise _fail(source, step, f"step {step.title!r}: missing kernel; give @sample, @kernel or @kernels "
                                      "(a later step keeps it)")
        if state.image is not None:
            try:
                result = run_pipeline(state.image, kernel_stack(state), state.conv, state.activation, state.pool,
                                      precision="exact")
            except CnnExplorerError as exc:
                raise _fail(source, _culprit(str(exc), seen, inputs, step), f"impossible here: {exc}") from None
    state = _apply_pointers(state, seen, result, source, step)
    text = fill_text(step.paragraphs, state, result, source)
    return LessonStep(index, step.title, text, step.line, state, result)




def _culprit(message: str, seen: dict, inputs: list, step: StepSource):
    """The directive an impossible combination is most likely about (pooling, kernel, settings, input)."""
    first = message.split(":")[0].lower()
    order = (("pool", "settings", "kernel", "kernels") if first.startswith("pool") else
             ("kernel", "kernels", "settings", "pool") if first.startswith("kernel") else
             ("settings", "pool", "kernel", "kernels"))
    found = [seen[name] for name in order if name in seen]
    return found[0] if found else inputs[0] if inputs else step


def _apply(state: StepState, d: Directive, base: Path | None = None) -> StepState:
    """One state directive (input, kernels, settings, page, dataset, view, model) applied to ``state``."""
    name, args = d.name, d.args
    if name == "dataset":
        if state.page != "train":
            raise CnnExplorerError("the dataset is the Train page's: add @page train to this step")
        return dataclasses.replace(state, dataset=parse_dataset(args, base))
    if name == "page":
        if args.strip().lower() not in PAGES:
            raise CnnExplorerError(f"unknown page {args.strip()!r}; use {', '.join(PAGES)}")
        return dataclasses.replace(state, page=args.strip().lower())
    if name == "view":
        if args.strip().lower() not in VIEWS:
            raise CnnExplorerError(f"unknown view {args.strip()!r}; use step or maps")
        return dataclasses.replace(state, view=args.strip().lower())
    if name == "sample":
        s = read.sample(args)
        kernels = [read.kernel(k) if isinstance(k, str) else (np.asarray(k, dtype=np.float64), None)
                   for k in (s.kernels or (s.kernel,))]
        return dataclasses.replace(
            state, image=np.asarray(s.image, dtype=np.float64), image_name=s.name,
            image_kind=SAMPLE_KINDS_BY_GROUP.get(s.group, "image"),
            kernels=tuple(k for k, _ in kernels), kernel_names=_names(kernels),
            conv=s.conv, activation=s.activation, pool=s.pool)
    if name == "picture":
        s = read.sample(args)
        return dataclasses.replace(state, image=np.asarray(s.image, dtype=np.float64), image_name=s.name,
                                   image_kind=SAMPLE_KINDS_BY_GROUP.get(s.group, "image"))
    if name == "grid":
        if args:
            raise CnnExplorerError("write the grid's rows on the lines below @grid, then @end")
        return dataclasses.replace(state, image=read.grid(d.block), image_name="lesson grid", image_kind="grid")
    if name == "input":
        if args.strip().lower() != "keep":
            raise CnnExplorerError(f"@input takes keep (the user's drawing stays), got {args.strip()!r}")
        return dataclasses.replace(state, image=None, image_name="", image_kind="keep")
    if name in ("kernel", "kernels"):
        found = [read.kernel(args)] if name == "kernel" else read.kernels(args)
        return dataclasses.replace(state, kernels=tuple(k for k, _ in found), kernel_names=_names(found))
    if name == "settings":
        return dataclasses.replace(state, conv=read.settings(args, state.conv))
    if name == "activation":
        return dataclasses.replace(state, activation=read.activation(args))
    if name == "pool":
        return dataclasses.replace(state, pool=read.pool(args))
    if name == "model":
        spec, rows, shown = read.model_table(args)
        text = format_table(rows, input_shape=shown)
        return dataclasses.replace(state, model=ModelView(spec, rows, text))
    if name == "demo":
        if state.page != "explorer" and state.page != "demos":
            raise CnnExplorerError(f"a demo shows on the Demos page, not on the {state.page} page (drop @page)")
        return dataclasses.replace(state, page="demos", demo=parse_demo(args))
    raise CnnExplorerError(f"@{name} is not a state directive")  # pragma: no cover - the order list names them


def _names(found: list[tuple[np.ndarray, str | None]]) -> tuple[str, ...]:
    """Preset names, and "kernel N" for rows written in the lesson (short: they name the editor's tabs)."""
    return tuple(name or f"kernel {i + 1}" for i, (_, name) in enumerate(found))




def target_of(args: str, result: PipelineResult | None, stage: str, k: int) -> tuple[str, Target, dict]:
    """(kind, target, options) of "cell R,C | row R | window R,C | value V [on conv|pool] [kernel K] [opt=...]"."""
    if result is None:
        raise CnnExplorerError("needs an input the lesson knows (@sample, @picture or @grid), not the user's drawing")
    words, pairs = read.options(args.split(":")[0])
    if not words:
        raise CnnExplorerError("say what: cell R,C, row R, window R,C or value V")
    kind, rest = words[0].lower(), words[1:]
    if "on" in (w.lower() for w in rest):
        at = [w.lower() for w in rest].index("on")
        if at + 1 >= len(rest) or rest[at + 1].lower() not in STAGES:
            raise CnnExplorerError("write on conv or on pool")
        stage = rest[at + 1].lower()
        rest = rest[:at] + rest[at + 2:]
    if "kernel" in (w.lower() for w in rest):
        at = [w.lower() for w in rest].index("kernel")
        k = read.whole(rest[at + 1] if at + 1 < len(rest) else "", "kernel") - 1
        rest = rest[:at] + rest[at + 2:]
    maps = stage_map(result, stage)
    if not 0 <= k < maps.shape[0]:
        raise CnnExplorerError(f"kernel {k + 1}: the step has {maps.shape[0]} kernel(s)")
    oh, ow = maps.shape[1:3]
    where = f"the {'pooled' if stage == 'pool' else 'feature'} map ({oh}×{ow})"
    value = " ".join(rest)
    if kind == "cell":
        i, j = read.cell(value)
    elif kind == "row":
        i, j = read.whole(value, "row", 0), 0
    elif kind == "window":
        if stage != "conv":
            raise CnnExplorerError("window: the windows of the convolution (on conv)")
        r, c = read.cell(value, "window")
        sr, sc = result.conv.settings.stride
        if r % sr or c % sc:
            raise CnnExplorerError(f"window {r},{c}: with stride {sr} no window starts there")
        i, j = r // sr, c // sc
    elif kind == "value":
        try:
            wanted = read.parse_number(value)
        except ValueError as exc:
            raise CnnExplorerError(f"value: {exc}") from None
        hits = np.argwhere(np.isclose(maps[k], wanted, rtol=0, atol=1e-9))
        if not len(hits):
            raise CnnExplorerError(f"value {value}: no cell of {where} holds it")
        i, j = (int(v) for v in hits[0])
    else:
        raise CnnExplorerError(f"unknown kind {kind!r}; use cell, row, window or value")
    if not (0 <= i < oh and 0 <= j < ow):
        raise CnnExplorerError(f"{kind} {value} is outside {where}")
    return kind, Target(stage, k, i, j), pairs






def _tolerance(result: PipelineResult, target: Target, given: str | None) -> float:
    """Exact for whole-number maps; else half a unit of the two decimals the map cells show."""
    if given is not None:
        try:
            value = read.parse_number(given)
        except ValueError as exc:
            raise CnnExplorerError(f"tolerance: {exc}") from None
        if value < 0:
            raise CnnExplorerError("tolerance: must be 0 or more")
        return value
    maps = stage_map(result, target.stage)
    return 0.0 if np.all(np.isclose(maps, np.round(maps), rtol=0, atol=1e-9)) else 0.005


def _apply_pointers(state: StepState, seen: dict, result, source: str, step: StepSource) -> StepState:
    """Stage, animation position, highlight, question and erratum, checked against the computed maps."""
    try:
        if "stage" in seen:
            stage = seen["stage"].args.strip().lower()
            if stage not in STAGES:
                raise _fail(source, seen["stage"], f"unknown stage {stage!r}; use conv or pool")
            if stage == "pool" and state.pool is None:
                raise _fail(source, seen["stage"], "the step has no pooling to animate (add @pool max 2)")
            state = dataclasses.replace(state, stage=stage)
        if "step" in seen:
            d = seen["step"]
            if "highlight" in seen:
                raise _fail(source, d, f"give @step or @highlight (line {seen['highlight'].line}), not both")
            position = -1 if d.args.strip().lower() == "end" else read.whole(d.args, "step") - 1
            if result is not None and position >= 0:
                count = int(np.prod(stage_map(result, state.stage).shape[1:3]))
                if position >= count:
                    raise _fail(source, d, f"step {position + 1}: the animation has {count} steps")
            state = dataclasses.replace(state, position=position)
        for name in ("highlight", "question", "choice", "show-both"):
            d = seen.get(name)
            if d is None:
                continue
            try:
                kind, target, pairs = target_of(d.args, result, state.stage, state.kernel_index)
            except CnnExplorerError as exc:
                raise _fail(source, d, exc) from None
            state = _pointer(state, name, d, kind, target, pairs, result, source)
    except LessonError:
        raise
    return state


def _pointer(state, name, d, kind, target, pairs, result, source) -> StepState:
    value = value_at(result, target)
    moved = dataclasses.replace(state, stage=target.stage, kernel_index=target.k,
                                position=target.i * stage_map(result, target.stage).shape[2] + target.j)
    if name == "highlight":
        return dataclasses.replace(moved, highlight=Highlight(kind, target, value))
    if name == "show-both":
        if "slide" not in pairs:
            raise _fail(source, d, "missing slide=VALUE: what the slide prints at that cell")
        try:
            slide = read.parse_number(pairs["slide"])
        except ValueError as exc:
            raise _fail(source, d, f"slide: {exc}") from None
        if abs(slide - value) < 1e-9:
            raise _fail(source, d, f"slide={pairs['slide']} equals the computed value: that is no erratum")
        return dataclasses.replace(moved, erratum=Erratum(target, slide, value),
                                   highlight=moved.highlight or Highlight("cell", target, value))
    tolerance = _tolerance(result, target, pairs.get("tolerance"))
    choices: tuple[float, ...] = ()
    if name == "choice":
        _, colon, listed = d.args.partition(":")
        if not colon:
            raise _fail(source, d, "write the choices after a colon: cell 3,3: 0 | 1 | 2")
        try:
            choices = tuple(read.parse_number(c) for c in listed.split("|") if c.strip())
        except ValueError as exc:
            raise _fail(source, d, f"choices: {exc}") from None
        right = [c for c in choices if abs(c - value) <= tolerance + 1e-9]
        if len(choices) < 2 or len(right) != 1:
            raise _fail(source, d, f"choices: give two or more, exactly one of them the computed "
                                   f"{format_number(value, 'cell')}")
    arithmetic = arithmetic_at(result, state, target)
    question = Question(target, value, tolerance, choices, arithmetic)
    return dataclasses.replace(moved, question=question)
