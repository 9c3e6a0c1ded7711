"""Run the generated Keras code with Keras 3 on its torch backend, for tests/core/test_codegen_keras.py.

Reads a JSON list of {"name", "spec"} from stdin; for each, executes ``keras_code(spec)`` as written
(compile and summary included) in a fresh namespace, copies the weights of ``build_model(spec)``
into the Keras model and compares the outputs on random images. Prints one JSON object a case:
name, output_shape, count_params, trainable, layers (each layer's output shape and trainable
parameters), max_diff and scale (the largest output in size). One process for all cases, so
Keras is imported once.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from cnn_explorer.core.model.build import build_model  # noqa: E402
from cnn_explorer.core.model.codegen import keras_code  # noqa: E402
from cnn_explorer.core.model.layers import BatchNorm, Conv2D, Dense, Flatten, Softmax  # noqa: E402
from cnn_explorer.core.model.shapes import plan  # noqa: E402
from cnn_explorer.core.model.spec import ModelSpec  # noqa: E402


def flat_order(h: int, w: int, c: int) -> np.ndarray:
    """For each position of Keras' (H, W, C) flattening, the index of the same value in torch's (C, H, W)."""
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)


def copy_weights(spec: ModelSpec, built: torch.nn.Module, model) -> None:
    weighted = [layer for layer in model.layers if layer.weights]
    plans, _ = plan(spec)
    order = None
    for step in plans:
        layer = step.layer
        if isinstance(layer, Flatten):
            order = flat_order(*step.in_shape) if len(step.in_shape) == 3 else None
        if not isinstance(layer, (Conv2D, Dense, BatchNorm)):
            continue
        module = getattr(built, step.names["main"])
        target = weighted.pop(0)
        values = [p.detach().numpy() for p in module.parameters()]
        if isinstance(layer, Conv2D):
            values[0] = values[0].transpose(2, 3, 1, 0)
        elif isinstance(layer, Dense):
            matrix = values[0] if order is None else values[0][:, order]
            values[0] = matrix.T
            order = None
        else:
            values += [module.running_mean.numpy(), module.running_var.numpy()]
            if order is not None and len(step.in_shape) == 1:
                values = [v[order] for v in values]
        target.set_weights(values)
    assert not weighted, "Keras layers with weights left over"


def run(case: dict) -> dict:
    spec = ModelSpec.from_dict(case["spec"])
    code = keras_code(spec)
    namespace: dict = {"__name__": "generated"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"<keras {case['name']}>", "exec"), namespace)  # noqa: S102 - our generated code
    model = namespace["model"]
    torch.manual_seed(0)
    built = build_model(spec)
    with torch.no_grad():
        for module in built.modules():
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(0.5, 2)
    built.eval()
    copy_weights(spec, built, model)
    h, w, c = spec.input_shape
    x = torch.randn(4, c, h, w, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = built(x)
        last = spec.layers[-1]
        if isinstance(last, Softmax) or (isinstance(last, Dense) and last.activation == "softmax"):
            expected = expected.softmax(dim=1)
    got = keras.ops.convert_to_numpy(model(x.permute(0, 2, 3, 1).numpy(), training=False))
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    layers = [{"shape": list(layer.output.shape[1:]),
               "trainable": int(sum(np.prod(v.shape) for v in layer.trainable_weights))} for layer in model.layers]
    return {"name": case["name"], "output_shape": list(model.output_shape), "count_params": model.count_params(),
            "layers": layers,
            "trainable": trainable, "max_diff": float(np.abs(got - expected.numpy()).max()),
            "scale": float(np.abs(expected.numpy()).max())}


def main() -> None:
    for case in json.load(sys.stdin):
        try:
            print(json.dumps(run(case)), flush=True)
        except Exception as exc:  # reported per case, so one failure names its spec
            print(json.dumps({"name": case["name"], "error": f"{exc.__class__.__name__}: {exc}"}), flush=True)


if __name__ == "__main__":
    main()
