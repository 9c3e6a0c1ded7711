"""ONNX export of a trained model (the optional ``onnx`` extra).

``torch.onnx.export`` needs the ``onnx`` package, and its exporter in recent
torch versions also ``onnxscript``; when either is missing the user gets one
line naming the packages and the pip command. Torch is imported inside
functions only.

The exported model outputs logits, as the app's model does. A model calibrated
with a temperature T (its JSON's "temperature") gives calibrated probabilities as
softmax(logits / T): ``export_message`` says so when T is not 1.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.atomic import atomic_write

ONNX_PACKAGES = ("onnx", "onnxscript")


def missing_onnx_packages() -> list[str]:
    """The packages ONNX export needs that are not installed (empty when export can run)."""
    return [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]


def export_onnx(model, path, input_shape: tuple[int, int, int], *, opset: int = 18) -> Path:
    """Write ``model`` (input (N, C, H, W) float32 normalised, output logits) as ONNX to ``path``; returns it.

    ``input_shape`` is (H, W, C) as in model specs; the batch axis is dynamic.
    Raises CnnExplorerError when the ONNX packages are missing or export fails.
    """
    missing = missing_onnx_packages()
    if missing:
        raise CnnExplorerError(
            f"ONNX export needs the package(s) {', '.join(missing)}: "
            f"pip install {' '.join(missing)}  (or pip install 'cnn-explorer[onnx]')"
        )
    import torch

    height, width, channels = input_shape
    example = torch.zeros(1, channels, height, width)
    target = Path(path)
    was_training = model.training
    model.eval()
    try:
        # a copy on the CPU for a model elsewhere: the caller's model stays where it is
        on_cpu = all(p.device.type == "cpu" for p in model.parameters())
        exported = model if on_cpu else copy.deepcopy(model).cpu()

        def write(tmp: Path) -> None:
            torch.onnx.export(exported, (example,), str(tmp), input_names=["image"], output_names=["logits"],
                              dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset)

        atomic_write(target, write)
    except CnnExplorerError:
        raise
    except Exception as exc:
        raise CnnExplorerError(f"{target}: ONNX export failed: {' '.join(str(exc).split())[:200]}") from None
    finally:
        model.train(was_training)
    return target


def model_temperature(json_path) -> float:
    """The temperature in a saved model's JSON ("temperature"), 1.0 when it has none or it is unreadable."""
    try:
        meta = json.loads(Path(json_path).read_text(encoding="utf-8"))
        value = meta.get("temperature", 1.0) if isinstance(meta, dict) else 1.0
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return 1.0
    return float(value)


def export_message(path, temperature: float = 1.0) -> str:
    """The line a finished export prints: the file, and for a calibrated model how to get its probabilities."""
    if temperature == 1.0:
        return f"exported {path}"
    t = format_number(temperature, "plain")
    return (f"exported {path}: outputs logits (apply softmax(logits / T) with T = {t} "
            "for calibrated probabilities)")
