"""The named kernel library, kernel validation, text parsing and JSON/CSV files.

Kernels are float64 arrays, (kh, kw) for one channel or (kh, kw, C) channels-last
for a filter spanning C input channels; 1..11 cells per side. Values are applied
as cross-correlation (not flipped), as in the slides.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.atomic import atomic_write_text
from cnn_explorer.core.io.files import read_user_file
from cnn_explorer.core.io.grid_text import grid_shape_text, parse_csv_blocks, parse_rows
from cnn_explorer.core.io.json_files import InvalidJson, parse_json
from cnn_explorer.core.kernels import seed_grids as seeds

#: preset groups, in the order the kernel picker shows them
GROUPS = ("edges", "blur/sharpen", "line detectors", "X/O features", "slide examples")
MAX_SIDE = 11
MAX_CHANNELS = 64
KERNEL_SUFFIXES = (".json", ".csv")
#: the "format" tag written into kernel JSON files
JSON_FORMAT = "cnn-explorer-kernel"


@dataclass(frozen=True, eq=False)
class KernelPreset:
    """A named kernel: ``values`` is a read-only float64 (kh, kw[, C]) array.

    ``normalize``, ``bias`` and ``flip`` are the convolution options the kernel is meant
    with (choosing the preset sets them): the X/O features divide by their 9 cells, as
    the slides do; every other preset uses the plain sum.
    """

    name: str
    group: str
    description: str
    values: np.ndarray
    normalize: bool = False
    bias: float = 0.0
    flip: bool = False


def _ro(values) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def _g(rows: str) -> np.ndarray:
    """``"1 0 1 / 0 1 0"`` -> read-only float64 array (slide notation)."""
    return _ro([[float(v) for v in row.split()] for row in rows.split("/")])


_GAUSS_5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0

_PRESET_TABLE: tuple[tuple[str, str, str, np.ndarray], ...] = (
    # name, group, description, values
    ("identity", "blur/sharpen", "Leaves the image unchanged: the centre weight is 1, all others 0.",
     _g("0 0 0 / 0 1 0 / 0 0 0")),
    ("box-blur", "blur/sharpen", "Mean of the 3×3 neighbourhood (every weight 1/9): a plain blur.",
     _ro(np.full((3, 3), 1.0 / 9.0))),
    ("gaussian-3x3", "blur/sharpen", "Gaussian blur 3×3, weights 1 2 1 / 2 4 2 / 1 2 1 divided by 16.",
     _ro(np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0)),
    ("gaussian-5x5", "blur/sharpen", "Gaussian blur 5×5 (binomial 1 4 6 4 1 squared, divided by 256): a softer blur.",
     _ro(_GAUSS_5)),
    ("sharpen", "blur/sharpen", "Sharpen: 5× the centre minus its four neighbours (slide 001-2).",
     seeds.SLIDE_001_2_KERNEL),
    ("sobel-top", "edges", "Top Sobel: bright above dark gives a large positive value (slide 001-1).",
     seeds.SLIDE_001_1_KERNEL),
    ("sobel-bottom", "edges", "Bottom Sobel: bright below dark gives a large positive value.",
     _g("-1 -2 -1 / 0 0 0 / 1 2 1")),
    ("sobel-left", "edges", "Left Sobel: bright left of dark gives a large positive value.",
     _g("1 0 -1 / 2 0 -2 / 1 0 -1")),
    ("sobel-right", "edges", "Right Sobel: bright right of dark gives a large positive value.",
     _g("-1 0 1 / -2 0 2 / -1 0 1")),
    ("prewitt-horizontal", "edges", "Prewitt, horizontal edges: bright above dark is positive (unweighted Sobel).",
     _g("1 1 1 / 0 0 0 / -1 -1 -1")),
    ("prewitt-vertical", "edges", "Prewitt, vertical edges: bright left of dark is positive (unweighted Sobel).",
     _g("1 0 -1 / 1 0 -1 / 1 0 -1")),
    ("laplacian", "edges", "Laplacian: the four neighbours minus 4× the centre; zero on flat areas and ramps.",
     _g("0 1 0 / 1 -4 1 / 0 1 0")),
    ("emboss", "edges", "Emboss: lit from the bottom right, edges stand out as ridges and grooves.",
     _g("-2 -1 0 / -1 1 1 / 0 1 2")),
    ("outline", "edges", "Outline: 8× the centre minus its eight neighbours; bright wherever the image changes.",
     _g("-1 -1 -1 / -1 8 -1 / -1 -1 -1")),
    ("line-1", "line detectors", "Line detector 1 (slide 001-3): dark row above a bright row.",
     seeds.SLIDE_001_3_LINE_1),
    ("line-2", "line detectors", "Line detector 2 (slide 001-3): dark column left of a bright column.",
     seeds.SLIDE_001_3_LINE_2),
    ("line-3", "line detectors", "Line detector 3 (slide 001-3): bright row above a dark row.",
     seeds.SLIDE_001_3_LINE_3),
    ("line-4", "line detectors", "Line detector 4 (slide 001-3): bright column left of a dark column.",
     seeds.SLIDE_001_3_LINE_4),
    ("xo-diagonal", "X/O features", "X/O feature \"\\\" diagonal, +1/−1 (slide 004-2): matches the X's falling stroke.",
     seeds.SLIDE_004_DIAGONAL),
    ("xo-x", "X/O features", "X/O feature \"X\", +1/−1 (slide 004-2): matches where the strokes cross.",
     seeds.SLIDE_004_X),
    ("xo-anti-diagonal", "X/O features", "X/O feature \"/\" anti-diagonal, +1/−1 (slide 004-2): the rising stroke.",
     seeds.SLIDE_004_ANTI_DIAGONAL),
    ("slide-corners", "slide examples", "Slide 000-1's filter 1 0 1 / 0 1 0 / 1 0 1: the first cell is 429.",
     seeds.SLIDE_000_1_KERNEL),
    ("slide-detector", "slide examples", "Slide 000-4's feature detector 0 0 1 / 1 0 0 / 0 1 1 (happy face).",
     seeds.SLIDE_000_4_KERNEL),
    ("slide-stride", "slide examples", "Slide 001-5's kernel 3 4 4 / 1 0 2 / −1 0 3, used with stride 2.",
     seeds.SLIDE_001_5_KERNEL),
    ("slide-backslash", "slide examples", "Slide 000-6's 2×2 weights + − / − +: positive for \"\\\", negative for \"/\".",
     seeds.SLIDE_000_6_WEIGHTS),
)

#: preset groups used with normalize on (slide 004 divides the X/O features' sums by 9)
_NORMALIZED_GROUPS = ("X/O features",)

#: every preset by name, in picker order (group by group as listed in GROUPS)
PRESETS: dict[str, KernelPreset] = {
    p.name: p
    for p in sorted(
        (KernelPreset(n, g, d, _ro(v), normalize=g in _NORMALIZED_GROUPS) for n, g, d, v in _PRESET_TABLE),
        key=lambda p: GROUPS.index(p.group),
    )
}


def presets_by_group() -> dict[str, list[KernelPreset]]:
    """Presets grouped for the picker: group name -> presets, groups in GROUPS order."""
    groups: dict[str, list[KernelPreset]] = {g: [] for g in GROUPS}
    for preset in PRESETS.values():
        groups[preset.group].append(preset)
    return groups


def _slug(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def get_preset(name: str) -> KernelPreset:
    """The preset called ``name`` (case, spaces and underscores forgiven); unknown -> CnnExplorerError."""
    slug = _slug(str(name))
    if slug in PRESETS:
        return PRESETS[slug]
    close = [n for n in PRESETS if slug and n.startswith(slug)]
    if len(slug) <= 60:  # difflib is quadratic: a pasted page of text is no misspelt name
        close += [n for n in difflib.get_close_matches(slug, PRESETS, n=4, cutoff=0.6) if n not in close]
    hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `cnn-explorer kernels` lists them"
    raise CnnExplorerError(f"kernel: unknown preset {excerpt(name)}{hint}")


def _split_rows(text: str) -> list[str]:
    # " / " between spaces is the slides' row separator ("1 0 1 / 0 1 0"); "1/9" stays a fraction
    return [row for row in re.split(r"[;\n\r]+|\s+/\s+", text) if row.strip()]


def parse_kernel_text(text: str) -> np.ndarray:
    """Parse kernel text into a validated float64 array.

    Rows are separated by ``;``, newlines or a spaced ``/`` (the slides' notation),
    cells by commas, spaces or tabs: ``"1,0,1;0,1,0;1,0,1"``, ``"1 0 1\\n0 1 0\\n1 0 1"``
    or ``"1 0 1 / 0 1 0 / 1 0 1"``. Cells may be fractions
    (``1/9``) and use the Unicode minus. ``|`` separates the channels of a
    (kh, kw, C) filter: ``"1 0;0 1 | 2 0;0 2 | 0 0;0 0"``. A JSON nested list
    (``[[1, 0], [0, 1]]``) is accepted too. Errors name the row and column.
    """
    if not isinstance(text, str):
        raise CnnExplorerError(f"kernel: expected text, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise CnnExplorerError("kernel: empty text")
    if stripped.startswith("["):
        try:
            data = parse_json(stripped, "kernel")
        except InvalidJson as exc:
            raise CnnExplorerError(f"kernel: invalid JSON list at column {exc.colno}: {exc.msg}") from None
        return validate_kernel(data)
    blocks = stripped.split("|")
    if len(blocks) == 1:
        return validate_kernel(parse_rows(_split_rows(stripped), "kernel"))
    channels = []
    for ch, block in enumerate(blocks, start=1):
        if not block.strip():
            raise CnnExplorerError(f"kernel: channel {ch} (between '|') is empty")
        grid = parse_rows(_split_rows(block), f"kernel channel {ch}")
        if channels and grid.shape != channels[0].shape:
            raise CnnExplorerError(
                f"kernel: channel {ch} is {grid_shape_text(grid)} but channel 1 is {grid_shape_text(channels[0])}"
            )
        channels.append(grid)
    return validate_kernel(np.stack(channels, axis=-1))


def validate_kernel(values, name: str = "kernel") -> np.ndarray:
    """A new float64 array of ``values`` after checking it is a usable kernel.

    2-D (kh, kw) or 3-D (kh, kw, C); a 1-D sequence is taken as one row.
    1..11 cells per side, 1..64 channels, every cell a finite real number.
    """
    if isinstance(values, str):
        raise CnnExplorerError(f"{name}: expected numbers, got text {excerpt(values)}")
    try:
        arr = np.array(values)
    except ValueError:
        raise CnnExplorerError(f"{name}: rows have different lengths (a kernel must be rectangular)") from None
    if arr.dtype == object:
        nested = _is_ragged(values)
        reason = "rows have different lengths (a kernel must be rectangular)" if nested else "contains non-numeric cells"
        raise CnnExplorerError(f"{name}: {reason}")
    if arr.dtype.kind not in "biuf":
        kind = "complex" if arr.dtype.kind == "c" else "non-numeric"
        raise CnnExplorerError(f"{name}: contains {kind} cells ({arr.dtype})")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim not in (2, 3):
        raise CnnExplorerError(f"{name}: must be 2-D (rows, cols) or 3-D (rows, cols, channels), got {arr.ndim}-D")
    if arr.size == 0:
        raise CnnExplorerError(f"{name}: is empty ({grid_shape_text(arr)})")
    kh, kw = arr.shape[:2]
    if kh > MAX_SIDE or kw > MAX_SIDE:
        raise CnnExplorerError(f"{name}: {kh}×{kw} is too large (at most {MAX_SIDE}×{MAX_SIDE})")
    if arr.ndim == 3 and arr.shape[2] > MAX_CHANNELS:
        raise CnnExplorerError(f"{name}: {arr.shape[2]} channels is too many (at most {MAX_CHANNELS})")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if np.isnan(arr[idx]) else "infinite"
        raise CnnExplorerError(f"{name}: {what} value at row {idx[0] + 1}, column {idx[1] + 1}")
    return arr


def _is_ragged(values) -> bool:
    try:
        lengths = {len(v) for v in values}
    except TypeError:
        return False
    return len(lengths) > 1 or any(_is_ragged(v) for v in values if isinstance(v, (list, tuple)))


# --- files ---------------------------------------------------------------------------------------

def _read_text(path: Path, what: str) -> str:
    data = read_user_file(path, what, allow_empty=True)
    if not data.strip():
        raise CnnExplorerError(f"{what} {str(path)!r}: the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CnnExplorerError(f"{what} {str(path)!r}: not a text file (not UTF-8)") from None


def _suffix(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in KERNEL_SUFFIXES:
        raise CnnExplorerError(f"{what} {str(path)!r}: unsupported type {suffix or '(none)'!r}; use .json or .csv")
    return suffix


def _kernel_from_json_entry(entry, where: str) -> KernelPreset:
    if isinstance(entry, list):
        entry = {"values": entry}
    if not isinstance(entry, dict) or "values" not in entry:
        raise CnnExplorerError(f"{where}: expected an object with \"values\" (a nested list of numbers)")
    values = entry["values"]
    if isinstance(values, str):
        arr = parse_kernel_text(values)
    else:
        arr = validate_kernel(values, name=where)
    name = entry.get("name", "")
    description = entry.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise CnnExplorerError(f"{where}: \"name\" and \"description\" must be text")
    return KernelPreset(name, "file", description, _ro(arr))


def load_kernels_info(path) -> list[KernelPreset]:
    """Every kernel of a .json or .csv kernel file, with its name and description (group "file").

    JSON: ``{"name", "description", "values"}``, a bare nested list, or
    ``{"kernels": [...]}`` for a stack. CSV: one row per line; blank lines
    separate the channels of a 3-D filter; ``#`` lines are comments
    (``# name: ...`` and ``# description: ...`` are read back).
    """
    path = Path(path)
    what = "kernel file"
    suffix = _suffix(path, what)
    text = _read_text(path, what)
    where = f"{what} {str(path)!r}"
    if suffix == ".json":
        data = parse_json(text, where)
        entries = data.get("kernels") if isinstance(data, dict) and "values" not in data else [data]
        if not isinstance(entries, list) or not entries:
            raise CnnExplorerError(f"{where}: expected \"values\" or a non-empty \"kernels\" list")
        try:
            return [_kernel_from_json_entry(e, where if len(entries) == 1 else f"{where} kernel {i}")
                    for i, e in enumerate(entries, start=1)]
        except CnnExplorerError as exc:
            msg = str(exc)
            raise CnnExplorerError(msg if msg.startswith(where) else f"{where}: {msg}") from None
    meta = {}
    for line in text.splitlines():
        m = re.match(r"\s*#\s*(name|description)\s*:\s*(.*)$", line)
        if m:
            meta[m.group(1)] = m.group(2).strip()
    grids = parse_csv_blocks(text, where)
    arr = grids[0] if len(grids) == 1 else np.stack(grids, axis=-1)
    try:
        arr = validate_kernel(arr)
    except CnnExplorerError as exc:
        raise CnnExplorerError(f"{where}: {str(exc).removeprefix('kernel: ')}") from None
    return [KernelPreset(meta.get("name", ""), "file", meta.get("description", ""), _ro(arr))]


def load_kernel(path) -> np.ndarray:
    """The kernel stored in a .json or .csv file, as a float64 array (see ``load_kernels_info``)."""
    kernels = load_kernels_info(path)
    if len(kernels) != 1:
        raise CnnExplorerError(f"kernel file {str(path)!r}: holds {len(kernels)} kernels; expected one")
    return np.array(kernels[0].values)


def load_kernels(path) -> list[np.ndarray]:
    """Every kernel stored in a .json or .csv file (a stack file gives several)."""
    return [np.array(k.values) for k in load_kernels_info(path)]


def _json_entry(values: np.ndarray, name: str, description: str) -> dict:
    return {"name": name, "description": description, "shape": list(values.shape),
            "values": _nested(values)}


def _nested(values: np.ndarray):
    if values.ndim == 0:
        v = float(values)
        return int(v) if v.is_integer() and abs(v) < 1e16 else v
    return [_nested(v) for v in values]


def save_kernel(path, values, name: str = "", description: str = "") -> None:
    """Write one kernel to ``path`` (.json or .csv, chosen by the suffix; atomic); exact round trip."""
    path = Path(path)
    suffix = _suffix(path, "kernel file")
    arr = validate_kernel(values)
    if suffix == ".json":
        body = {"format": JSON_FORMAT, "version": 1, **_json_entry(arr, name, description)}
        atomic_write_text(path, json.dumps(body, indent=1, ensure_ascii=False) + "\n")
        return
    lines = []
    for key, text in (("name", name), ("description", description)):
        if text:
            lines.append(f"# {key}: {' '.join(text.split())}")
    channels = [arr] if arr.ndim == 2 else [arr[:, :, c] for c in range(arr.shape[2])]
    for c, grid in enumerate(channels):
        if c:
            lines.append("")
        lines.extend(",".join(format_number(v, "exact") for v in row) for row in grid)
    atomic_write_text(path, "\n".join(lines) + "\n")


def save_kernels(path, kernels: Sequence, names: Sequence[str] = (), descriptions: Sequence[str] = ()) -> None:
    """Write a stack of kernels to a .json file (``{"kernels": [...]}``); one kernel may go to .csv too."""
    path = Path(path)
    suffix = _suffix(path, "kernel file")
    arrays = [validate_kernel(k, name=f"kernel {i}") for i, k in enumerate(kernels, start=1)]
    if not arrays:
        raise CnnExplorerError("kernels: nothing to save")
    names = list(names) + [""] * (len(arrays) - len(names))
    descriptions = list(descriptions) + [""] * (len(arrays) - len(descriptions))
    if len(arrays) == 1:
        save_kernel(path, arrays[0], names[0], descriptions[0])
        return
    if suffix != ".json":
        raise CnnExplorerError(f"kernel file {str(path)!r}: a stack of {len(arrays)} kernels needs a .json file")
    body = {"format": JSON_FORMAT, "version": 1,
            "kernels": [_json_entry(a, n, d) for a, n, d in zip(arrays, names, descriptions)]}
    atomic_write_text(path, json.dumps(body, indent=1, ensure_ascii=False) + "\n")


def resolve_kernels(spec: str) -> list[np.ndarray]:
    """All kernels a spec names: a preset name, a .json/.csv file (a stack file gives several) or inline rows.

    Text made only of numbers and separators is a kernel first (an 11x11 kernel
    written out is no file name), and a file only when it does not parse.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise CnnExplorerError("kernel: empty; give a preset name, a .csv/.json file or rows like \"1,0,1;0,1,0;1,0,1\"")
    text = spec.strip()
    if _slug(text) in PRESETS:
        return [np.array(PRESETS[_slug(text)].values)]
    if _ROWS.fullmatch(text) and re.search(r"\d", text):
        try:
            return [parse_kernel_text(text)]
        except CnnExplorerError:
            if not _is_file(text):
                raise
    if text.lower().endswith(KERNEL_SUFFIXES):
        return load_kernels(Path(text).expanduser())
    if _is_file(text):
        raise CnnExplorerError(f"kernel file {excerpt(text)}: unsupported type; use .json or .csv")
    if not re.search(r"\d", text):
        get_preset(text)  # raises, naming close presets
    try:
        return [parse_kernel_text(text)]
    except CnnExplorerError:
        if len(text) <= 60 and re.search(r"[a-df-zA-DF-Z]", text) and \
                difflib.get_close_matches(_slug(text), PRESETS, n=1, cutoff=0.6):  # long text: no name, no slow match
            get_preset(text)  # more likely a mistyped preset name than bad rows
        raise


#: inline rows: numbers, fractions, signs, separators, JSON brackets, channel bars (nothing a file name needs)
_ROWS = re.compile(r"[\d\s.,;|/+\-\u2212eE\[\]]+")  # one class, no nesting: linear time on any text


def _is_file(text: str) -> bool:
    """True for an existing regular file; False for any name no file can have (too long, a NUL byte)."""
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):
        return False


def resolve_kernel(spec: str) -> np.ndarray:
    """One kernel from a preset name, a .json/.csv file or inline rows such as ``"1,0,1;0,1,0;1,0,1"``."""
    kernels = resolve_kernels(spec)
    if len(kernels) != 1:
        raise CnnExplorerError(f"kernel: {excerpt(spec)} holds {len(kernels)} kernels; expected one")
    return kernels[0]


def describe_kernel(spec: str) -> str:
    """A short label for a kernel spec: the preset name, the file name, or ``inline``."""
    text = spec.strip()
    if _slug(text) in PRESETS:
        return _slug(text)
    if text.lower().endswith(KERNEL_SUFFIXES):
        return Path(text).name
    return "inline"
