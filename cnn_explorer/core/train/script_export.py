"""Export a standalone PyTorch training script: the model, the data loading, the recipe, torchrun, saving.

``export_training_script(path, spec, dataset, name_or_path, config)`` writes
``path`` (and, for the built-in sets, ``<stem>-data.npz`` beside it) through
one atomic write. The script imports no ``cnn_explorer``: the model comes from
codegen's PyTorch generator (same child names, so the weights load in the
app), the data loader from ``script_loaders`` (one per format core/datasets
reads), the rest from ``script_parts`` and ``script_cli``. It saves MODEL.safetensors +
MODEL.json exactly as ``checkpoints.save_model`` does.

The built-in sets (mnist-sample, xo, slashes, shapes) travel as an .npz
beside the script rather than as generator code: the bundled MNIST sample is
a file of the app's, the synthetic generators are hundreds of lines, and the
.npz holds exactly the images the app showed, with the same seed.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnn_explorer.core.datasets import canonical_name
from cnn_explorer.core.datasets.augment import ELASTIC_SIGMA
from cnn_explorer.core.datasets.cifar import looks_like_cifar_folder
from cnn_explorer.core.datasets.download import dataset_folder
from cnn_explorer.core.datasets.idx import looks_like_idx_folder
from cnn_explorer.core.datasets.split import DEFAULT_SPLIT, parse_split
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write_all
from cnn_explorer.core.io.files import read_user_text
from cnn_explorer.core.model.codegen import pytorch_model_function
from cnn_explorer.core.model.shapes import validate
from cnn_explorer.core.train.engine import TrainConfig
from cnn_explorer.core.train.script_cli import CLI
from cnn_explorer.core.train.script_loaders import LOADERS
from cnn_explorer.core.train.script_parts import BODY, HEAD

BUILT_IN = ("mnist-sample", "xo", "slashes", "shapes")
#: downloaded dataset -> (format, where to get it)
DOWNLOADED = {
    "mnist": ("idx", "the four MNIST IDX files (train-/t10k-images-idx3-ubyte.gz, -labels-idx1-ubyte.gz)"),
    "fashion-mnist": ("idx", "the four Fashion-MNIST IDX files (github.com/zalandoresearch/fashion-mnist)"),
    "cifar10": ("cifar", "the CIFAR-10 python version (www.cs.toronto.edu/~kriz/cifar.html), unpacked"),
}
FORMAT_NAMES = {"npz": "an .npz file (images, labels)", "idx": "a folder of IDX files",
                "cifar": "a CIFAR-10 folder", "folder": "a folder with one sub-folder of images per class"}
_STDLIB = ("argparse", "hashlib", "json", "math", "os", "sys", "time")
_THIRD_PARTY = ("import numpy as np", "import torch", "import torch.distributed as dist",
                "import torch.nn.functional as F", "from torch import nn",
                "from torch.nn.parallel import DistributedDataParallel", "from torch.utils.data import DistributedSampler")
_DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DataSource:
    """Where an exported script reads its data: ``format`` (a LOADERS key), the default ``--data`` path
    (relative paths are relative to the script's folder), and for the built-in sets the name of the
    .npz written beside the script (``bundle``)."""

    format: str
    path: str
    note: str
    bundle: str = ""
    constants: dict = field(default_factory=dict)


def data_source(name_or_path, dataset, script_path) -> DataSource:
    """How the script at ``script_path`` will read the dataset the app loaded as ``name_or_path``."""
    text = str(name_or_path)
    name = canonical_name(text) if not isinstance(name_or_path, Path) else None
    if name in BUILT_IN:
        bundle = f"{Path(script_path).stem}-data.npz"
        return DataSource("npz", bundle, f"CNN Explorer's {name} set ({_count(dataset):,} images), written "
                                         f"beside this script as {bundle}", bundle)
    if name in DOWNLOADED:
        fmt, what = DOWNLOADED[name]
        folder = dataset_folder(name).resolve()
        return DataSource(fmt, str(folder), f"{what}, which CNN Explorer keeps in {folder}",
                          constants=_idx_constants(fmt, folder))
    path = Path(text).expanduser().resolve()
    if path.is_file():
        if path.suffix.lower() != ".npz":
            raise CnnExplorerError(f"dataset: {path} is a file; an exported script reads .npz files, "
                                   "IDX, CIFAR-10 and image folders")
        fmt = "npz"
    elif not path.is_dir():
        raise CnnExplorerError(f"dataset: {text!r} is neither a dataset name nor an existing file or folder")
    elif looks_like_idx_folder(path):
        fmt = "idx"
    elif looks_like_cifar_folder(path):
        fmt = "cifar"
    else:
        fmt = "folder"
    return DataSource(fmt, str(path), str(path), constants=_idx_constants(fmt, path))


def _count(dataset) -> int:
    return len(dataset.train_y) + len(dataset.val_y) + len(dataset.test_y)


def _idx_constants(fmt: str, folder: Path) -> dict:
    """EMNIST's two quirks, as the app reads them: images stored transposed, labels renumbered by its mapping."""
    if fmt != "idx":
        return {}
    files = [p.name.lower() for p in folder.iterdir()] if folder.is_dir() else []
    emnist = "emnist" in folder.name.lower() or any(f.startswith("emnist") for f in files)
    labels: list[int] = []
    mapping = sorted(folder.glob("*mapping.txt")) if emnist else []
    if mapping:
        for line in read_user_text(mapping[0], "EMNIST mapping file").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                labels.append(int(parts[0]))
    return {"EMNIST": emnist, "LABEL_MAP": sorted(labels)}


def bundled_arrays(dataset) -> tuple[np.ndarray, np.ndarray]:
    """Every image and label of a dataset (train, val and test together): the script splits them again."""
    x = np.concatenate([dataset.train_x, dataset.val_x, dataset.test_x])
    y = np.concatenate([dataset.train_y, dataset.val_y, dataset.test_y]).astype(np.int64)
    return x, y


def _py(value) -> str:
    """A JSON-like value as Python source, strings in double quotes (as the rest of the script)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _pieces(value) -> list[str]:
    """The parts a long value may wrap between: a container's items (with commas), or a string's words."""
    if isinstance(value, str):
        chunks, line = [], ""
        for word in value.split(" "):
            if line and len(line) + len(word) > 70:
                chunks.append(line)
                line = ""
            line += word + " "
        chunks.append(line[:-1])
        return [json.dumps(c, ensure_ascii=False) for c in chunks]
    items = value.items() if isinstance(value, dict) else value
    return [f"{_py(k)}: {_py(v)}," for k, v in items] if isinstance(value, dict) else [f"{_py(v)}," for v in items]


def _wrapped(lead: str, value, tail: str = "", width: int = 99) -> list[str]:
    """``lead + value + tail`` in lines of at most ``width`` where the value allows: a long container or
    string continues under its first item (a string as implicitly joined pieces in parentheses)."""
    one = f"{lead}{_py(value)}{tail}"
    if len(one) <= width or not isinstance(value, (str, list, tuple, dict)) or not value:
        return [one]
    opening, closing = {str: "()", tuple: "()", dict: "{}", list: "[]"}[type(value)]
    pad = " " * (len(lead) + 1)
    lines, line = [], lead + opening
    for piece in _pieces(value):
        first = line.endswith(opening) and len(line) == len(lead) + 1
        if not first and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = pad + piece
        else:
            line += ("" if first else " ") + piece
    if not isinstance(value, str) and not (isinstance(value, tuple) and len(value) == 1):
        line = line[:-1]  # no comma after the last item
    return [*lines, line + closing + tail]


def _literal(name: str, value) -> list[str]:
    """``NAME = value`` as Python source lines within 99 columns."""
    return _wrapped(f"{name} = ", value)


def _spec_literal(spec_dict: dict) -> str:
    """The spec as a Python dict literal, one layer a line (wrapped where long)."""
    lines = ["{"]
    for key, value in spec_dict.items():
        if key == "layers":
            lines.append(f"    {_py(key)}: [")
            for layer in value:
                lines += _wrapped("        ", layer, ",")
            lines.append("    ],")
        else:
            lines += _wrapped(f"    {_py(key)}: ", value, ",")
    return "\n".join([*lines, "}"])


def _settings(config: TrainConfig, split, source: DataSource) -> str:
    device = str(config.device).split(":")[0]
    help_text = FORMAT_NAMES[source.format]
    values = [
        ("DATA", source.path), ("DATA_HELP", help_text), ("OUTPUT", "model"), ("EPOCHS", config.epochs),
        ("BATCH_SIZE", config.batch_size), ("OPTIMIZER", config.optimizer), ("LR", config.lr),
        ("MOMENTUM", config.momentum), ("NESTEROV", config.nesterov), ("WEIGHT_DECAY", config.weight_decay),
        ("SCHEDULE", config.schedule), ("LABEL_SMOOTHING", config.label_smoothing), ("AUGMENT", config.augment),
        ("AUGMENT_SHIFT", config.augment_shift), ("AUGMENT_ROTATE", config.augment_rotate),
        ("AUGMENT_SCALE", config.augment_scale), ("AUGMENT_ELASTIC", config.augment_elastic),
        ("SPLIT", tuple(float(s) for s in split)),
        ("SEED", config.seed), ("DEVICE", device if device in _DEVICES else "auto"),
        ("CHANNELS_LAST", config.channels_last), *source.constants.items(),
    ]
    lines: list[str] = []
    for name, value in values:
        lines += _literal(name, value)
    return "\n".join(lines)


def _imports(fmt: str) -> str:
    stdlib, third, _ = LOADERS[fmt]
    modules = sorted({*_STDLIB, *stdlib})
    lines = [f"import {m}" for m in modules] + ["from collections import OrderedDict", "from pathlib import Path", "",
                                                 "try:"]
    lines += [f"    {line}" for line in sorted((*_THIRD_PARTY, *third), key=_import_key)]
    lines += ["except ImportError as exc:  # pragma: no cover - depends on the machine",
              '    sys.exit(f"{Path(sys.argv[0]).name}: error: this script needs {exc.name}: "',
              '             "pip install torch numpy safetensors' + (' Pillow' if third else '') + '")']
    return "\n".join(lines)


def _import_key(line: str) -> str:
    """isort's order: every ``import x`` first, then the ``from x import`` lines, each by module name."""
    return f"{0 if line.startswith('import') else 1} {line.split()[1].lower()}"


def _data_note(source: DataSource, fresh: bool = False) -> str:
    """The docstring's paragraph on the data, wrapped at 80 columns (``fresh``: the app's run draws fresh images)."""
    text = f"Data: {FORMAT_NAMES[source.format]}: {source.note}. Elsewhere pass --data PATH."
    if fresh:
        text += (" The app's recipe trains every epoch after the first on freshly drawn images (fresh data);"
                 " this script trains every epoch on the fixed training images, so expect a lower accuracy.")
    return "\n" + "\n".join(textwrap.wrap(text.replace('"""', "'''"), 80, break_on_hyphens=False)) + "\n"


def training_script(spec, dataset, config: TrainConfig, source: DataSource, *,
                    split=DEFAULT_SPLIT, script_name: str = "train.py") -> str:
    """The script's source: ``spec`` (adapted to the dataset's images and classes) trained on ``source``."""
    split = parse_split(split)
    if tuple(spec.input_shape) != tuple(dataset.input_shape) or tuple(spec.class_names) != tuple(
            dataset.class_names):
        spec = spec.with_io(tuple(dataset.input_shape), tuple(dataset.class_names))
    validate(spec)
    title = re.sub(r"\s+", " ", spec.name or "a CNN").replace('"""', "'''").replace("\\", "/")
    _, third, loader = LOADERS[source.format]
    replacements = {
        "@TITLE@": f"Train {title} on {dataset.name} with PyTorch.",
        "@PILLOW@": " (and Pillow for the images)" if third else "",
        "@SCRIPT@": script_name,
        "@DATA_NOTE@": _data_note(source, config.fresh_data and getattr(dataset, "can_redraw", False)),
        "@IMPORTS@": _imports(source.format),
        "@SETTINGS@": _settings(config, split, source),
        "@SPEC@": _spec_literal(spec.to_dict()),
        "@MODEL@": pytorch_model_function(spec).rstrip("\n") + "\n",
    }
    text = HEAD
    for token, value in replacements.items():
        text = text.replace(token, value)
    body = BODY.replace("@ELASTIC_SIGMA@", repr(ELASTIC_SIGMA))  # the app's own smoothing of the field
    return text + loader.rstrip("\n") + "\n" + body + CLI


def export_training_script(path, spec, dataset, name_or_path, config: TrainConfig | None = None, *,
                           split=DEFAULT_SPLIT) -> list[Path]:
    """Write the training script at ``path`` (and the built-in sets' .npz beside it) atomically; the paths."""
    target = Path(str(path)).expanduser()
    if target.is_dir():
        raise CnnExplorerError(f"output: {target} is a folder; give a file name such as {target / 'train.py'}")
    if target.parent.exists() and not target.parent.is_dir():
        raise CnnExplorerError(f"output: {target.parent} is not a folder")
    source = data_source(name_or_path, dataset, target)
    text = training_script(spec, dataset, config or TrainConfig(), source, split=split, script_name=target.name)
    def write_script(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)  # it starts with #!/usr/bin/env python3: ./train.py runs it

    jobs = [(target, write_script)]
    if source.bundle:
        images, labels = bundled_arrays(dataset)

        def write_data(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, images=images, labels=labels, class_names=np.array(dataset.class_names))

        jobs.append((target.with_name(source.bundle), write_data))
    try:
        atomic_write_all(jobs)
    except OSError as exc:
        raise CnnExplorerError(f"output: cannot write {exc.filename or target}: "
                               f"{exc.strerror or exc.__class__.__name__}") from None
    return [t for t, _ in jobs]
