"""Reading a lesson file: Markdown with small directives, into steps of text and directive lines.

The format (resources/lessons/FORMAT.md has the whole of it)::

    # Lesson title
    ## Step title
    A paragraph of text, with *emphasis*, `formulas` and {placeholders}.
    @sample 000-1
    @highlight cell 1,1

Only the structure is checked here (titles, directive names, ``@grid`` … ``@end``
blocks, the encoding); what the directives say is checked by ``lessons.resolve``.
Every error is a :class:`LessonError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import read_user_file

#: the file name ending of a lesson
LESSON_SUFFIX = ".md"
#: directive name -> one-line description (FORMAT.md documents each with an example)
DIRECTIVES: dict[str, str] = {
    "page": "the page to show: explorer, train, classify or demos",
    "view": "the explorer's tab: step (step by step) or maps",
    "sample": "a shipped sample: its input, kernel(s) and settings",
    "picture": "a sample's picture only (the kernels and settings stay)",
    "grid": "an input grid written in the lesson, rows until @end",
    "input": "keep: leave the user's drawing as the input",
    "kernel": "one kernel: a preset name or inline rows (1 0 1 / 0 1 0 / 1 0 1)",
    "kernels": "a stack: names or inline rows, separated by ;",
    "settings": "convolution settings: stride=, padding=, padding_mode=, dilation=, bias=, normalize=, flip=",
    "activation": "none, relu, leaky_relu, sigmoid or tanh",
    "pool": "none, or max|avg SIZE [stride=S] [padding=P] [ceil]",
    "stage": "what the step-by-step view animates: conv or pool",
    "step": "the animation position: a number (1 = first) or end",
    "highlight": "cell R,C | row R | window R,C | value V [on conv|pool] [kernel K]",
    "model": "a model's shape and parameter table: a preset or SHAPE: layer, layer, ...",
    "question": "cell R,C [on conv|pool] [kernel K] [tolerance=T]: the student types the value",
    "choice": "cell R,C [on conv|pool] [kernel K]: A | B | C, one of them core's value",
    "show-both": "cell R,C [on conv|pool] [kernel K] slide=V: an erratum, the slide's value and the right one",
    "dataset": "the Train page's dataset (with @page train): a name, 8-vs-not-8, or a folder of class sub-folders",
    "demo": "NAME [key=value ...]: open a demo (learning a kernel, pooling's invariance, ...) on the Demos page",
}
#: directives that open a block of lines closed by ``@end``
BLOCK_DIRECTIVES = ("grid",)


class LessonError(CnnExplorerError):
    """A mistake in a lesson file; ``line`` is its 1-based line number (0: the file as a whole)."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source, self.line, self.reason = source, int(line), message
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Directive:
    """``@name args`` on ``line``; ``block`` holds the lines of a ``@grid`` … ``@end`` block with their numbers."""

    name: str
    args: str
    line: int
    block: tuple[tuple[int, str], ...] = ()


@dataclass
class StepSource:
    """One ``## Step`` as written: its title, paragraphs (each with its first line) and directives."""

    title: str
    line: int
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)

    def directive(self, name: str) -> Directive | None:
        """The last ``@name`` of the step (a later one overrides an earlier), None if absent."""
        found = [d for d in self.directives if d.name == name]
        return found[-1] if found else None


@dataclass
class LessonSource:
    """A parsed lesson file: its title, the intro paragraphs before the first step, and the steps."""

    title: str
    source: str
    steps: list[StepSource]
    intro: list[tuple[int, str]] = field(default_factory=list)


def decode_lesson(data: bytes, source: str) -> str:
    """UTF-8 text of a lesson file (a byte-order mark dropped); a bad byte is a LessonError naming its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LessonError(source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                        "save the lesson as UTF-8") from None


def read_lesson_text(path: str | Path) -> tuple[str, str]:
    """(text, source name) of the lesson file ``path``; LessonError or CnnExplorerError on failure."""
    path = Path(path)
    data = read_user_file(path, "lesson", allow_empty=True)
    return decode_lesson(data, path.name), path.name


def parse_lesson(text: str, source: str = "lesson") -> LessonSource:
    """The structure of a lesson; LessonError naming the line for anything malformed."""
    if not text.strip():
        raise LessonError(source, 0, "empty file: a lesson starts with '# Title' and has at least one '## Step'")
    title, title_line = "", 0
    steps: list[StepSource] = []
    intro: list[tuple[int, str]] = []
    lines = text.splitlines()
    paragraph: list[str] = []
    paragraph_line = 0
    block: Directive | None = None
    block_lines: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            target = steps[-1].paragraphs if steps else intro
            target.append((paragraph_line, " ".join(paragraph)))
        paragraph = []

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if block is not None:
            if line.lower() == "@end":
                steps[-1].directives.append(Directive(block.name, block.args, block.line, tuple(block_lines)))
                block, block_lines = None, []
            elif line:
                block_lines.append((number, line))
            continue
        if line.startswith("<!--") and line.endswith("-->"):
            continue
        if not line:
            flush()
            continue
        if line.startswith("## ") or line == "##":
            flush()
            if not title:
                raise LessonError(source, number, "a step before the lesson's title: start the file with '# Title'")
            name = line[2:].strip()
            if not name:
                raise LessonError(source, number, "missing step title after '##'")
            steps.append(StepSource(name, number))
            continue
        if line.startswith("# ") or line == "#":
            flush()
            if title:
                raise LessonError(source, number, f"a second lesson title (the first is on line {title_line}); "
                                                  "steps start with '##'")
            title, title_line = line[1:].strip(), number
            if not title:
                raise LessonError(source, number, "missing lesson title after '#'")
            continue
        if line.startswith("@"):
            flush()
            name, _, args = line[1:].partition(" ")
            name = name.strip().lower()
            if name == "end":
                raise LessonError(source, number, "@end without an open @grid")
            if name not in DIRECTIVES:
                raise LessonError(source, number, f"unknown directive @{name}; known: "
                                                  f"{', '.join('@' + d for d in DIRECTIVES)}")
            if not steps:
                raise LessonError(source, number, f"@{name} before the first step: put it under a '## Step' title")
            directive = Directive(name, args.strip(), number)
            if name in BLOCK_DIRECTIVES and not args.strip():
                block = directive
            else:
                steps[-1].directives.append(directive)
            continue
        if not title:
            raise LessonError(source, number, "missing lesson title: the first line of a lesson is '# Title'")
        if not paragraph:
            paragraph_line = number
        paragraph.append(line)
    if block is not None:
        raise LessonError(source, block.line, f"@{block.name} is never closed: end its rows with @end")
    flush()
    if not title:
        raise LessonError(source, 1, "missing lesson title: the first line of a lesson is '# Title'")
    if not steps:
        raise LessonError(source, title_line, "no steps: add at least one '## Step title' with its text")
    for step in steps:
        if not step.paragraphs:
            raise LessonError(source, step.line, f"step {step.title!r}: missing text (a sentence or two under "
                                                 "the title says what the class looks at)")
    return LessonSource(title, source, steps, intro)
