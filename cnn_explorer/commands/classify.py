"""``cnn-explorer classify``: the label a model gives each picture, with the classify page's preprocessing."""

from __future__ import annotations

import argparse
import json
import sys

from cnn_explorer.commands.options import whole
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.checkpoints import load_model


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "classify",
        help="classify pictures (e.g. photos of handwritten digits) with a saved model",
        description="Print one line per picture: 'PATH: LABEL (PROBABILITY)'. Pictures are prepared as the "
        "classify page prepares a drawing: for a one-channel model the ink is found (dark on light or light "
        "on dark), cropped, scaled to 20/28 of the input and centred by its centre of mass, as MNIST was "
        "made; colour models get the picture letterboxed to their input size. Probabilities are calibrated "
        "with the model's temperature. Exit code 2 if any picture could not be classified (the others are "
        "still printed).",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="picture files (PNG, JPEG, BMP, GIF, TIFF, WebP ...)")
    p.add_argument("--model", default="mnist", metavar="MODEL",
                   help="a saved model (MODEL.json + MODEL.safetensors) or 'mnist', the bundled digit model "
                   "(default)")
    p.add_argument("--top", type=whole(1, 1000), default=1, metavar="K", help="show the K most likely labels (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON with every class's probability instead")
    p.add_argument("--preprocess", choices=("auto", "digit", "fit"), default="auto",
                   help="digit: MNIST-style; fit: letterbox; auto (default): digit for one-channel models")
    return p


def _percent(p: float) -> str:
    return f"{100.0 * p:.1f}%"


def run(args) -> int:
    # numpy, torch and the core built on them load here, not at the top, so that `cnn-explorer --help` stays fast
    import numpy as np
    import torch

    from cnn_explorer.core.datasets.preprocess import load_image, prepare_input
    from cnn_explorer.core.interpret.common import probabilities, scores

    loaded = load_model(args.model)
    names = tuple(loaded.class_names)
    if not 1 <= args.top <= len(names):
        raise CnnExplorerError(f"--top: must be 1..{len(names)} (the model has {len(names)} classes), got {args.top}")
    shape = tuple(loaded.spec.input_shape)

    inputs: list[tuple[str, np.ndarray | None, str | None]] = []
    for path in args.images:
        try:
            prepared = prepare_input(load_image(path), shape, loaded.mean, loaded.std, mode=args.preprocess)
        except CnnExplorerError as exc:
            inputs.append((path, None, " ".join(str(exc).split())))
            continue
        if prepared is None:
            inputs.append((path, None, f"{path}: blank picture (no ink on a plain background)"))
        else:
            inputs.append((path, prepared.array, None))

    ready = [a for _, a, _ in inputs if a is not None]
    probs = np.zeros((0, len(names)), np.float32)
    if ready:
        device = next(loaded.model.parameters()).device
        chunks = []
        with scores(loaded.model) as run_model, torch.inference_mode():
            for i in range(0, len(ready), 256):
                batch = torch.from_numpy(np.concatenate(ready[i:i + 256])).to(device)
                # the model's calibration: its logits divided by the temperature fitted after training
                chunks.append(probabilities(run_model(batch).float() / loaded.temperature).cpu().numpy())
        probs = np.concatenate(chunks)

    failed = 0
    results = []
    row = 0
    for path, array, error in inputs:
        if array is None:
            failed += 1
            print(f"cnn-explorer: error: {error}", file=sys.stderr)
            results.append({"path": path, "error": error})
            continue
        p = probs[row]
        row += 1
        order = np.argsort(-p, kind="stable")
        if args.json:
            results.append({
                "path": path,
                "label": names[order[0]],
                "index": int(order[0]),
                "probability": round(float(p[order[0]]), 6),
                "probabilities": {name: round(float(v), 6) for name, v in zip(names, p)},
            })
        else:
            best = ", ".join(f"{names[i]} ({_percent(float(p[i]))})" for i in order[:args.top])
            print(f"{path}: {best}", flush=True)
    if args.json:
        json.dump({"model": str(args.model), "class_names": list(names), "results": results}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 2 if failed else 0
