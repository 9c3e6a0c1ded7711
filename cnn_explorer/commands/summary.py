"""``cnn-explorer summary``: a model's layer-by-layer shapes and parameter counts, or its code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.io.limits import MAX_CLASSES
from cnn_explorer.core.model.codegen import keras_code, pytorch_code
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.spec import (
    SpecError,
    format_table,
    load_spec,
    save_spec,
    shape_table,
    totals,
    validate,
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "summary",
        help="show a model's shapes and parameters, or its PyTorch/Keras code",
        description="Show a model's output shape, weights, biases and parameters layer by layer "
        f"(a preset: {', '.join(PRESETS)}; or a spec JSON file), adapted to an input shape and classes.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", metavar="NAME", help=f"a preset: {', '.join(PRESETS)}")
    source.add_argument("--spec", metavar="FILE", help="a model spec JSON file")
    parser.add_argument("--input", metavar="H,W,C", help="input shape, e.g. 28,28,1 (H,W means one channel)")
    parser.add_argument("--classes", metavar="N|NAMES",
                        help="number of classes, or their names separated by commas (e.g. cat,dog)")
    parser.add_argument("--code", choices=("pytorch", "keras"), help="print the model as code instead")
    parser.add_argument("--json", action="store_true", help="print the spec and the table as JSON")
    parser.add_argument("--save-spec", metavar="FILE", help="also write the (adapted) spec to this JSON file")
    return parser


def parse_input_shape(text: str) -> tuple[int, int, int]:
    """"28,28,1" or "28x28x1" (or "28,28": one channel) -> (28, 28, 1); CnnExplorerError otherwise."""
    parts = [p.strip() for p in text.replace("x", ",").replace("X", ",").split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 2:
        values.append(1)
    if len(text) > 60 or len(values) != 3 or min(values) < 1:
        raise CnnExplorerError(f"--input: expected height,width,channels of positive integers "
                               f"such as 28,28,1, got {excerpt(text)}")
    if max(values[:2]) > 8192 or values[2] > 1024:
        raise CnnExplorerError(f"--input: at most 8192,8192,1024 (height,width,channels), got {excerpt(text)}")
    return values[0], values[1], values[2]


def parse_classes(text: str) -> int | tuple[str, ...]:
    """"10" -> 10; "cat,dog" -> ("cat", "dog"); CnnExplorerError for fewer than two."""
    text = text.strip()
    if text.isdigit():
        count = int(text) if len(text) <= 12 else MAX_CLASSES + 1
        if count < 2:
            raise CnnExplorerError(f"--classes: need at least 2 classes, got {count}")
        if count > MAX_CLASSES:
            raise CnnExplorerError(f"--classes: {excerpt(text)} classes is too many (at most {MAX_CLASSES:,})")
        return count
    names = tuple(n.strip() for n in text.split(","))
    if len(names) < 2 or not all(names):
        raise CnnExplorerError(f"--classes: expected a number or at least two names separated by commas, "
                               f"got {excerpt(text)}")
    return names


def _row_dict(row) -> dict:
    return {"index": row.index, "name": row.name, "type": row.layer_type, "output_shape": list(row.output_shape),
            "weights": row.weights, "biases": row.biases, "params": row.params, "details": row.details}


def run(args: argparse.Namespace) -> int:
    shape = parse_input_shape(args.input) if args.input else None
    classes = parse_classes(args.classes) if args.classes else None
    if args.preset is not None:
        spec = preset(args.preset, shape, classes)
    else:
        spec = load_spec(args.spec, check=False)
        if shape is not None or classes is not None:
            spec = spec.with_io(shape, classes)
        try:
            validate(spec)
        except SpecError as exc:
            raise SpecError(f"{Path(args.spec).name}: {exc}", exc.layer_index) from None
    if args.save_spec:
        save_spec(spec, args.save_spec)
    out = sys.stdout
    if args.code:
        out.write(pytorch_code(spec) if args.code == "pytorch" else keras_code(spec))
        return 0
    rows = shape_table(spec)
    weights, biases, params = totals(rows)
    if args.json:
        data = {"spec": spec.to_dict(), "layers": [_row_dict(r) for r in rows],
                "totals": {"weights": weights, "biases": biases, "params": params}}
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    title = spec.name or args.spec
    if spec.description:
        title += f": {spec.description}"
    out.write(f"{title}\nClasses ({spec.num_classes}): {', '.join(spec.class_names)}\n")
    out.write(format_table(rows, input_shape=spec.input_shape) + "\n")
    return 0
