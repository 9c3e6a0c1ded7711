"""Saving and loading trained models: safetensors weights beside a JSON file, never a pickle.

A model at ``PATH`` is two files, ``PATH.safetensors`` (the state dict) and
``PATH.json`` (format version, model spec, class names, per-channel
normalisation on the 0..1 scale, training history, and the SHA-256 of the
weights file); a directory ``DIR`` holds ``DIR/model.safetensors`` and
``DIR/model.json``. Each file is written to a temporary file in the same folder
and renamed over the target, so a crash never leaves a half-written file.

A ``.pt``/``.pth``/``.pkl`` file is only ever read with
``torch.load(weights_only=True)`` and only a plain state dict of tensors is
accepted; its spec must come from a ``.json`` file of the same name.
Torch is imported inside functions only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.atomic import atomic_write_all, fill
from cnn_explorer.core.io.files import check_regular_file
from cnn_explorer.core.io.json_files import read_json
from cnn_explorer.core.io.limits import check_bytes
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.spec import ModelSpec
from cnn_explorer.core.resources import resource_path
from cnn_explorer.core.train.calibration import check_temperature
from cnn_explorer.core.train.engine import EpochRecord
from cnn_explorer.core.train.model_numbers import validate_model_numbers

FORMAT = "cnn-explorer-model"
FORMAT_VERSION = 1
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin")
#: names usable wherever a MODEL path is accepted -> the bundled model's path stem under resources/
BUNDLED_MODELS = {"mnist": ("models", "mnist")}


@dataclass
class TrainedModel:
    """A model with what it needs beside it: spec, class names, normalisation, training history.

    ``mean`` and ``std`` are per channel on the 0..1 scale; ``history`` holds
    EpochRecords over every run; ``path`` is the JSON file it was loaded from
    (None when trained in this session); ``steps`` counts the optimisation
    steps it was trained in this session (0 for a loaded model).
    """

    model: object
    spec: object
    class_names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    history: list = field(default_factory=list)
    path: Path | None = None
    steps: int = 0
    #: the calibration: divide the logits by it before the softmax (1 for models saved before calibration)
    temperature: float = 1.0

    @property
    def normalization(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return self.mean, self.std

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(H, W, C), as the spec says."""
        return tuple(self.spec.input_shape)


def resolve_model_path(name_or_path) -> Path:
    """A bundled model's name ("mnist") -> its path stem in resources/models/; anything else -> a Path."""
    text = str(name_or_path)
    if text in BUNDLED_MODELS:
        return resource_path(*BUNDLED_MODELS[text])
    return Path(text).expanduser()


def model_files(path, *, bundled: bool = True) -> tuple[Path, Path]:
    """(weights, json) paths for a model path: a stem, ``X.safetensors``, ``X.json`` or a directory.

    ``bundled`` = False takes a bundled model's name ("mnist") as a plain path,
    as saving does: training never overwrites the bundled model by its name.
    """
    path = resolve_model_path(path) if bundled else Path(str(path)).expanduser()
    if path.is_dir():
        return path / "model.safetensors", path / "model.json"
    if path.suffix in (".safetensors", ".json"):
        path = path.with_suffix("")
    return path.with_name(path.name + ".safetensors"), path.with_name(path.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _history_dicts(history) -> list[dict]:
    out = []
    for record in history or ():
        data = record.to_dict() if hasattr(record, "to_dict") else dict(record)
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()})
    return out


def save_model(path, model, spec, *, class_names, mean, std, history=None, temperature: float = 1.0) -> Path:
    """Write ``model``'s weights and its description to ``path`` (see the module doc); returns the JSON path.

    ``temperature`` is the model's calibration (the logits are divided by it before the softmax wherever
    probabilities are shown); it is stored in the JSON.
    """
    from safetensors.torch import save_file

    if spec is None:
        raise CnnExplorerError("spec: a model is saved with its spec, so that it can be rebuilt")
    weights_path, json_path = model_files(path, bundled=False)
    tensors = {name: t.detach().to("cpu").contiguous().clone() for name, t in model.state_dict().items()}
    digest: list[str] = []

    def write_weights(tmp: Path) -> None:
        save_file(tensors, str(tmp), metadata={"format": "pt"})
        os.chmod(tmp, new_file_mode())  # safetensors' save_file makes 0600 files, which nobody else could load
        digest.append(_sha256(tmp))

    def write_json(tmp: Path) -> None:
        meta["weights_sha256"] = digest[0]
        fill(tmp, (json.dumps(meta, indent=1, allow_nan=False) + "\n").encode("utf-8"))

    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec": spec.to_dict(),
        "class_names": [str(c) for c in class_names],
        "mean": [float(m) for m in mean],
        "std": [float(s) for s in std],
        "history": _history_dicts(history),
        "weights": weights_path.name,
        **_temperature_entry(temperature),
    }
    atomic_write_all([(weights_path, write_weights), (json_path, write_json)])
    return json_path


def new_file_mode() -> int:
    """The permissions any file the user creates gets: 0o666 less the process's umask."""
    try:  # Linux: read it without changing it (os.umask would, for a moment, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _temperature_entry(temperature: float) -> dict:
    """The JSON entry of a calibration; none for T = 1, which is what a file without one means."""
    try:
        t = check_temperature(temperature)
    except ValueError as exc:
        raise CnnExplorerError(f"calibration: {exc}") from None
    return {} if t == 1.0 else {"temperature": t}


def read_temperature(meta: dict, json_path: Path) -> float:
    """The calibration temperature in a model's JSON: 1 when absent (files saved before calibration)."""
    try:
        return check_temperature(meta.get("temperature"))
    except ValueError as exc:
        raise CnnExplorerError(f"{json_path}: {exc}") from None


def _read_meta(json_path: Path) -> dict:
    if not json_path.is_file():
        raise CnnExplorerError(f"{json_path}: not found (a model is a .json file beside its .safetensors weights)")
    try:
        meta = read_json(json_path, "model description", allow_nonfinite=True)
    except CnnExplorerError as exc:
        reason = str(exc).removeprefix(f"model description {str(json_path)!r}: ")
        raise CnnExplorerError(
            f"{json_path}: not a valid model description (corrupt or truncated JSON: {reason})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CnnExplorerError(f"{json_path}: not a CNN Explorer model description")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CnnExplorerError(f"{json_path}: format version {version} is newer than this program reads "
                               f"({FORMAT_VERSION}); update CNN Explorer")
    for key in ("spec", "class_names", "mean", "std"):
        if key not in meta:
            raise CnnExplorerError(f"{json_path}: missing {key!r}")
    return meta


def _read_safetensors(weights_path: Path, meta: dict, json_path: Path) -> dict:
    from safetensors.torch import load_file

    if not weights_path.is_file():
        raise CnnExplorerError(f"{weights_path}: not found (the weights of {json_path.name})")
    check_bytes(check_regular_file(weights_path), str(weights_path), "loading these weights")
    expected = meta.get("weights_sha256")
    if expected and _sha256(weights_path) != expected:
        raise CnnExplorerError(f"{weights_path}: does not match the checksum in {json_path.name} "
                               "(corrupt, truncated or replaced file)")
    try:
        return load_file(str(weights_path), device="cpu")
    except Exception as exc:  # safetensors raises its own error types for bad headers and short files
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise CnnExplorerError(
            f"{weights_path}: not a valid safetensors file (corrupt or truncated: {reason})") from None


def _read_pickle_state_dict(path: Path) -> dict:
    """A plain state dict from a torch/pickle file, read with ``weights_only=True``: no code ever runs."""
    import torch

    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        first = " ".join(str(exc).split())[:160]
        raise CnnExplorerError(f"{path}: refused: only a plain state dict of tensors is read from a pickle-based "
                               f"file, and no code in it is run ({first})") from None
    if not isinstance(data, dict) or not data or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()):
        raise CnnExplorerError(f"{path}: refused: not a plain state dict of tensors (save with "
                               "model.state_dict(), or better, with CNN Explorer's safetensors format)")
    return data


def load_model(path) -> TrainedModel:
    """Load a model saved by ``save_model`` (or a ``.pt``/``.pth`` state dict with its ``.json``), in eval mode on CPU.

    Every problem (missing, corrupt, truncated or mismatched files, pickled
    code, NaN or absurd numbers in the weights or the metadata: ``model_numbers``)
    raises CnnExplorerError naming the file.
    """
    resolved = resolve_model_path(path)
    if resolved.suffix.lower() in PICKLE_SUFFIXES:
        json_path = resolved.with_suffix(".json")
        if not json_path.is_file():
            raise CnnExplorerError(f"{resolved}: a bare state dict has no model spec; "
                                   f"{json_path.name} with the spec must sit beside it")
        meta = _read_meta(json_path)
        if not resolved.is_file():
            raise CnnExplorerError(f"{resolved}: not found")
        check_bytes(check_regular_file(resolved), str(resolved), "loading these weights")
        state = _read_pickle_state_dict(resolved)
        weights_path = resolved
    else:
        weights_path, json_path = model_files(resolved)
        if not json_path.exists() and not weights_path.exists():
            raise CnnExplorerError(f"{resolved}: no model there (expected {json_path.name} and {weights_path.name})")
        meta = _read_meta(json_path)
        state = _read_safetensors(weights_path, meta, json_path)
    try:
        spec = ModelSpec.from_dict(meta["spec"])
    except CnnExplorerError as exc:
        raise CnnExplorerError(f"{json_path}: bad model spec: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CnnExplorerError(f"{json_path}: bad model spec ({exc.__class__.__name__}: {exc})") from None
    class_names, mean, std = validate_model_numbers(meta, state, spec, json_path, weights_path)
    model = build_model(spec)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())[:300]
        raise CnnExplorerError(f"{weights_path}: weights do not fit the spec in {json_path.name} ({detail})") from None
    model.eval()
    history = []
    for item in meta.get("history") or []:
        try:
            history.append(EpochRecord.from_dict(item))
        except (AttributeError, KeyError, TypeError, ValueError):
            continue  # an unreadable history line costs nothing at inference
    return TrainedModel(model, spec, class_names, mean, std, history, json_path,
                        temperature=read_temperature(meta, json_path))
