"""``cnn-explorer kernels``: list the kernel presets (or, with --samples, the samples)."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

from cnn_explorer.core.format import format_number


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "kernels", help="list kernel presets with their values (--samples: the samples)",
        description="List the kernel presets by group with a description and their values, "
                    "or with --samples the built-in samples (the slides' grids, synthetic pictures, photos). "
                    "Preset and sample names are accepted by `cnn-explorer convolve` "
                    "(--kernel NAME, INPUT sample:NAME) and the window (--kernel, --sample).",
    )
    p.add_argument("names", metavar="NAME", nargs="*", help="show only these presets (or samples)")
    p.add_argument("--samples", action="store_true", help="list the samples instead of the kernels")
    p.add_argument("--json", action="store_true", help="print JSON (exact values) instead of text")
    return p


def pretty_number(value: float) -> str:
    """Readable kernel cell: ``1``, ``-0.5``, ``1/9`` (small exact fractions), else 4 decimals."""
    v = float(value)
    if v.is_integer():
        return str(int(v))
    frac = Fraction(v).limit_denominator(512)
    if float(frac) == v:
        return f"{frac.numerator}/{frac.denominator}"
    return format_number(v, "plain")


def _grid(values, indent: str) -> list[str]:
    import numpy as np  # here, not at the top, so that `cnn-explorer --help` stays fast

    arr = np.asarray(values)
    channels = [arr] if arr.ndim == 2 else [arr[:, :, c] for c in range(arr.shape[2])]
    lines = []
    for c, grid in enumerate(channels):
        if len(channels) > 1:
            lines.append(f"{indent}channel {c + 1}:")
        cells = [[pretty_number(v) for v in row] for row in grid]
        width = max(len(x) for row in cells for x in row)
        lines += [indent + " ".join(x.rjust(width) for x in row) for row in cells]
    return lines


def _shape(values) -> str:
    return "×".join(str(s) for s in values.shape)


def _list_kernels(names: list[str], as_json: bool) -> None:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.kernels.library import PRESETS, get_preset, presets_by_group

    chosen = [get_preset(n) for n in names] if names else list(PRESETS.values())
    if as_json:
        print(json.dumps([{"name": p.name, "group": p.group, "description": p.description,
                           "shape": list(p.values.shape), "values": p.values.tolist()} for p in chosen],
                         indent=1, ensure_ascii=False))
        return
    wanted = {p.name for p in chosen}
    first = True
    for group, presets in presets_by_group().items():
        presets = [p for p in presets if p.name in wanted]
        if not presets:
            continue
        if not first:
            print()
        first = False
        print(f"{group}:")
        for p in presets:
            print(f"  {p.name} ({_shape(p.values)}): {p.description}")
            print("\n".join(_grid(p.values, "      ")))


def _conv_text(sample) -> str:
    c = sample.conv
    parts = [f"stride {c.stride[0]}" if c.stride[0] == c.stride[1] else f"stride {c.stride[0]},{c.stride[1]}"]
    pad = c.padding if isinstance(c.padding, str) else ",".join(map(str, c.padding)) if isinstance(c.padding, tuple) else str(c.padding)
    parts.append(f"padding {pad}" + (f" ({c.padding_mode})" if c.padding_mode != "zeros" else ""))
    if c.dilation != (1, 1):
        parts.append(f"dilation {c.dilation[0]},{c.dilation[1]}")
    if c.normalize:
        parts.append("normalize")
    if c.bias:
        parts.append(f"bias {c.bias:g}")
    if c.flip:
        parts.append("flip")
    if sample.activation != "none":
        parts.append(sample.activation)
    if sample.pool is not None:
        p = sample.pool
        parts.append(f"{p.mode}-pool {p.size[0]}×{p.size[1]} stride {p.stride[0]}" + (" ceil" if p.ceil_mode else ""))
    return ", ".join(parts)


def _list_samples(names: list[str], as_json: bool) -> None:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.kernels.samples import SAMPLES, get_sample

    chosen = [get_sample(n) for n in names] if names else [SAMPLES[n] for n in SAMPLES]
    if as_json:
        out = []
        for s in chosen:
            c = s.conv
            out.append({
                "name": s.name, "title": s.title, "label": s.label, "topic": s.topic, "group": s.group,
                "slide": s.slide,
                "description": s.description, "shape": list(s.image.shape), "kernels": s.kernel_names(),
                "conv": {"stride": list(c.stride), "padding": c.padding if not isinstance(c.padding, tuple)
                         else list(c.padding), "padding_mode": c.padding_mode, "dilation": list(c.dilation),
                         "bias": c.bias, "normalize": c.normalize, "flip": c.flip},
                "activation": s.activation,
                "pool": None if s.pool is None else {"mode": s.pool.mode, "size": list(s.pool.size),
                                                     "stride": list(s.pool.stride), "ceil_mode": s.pool.ceil_mode},
            })
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    wanted = {s.name: s for s in chosen}
    first = True
    for topic, topic_names in SAMPLES.by_topic().items():
        in_topic = [wanted[n] for n in topic_names if n in wanted]
        if not in_topic:
            continue
        if not first:
            print()
        first = False
        print(f"{topic}:")
        for s in in_topic:
            print(f"  {s.name}: {s.label}, {_shape(s.image)}")
            print(f"      kernels {', '.join(s.kernel_names())}; {_conv_text(s)}")


def run(args) -> int:
    if args.samples:
        _list_samples(args.names, args.json)
    else:
        _list_kernels(args.names, args.json)
    return 0
