"""``cnn-explorer lessons``: list the shipped lessons, check a lesson file, or print a lesson's steps."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "lessons", help="list the shipped lessons; `lessons check FILE` validates a lesson file",
        description="With no action, list the shipped lessons, one a line: name, steps, title. "
                    "`check FILE` validates a lesson file (exit 2 and the line of the first mistake); "
                    "`show NAME` prints a lesson's steps with the numbers core computes for them; "
                    "`demos` lists the demos a step opens with @demo, their parameters and {demo.KEY} numbers. "
                    "`cnn-explorer --lesson NAME [--step N]` opens the window in a lesson. "
                    "The format: resources/lessons/FORMAT.md.",
    )
    p.add_argument("action", nargs="?", choices=("check", "show", "demos"),
                   help="check FILE, show NAME or demos")
    p.add_argument("target", nargs="?", metavar="FILE|NAME", help="a lesson file, or a shipped lesson's name")
    return p


def run(args) -> int:
    # the core (numpy) loads here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.errors import CnnExplorerError
    from cnn_explorer.core.lessons.library import (
        find_lesson,
        lesson_title,
        shipped_lesson_paths,
    )
    from cnn_explorer.core.lessons.resolve import load_lesson
    from cnn_explorer.core.lessons.text import to_plain

    if args.action is None:
        if args.target:
            raise CnnExplorerError(f"lessons: unknown action {args.target!r}; use check FILE or show NAME")
        for path in shipped_lesson_paths():
            lesson = load_lesson(path)
            print(f"{path.stem}  {len(lesson.steps)} steps  {lesson_title(path)}")
        return 0
    if args.action == "demos":
        if args.target:
            raise CnnExplorerError("lessons demos: takes no name")
        _print_demos()
        return 0
    if not args.target:
        raise CnnExplorerError(f"lessons {args.action}: give a lesson {'file' if args.action == 'check' else 'name'}")
    if args.action == "check":
        lesson = load_lesson(args.target)
        print(f"{args.target}: ok, {len(lesson.steps)} steps ({lesson.title})")
        return 0
    lesson = load_lesson(find_lesson(args.target))
    print(lesson.title)
    for step in lesson.steps:
        print(f"\n{step.index + 1}. {step.title}\n{to_plain(step.text)}")
        if step.state.model is not None:
            print(step.state.model.text)
        if step.state.erratum is not None:
            e = step.state.erratum
            print(f"Erratum at {e.target.label()}: the slide shows {e.slide:g}, core computes {e.right:g}")
    return 0


def _print_demos() -> None:
    from cnn_explorer.core.lessons.demos import DEMOS, parse_demo

    for name, info in DEMOS.items():
        print(f"{name}: {info.title}\n  {info.summary}")
        for p in info.params:
            default = p.default
            if isinstance(default, (tuple, list)):      # as a lesson writes it: 1,0,-1
                default = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in default)
            print(f"  {p.name}={default}  {p.help}")
        keys = ", ".join(f"{{demo.{k}}}" for k in parse_demo(name).numbers())
        print(f"  numbers: {keys or 'none'}")
