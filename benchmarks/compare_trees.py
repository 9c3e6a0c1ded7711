"""Run benchmarks on two checkouts of the project, alternating, and print both outputs side by side.

    python benchmarks/compare_trees.py /path/to/before /path/to/after [--rounds 2] [bench_convolution ...]

Each round runs every named benchmark once on each tree (the order swapped every other
round), with that tree first on PYTHONPATH, so both are measured on the same machine in the
same minutes. Use it for before/after figures of a change; the benchmarks themselves print
their own reference (torch, core alone) so each line is comparable within its run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

DEFAULT = ["bench_convolution", "bench_explorer_edit", "bench_startup", "bench_training"]


def run(tree: Path, bench: str, extra: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    script = tree / "benchmarks" / f"{bench}.py"
    out = subprocess.run([sys.executable, str(script), *extra], cwd=tree, env=env,
                         capture_output=True, text=True, timeout=1800)
    return out.stdout + (f"\n[exit {out.returncode}] {out.stderr[-2000:]}" if out.returncode else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("benches", nargs="*", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--args", default="", help="extra arguments for every benchmark, e.g. '--repeats 11'")
    args = parser.parse_intermixed_args(argv)
    extra = args.args.split()
    for bench in args.benches:
        for r in range(args.rounds):
            order = [("before", args.before), ("after", args.after)]
            if r % 2:
                order.reverse()
            for label, tree in order:
                print(f"===== {bench} · round {r + 1} · {label} ({tree})", flush=True)
                print(run(tree.resolve(), bench, extra), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
