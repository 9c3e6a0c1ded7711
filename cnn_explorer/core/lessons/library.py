"""The shipped lessons (resources/lessons/*.md), finding one by name, and writing a lesson being made.

A lesson's name is its file stem ("000-cnn-architecture"); a unique start ("000") finds it too.
"Add this view as a step" writes a step block (:func:`step_block`) from the explorer's state.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.atomic import atomic_write
from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.core.lessons.parse import LESSON_SUFFIX
from cnn_explorer.core.resources import resource_path

#: the folder of the shipped lessons
LESSONS_DIR = resource_path("lessons")
#: the most numbers "Add this view as a step" writes into a lesson as a grid (a 64×64 drawing)
MAX_WRITTEN_CELLS = 64 * 64
#: files in that folder that are documentation, not lessons
NOT_LESSONS = ("FORMAT.md", "README.md")


def shipped_lesson_paths() -> list[Path]:
    """The shipped lesson files, in name order."""
    if not LESSONS_DIR.is_dir():
        return []
    return sorted(p for p in LESSONS_DIR.glob(f"*{LESSON_SUFFIX}") if p.name not in NOT_LESSONS)


def lesson_title(path: Path) -> str:
    """The '# Title' line of a lesson file (its stem if there is none), without validating the rest."""
    try:
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return path.stem


def find_lesson(name: str) -> Path:
    """The shipped lesson called ``name`` (its stem or a unique start of it), or a file path."""
    text = str(name).strip()
    as_path = Path(text).expanduser()
    if text.endswith(LESSON_SUFFIX) and as_path.is_file():
        return as_path
    paths = shipped_lesson_paths()
    exact = [p for p in paths if p.stem == text]
    starts = [p for p in paths if p.stem.startswith(text)] if text else []
    if exact or len(starts) == 1:
        return (exact or starts)[0]
    names = [p.stem for p in paths]
    if len(starts) > 1:
        raise CnnExplorerError(f"lesson: {text!r} could be {', '.join(p.stem for p in starts)}; give more of the name")
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; shipped: {', '.join(names) or 'none'}"
    raise CnnExplorerError(f"lesson: unknown {text!r}{hint}")


def _rows(values: np.ndarray) -> str:
    values = np.asarray(values)
    if values.ndim == 3:
        return " | ".join(_rows(values[:, :, c]) for c in range(values.shape[2]))
    return " / ".join(" ".join(format_number(v, "exact") for v in row) for row in values)


def _padding(padding) -> str:
    if isinstance(padding, str):
        return padding
    return ",".join(str(v) for v in np.atleast_1d(padding))


def _is_preset(name: str) -> bool:
    try:
        get_preset(name)
    except CnnExplorerError:
        return False
    return True


def _same_values(name: str, values: np.ndarray) -> bool:
    """The kernel still holds the preset's numbers (the user may have edited a cell since)."""
    preset = np.asarray(get_preset(name).values)
    return preset.shape == np.shape(values) and np.array_equal(preset, values)


def step_block(title: str, text: str, *, image: np.ndarray | None, sample: str, kernels, names, conv: ConvSettings,
               activation: str, pool: PoolSettings | None, stage: str = "conv", position: int = 0,
               view: str = "step") -> str:
    """A lesson step that shows exactly this explorer state (``sample``: the sample the image is, or "")."""
    lines = [f"## {title.strip() or 'New step'}", text.strip() or "What do you see here?"]
    if sample:
        lines.append(f"@picture {sample}")
    elif image is not None:
        grid = np.asarray(image)
        if grid.size > MAX_WRITTEN_CELLS:
            raise CnnExplorerError(f"the {'×'.join(map(str, grid.shape))} input is too large to write into a "
                                   "lesson; open a sample or a small grid first")
        lines.append("@grid")
        if grid.ndim == 3:
            lines += [" | ".join(" ".join(format_number(v, "exact") for v in grid[r, :, c]) for c in
                                 range(grid.shape[2])) for r in range(grid.shape[0])]
        else:
            lines += [" ".join(format_number(v, "exact") for v in row) for row in grid]
        lines.append("@end")
    specs = [n if _is_preset(n) and _same_values(n, k) else _rows(k) for k, n in zip(kernels, names)]
    lines.append(f"@kernel {specs[0]}" if len(specs) == 1 else f"@kernels {' ;; '.join(specs)}")
    lines.append(f"@settings stride={conv.stride[0]} padding={_padding(conv.padding)} "
                 f"padding_mode={conv.padding_mode} dilation={conv.dilation[0]} bias={format_number(conv.bias, 'exact')} "
                 f"normalize={'yes' if conv.normalize else 'no'} flip={'yes' if conv.flip else 'no'}")
    lines.append(f"@activation {activation}")
    if pool is None:
        lines.append("@pool none")
    else:
        lines.append(f"@pool {pool.mode} {pool.size[0]} stride={pool.stride[0]} padding={pool.padding[0]}"
                     + (" ceil" if pool.ceil_mode else ""))
    lines.append(f"@view {view}")
    if stage == "pool" and pool is not None:
        lines.append("@stage pool")
    lines.append(f"@step {position + 1}" if position >= 0 else "@step end")
    return "\n".join(lines) + "\n"


def new_lesson_text(title: str) -> str:
    return f"# {title.strip() or 'My lesson'}\n"


def save_lesson_text(path: str | Path, text: str) -> None:
    """Write a lesson atomically (the old file stays whole if anything fails)."""
    atomic_write(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
