"""The Train page's dataset for a lesson step (``@dataset``): a dataset name, a folder, or one a lesson makes.

- a name ``load_dataset`` knows (``mnist-sample``, ``xo``, ``cifar10`` …; the download sets download on
  first use, with the Train page's progress bar and Cancel);
- a set a lesson makes from what ships (:data:`LESSON_DATASETS`): ``8-vs-not-8``, slide 003's two image
  folders "8" and "not 8", written once from the bundled MNIST sample into the cache, where the class
  can open them like any folder of pictures;
- a folder of class sub-folders, relative to the lesson file (or absolute).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cnn_explorer.core.datasets.bundled import load_mnist_sample
from cnn_explorer.core.datasets.download import cache_dir
from cnn_explorer.core.datasets.loader import canonical_name, dataset_names
from cnn_explorer.core.errors import CnnExplorerError

#: how many pictures each of the "8" and "not 8" folders holds (the slide shows 16 of each; more to learn from)
EIGHTS_PER_CLASS = 100
#: the two class folders of ``8-vs-not-8``, named as on the slide
EIGHTS_CLASSES = ("8", "not 8")
#: sets a lesson makes: name -> what it is (for messages and FORMAT.md)
LESSON_DATASETS = {
    "8-vs-not-8": f"slide 003's two image folders, \"8\" and \"not 8\" ({EIGHTS_PER_CLASS} MNIST digits each)",
}


@dataclass(frozen=True)
class DatasetRef:
    """What ``@dataset`` names: ``kind`` "named" (load_dataset's name), "lesson" (made here) or "folder"."""

    name: str
    kind: str
    path: str = ""


def parse_dataset(text: str, base: Path | None) -> DatasetRef:
    """The dataset ``text`` names; a folder is looked up relative to ``base`` (the lesson's folder)."""
    text = text.strip()
    if not text:
        raise CnnExplorerError(f"missing dataset: a name ({', '.join((*dataset_names(), *LESSON_DATASETS))}) "
                               "or a folder of class sub-folders")
    if text.lower() in LESSON_DATASETS:
        return DatasetRef(text.lower(), "lesson")
    named = canonical_name(text)
    if named is not None:
        return DatasetRef(named, "named")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        folder = (base or Path.cwd()) / folder
    if not folder.is_dir():
        raise CnnExplorerError(f"unknown dataset {text!r}: not one of {', '.join((*dataset_names(), *LESSON_DATASETS))}"
                               f", and no folder {folder}")
    return DatasetRef(text, "folder", str(folder.resolve()))


def dataset_source(ref: DatasetRef) -> str:
    """The name or folder the Train page loads for ``ref`` (a lesson's set is written first if missing)."""
    if ref.kind == "named":
        return ref.name
    if ref.kind == "folder":
        return ref.path
    return str(eights_folder())


def _eights_complete(folder: Path) -> bool:
    return all(len(list((folder / name).glob("*.png"))) == EIGHTS_PER_CLASS for name in EIGHTS_CLASSES)


def eight_indices(labels: np.ndarray, per_class: int = EIGHTS_PER_CLASS) -> tuple[np.ndarray, np.ndarray]:
    """(indices of 8s, indices of other digits) in the MNIST sample: the first ``per_class`` 8s, and as many
    others taken in turn from 0, 1, … 7, 9 (each digit's first ones), so "not 8" holds every other digit."""
    eights = np.flatnonzero(labels == 8)[:per_class]
    others = [np.flatnonzero(labels == d) for d in range(10) if d != 8]
    picked = [o[k] for k in range(per_class) for o in others][:per_class]
    return eights, np.sort(np.asarray(picked, dtype=np.int64))


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def eights_folder(root: Path | None = None) -> Path:
    """The folder of ``8-vs-not-8`` (sub-folders "8" and "not 8"), written from the MNIST sample if missing.

    Written into a hidden folder beside it and renamed into place in one step, so a folder that
    exists is always complete (an interrupted write leaves only the hidden one, removed next time).
    """
    folder = (root or cache_dir() / "lessons") / "8-vs-not-8"
    if _eights_complete(folder):
        return folder
    images, labels = load_mnist_sample()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for stale in folder.parent.glob(".8-vs-not-8-*"):
            shutil.rmtree(stale, ignore_errors=True)
        temp = Path(tempfile.mkdtemp(prefix=".8-vs-not-8-", dir=folder.parent))
        for name, indices in zip(EIGHTS_CLASSES, eight_indices(labels)):
            (temp / name).mkdir()
            for index in indices:    # the file is named after the digit's place in the sample, as 61.png on the slide
                (temp / name / f"{int(index)}.png").write_bytes(_png(images[index, :, :, 0]))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(temp, folder)
    except OSError as exc:
        raise CnnExplorerError(f"8-vs-not-8: cannot write the two image folders in {folder.parent} "
                               f"({exc.strerror or exc}); set CNN_EXPLORER_CACHE to a writable folder") from None
    return folder
