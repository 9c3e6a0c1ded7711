"""Hostile files through every sub-command that reads files: exit 2, one short line, fast, nothing changed.

Three ways to run a case (``how``):
- ``main``: ``cli.main`` in this process (cannot hang, cannot eat memory now that the readers check);
- ``thread``: ``cli.main`` in a watchdog thread, for cases that would hang if a check regressed
  (a FIFO blocks ``open``): the test fails after a few seconds instead of hanging the suite;
- ``sub``: a subprocess under an address-space limit (``RLIMIT_AS``), for cases that would
  allocate gigabytes if a check regressed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import corpus
import pytest
from hostile_helpers import Outcome, assert_refused, run_cli_limited, snapshot

#: seconds an in-process case may take before it counts as a hang
THREAD_SECONDS = 20.0


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]
    argv: Callable[[Path, Path], list]  # (hostile path, folder) -> arguments
    expect: tuple[str, ...] = ()
    how: str = "main"
    slow: bool = False


def _cli_in_thread(capsys, argv: list[str]) -> Outcome:
    from cnn_explorer import cli

    result: dict = {}

    def target() -> None:
        try:
            result["code"] = cli.main(argv)
        except BaseException as exc:  # noqa: BLE001 - reported below
            result["exc"] = exc

    start = time.monotonic()
    worker = threading.Thread(target=target, name="hostile-case", daemon=True)
    worker.start()
    worker.join(THREAD_SECONDS)
    if worker.is_alive():
        pytest.fail(f"cnn-explorer {' '.join(argv)[:200]} hung (still running after {THREAD_SECONDS:.0f} s)")
    if "exc" in result:
        raise result["exc"]
    out, err = capsys.readouterr()
    return Outcome(result["code"], out, err, time.monotonic() - start)


def _cli_main(capsys, argv: list[str]) -> Outcome:
    from cnn_explorer import cli

    start = time.monotonic()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return Outcome(code, out, err, time.monotonic() - start)


def prepare(case: Case, folder: Path) -> list[str]:
    """Build the case's files in ``folder``; the command's arguments."""
    path = case.build(folder)
    return [str(a) for a in case.argv(path, folder)]


def run_case(case: Case, argv: list[str], folder: Path, capsys=None) -> Outcome:
    """Run a prepared case's command the case's way."""
    if case.how == "sub":
        return run_cli_limited(*argv, cwd=folder)
    if case.how == "thread":
        return _cli_in_thread(capsys, argv)
    return _cli_main(capsys, argv)


# --- the cases -------------------------------------------------------------------------------------

def _special_cases() -> list[Case]:
    cases = []
    for kind, make in corpus.SPECIAL.items():
        def pic(folder, make=make):
            return make(folder, "picture.png")

        def grid(folder, make=make):
            return make(folder, "grid.csv")

        def kernel(folder, make=make):
            return make(folder, "kernel.json")

        def spec(folder, make=make):
            return make(folder, "spec.json")

        def npz(folder, make=make):
            return make(folder, "data.npz")

        def model(folder, make=make):
            return make(folder, "model.json")

        why = "folder" if kind == "folder" else "not a regular file"
        cases += [
            Case(f"convolve-input-{kind}", pic, lambda p, d: ["convolve", p, "-k", "identity"], (why,), "thread"),
            Case(f"convolve-grid-{kind}", grid, lambda p, d: ["convolve", p, "-k", "identity"], (why,), "thread"),
            Case(f"convolve-kernel-{kind}", kernel, lambda p, d: ["convolve", "sample:000-1", "-k", p], (), "thread"),
            Case(f"classify-{kind}", pic, lambda p, d: ["classify", p], (why,), "thread"),
            Case(f"summary-{kind}", spec, lambda p, d: ["summary", "--spec", p], (why,), "thread"),
            Case(f"datasets-{kind}", npz, lambda p, d: ["datasets", "--info", p],
                 () if kind == "folder" else (why,), "thread"),
            Case(f"evaluate-{kind}", model, lambda p, d: ["evaluate", p, "--dataset", "xo"], (), "thread"),
        ]
    cases += [
        Case("kernels-fifo", lambda d: corpus.fifo(d, "kernel.json"), lambda p, d: ["kernels", p], ("unknown",)),
        Case("train-spec-fifo", lambda d: corpus.fifo(d, "spec.json"),
             lambda p, d: ["train", "--spec", p, "--dataset", "xo", "--epochs", "1", "-o", d / "model"], ("not a regular file",), "sub"),
        Case("export-script-spec-fifo", lambda d: corpus.fifo(d, "spec.json"),
             lambda p, d: ["export-script", "--spec", p, "--dataset", "xo", "-o", d / "train.py"],
             ("not a regular file",), "thread"),
    ]
    return cases


CONVOLVE = [
    Case("convolve-long-fraction", corpus.long_fraction_csv, lambda p, d: ["convolve", p, "-k", "identity"],
         ("row 2", "column 1", "too long")),
    Case("convolve-big-integer", corpus.big_integer_csv, lambda p, d: ["convolve", p, "-k", "identity"],
         ("row 2", "column 2", "too long")),
    Case("convolve-exponent-fraction", corpus.exponent_fraction_csv,
         lambda p, d: ["convolve", "sample:000-1", "-k", p], ("row 2", "column 1", "too large")),
    # inline text stays under the 255 characters of a file name (longer inline kernels: test_options.py)
    Case("convolve-inline-long-fraction", lambda d: d, lambda p, d: ["convolve", "sample:000-1", "-k",
                                                                      "7" * 200 + "/3,1;1,1"], ("too long",)),
    Case("convolve-inline-exponent", lambda d: d, lambda p, d: ["convolve", "sample:000-1", "-k", "1e999999/7,1;1,1"],
         ("row 1", "column 1", "too large")),
    Case("convolve-deep-json", corpus.deep_json, lambda p, d: ["convolve", "sample:000-1", "-k", p], ("nested",)),
    Case("convolve-huge-int-json", corpus.huge_int_json, lambda p, d: ["convolve", "sample:000-1", "-k", p],
         ("5,000 characters",)),
    Case("convolve-inline-deep-json", lambda d: d,
         lambda p, d: ["convolve", "sample:000-1", "-k", "[" * 100 + "1" + "]" * 100], ("nested",)),
    Case("convolve-overflow", corpus.overflow_kernel, lambda p, d: ["convolve", "sample:000-1", "-k", p],
         ("overflows",)),
    Case("convolve-over-pixel-limit", corpus.over_pixel_limit, lambda p, d: ["convolve", p, "-k", "identity"],
         ("pixels",)),
]

JSON_FILES = [
    Case("summary-deep-spec", corpus.deep_spec, lambda p, d: ["summary", "--spec", p], ("nested",)),
    Case("summary-huge-int-spec", corpus.huge_int_spec, lambda p, d: ["summary", "--spec", p], ("5,000 characters",)),
    Case("summary-classes", lambda d: d, lambda p, d: ["summary", "--preset", "lenet5", "--classes", "100000000000"],
         ("too many",)),
    Case("export-script-deep-spec", corpus.deep_spec,
         lambda p, d: ["export-script", "--spec", p, "--dataset", "xo", "-o", d / "train.py"], ("nested",)),
    Case("classify-deep-model", corpus.deep_model, lambda p, d: ["classify", "--model", p, corpus.picture(d)],
         ("nested",)),
    Case("evaluate-huge-int-model", corpus.huge_int_model, lambda p, d: ["evaluate", p, "--dataset", "xo"],
         ("5,000 characters",)),
    Case("classify-over-pixel-limit", corpus.over_pixel_limit, lambda p, d: ["classify", p], ("pixels",)),
]

MODELS = [
    Case("train-huge-dense", corpus.huge_dense_spec,
         lambda p, d: ["train", "--spec", p, "--dataset", "mnist-sample", "--epochs", "1", "-o", d / "model"], ("GB of weights",)),  # in-process: refused before torch loads
    Case("train-billion-filters", corpus.billion_filters_spec,
         lambda p, d: ["train", "--spec", p, "--dataset", "mnist-sample", "--epochs", "1", "-o", d / "model"], ("needs",), "sub",
         slow=True),  # the same check as train-huge-dense; tests/core/test_hostile_readers.py covers the estimate
]

DATASETS = [
    Case("datasets-idx-header-lie", corpus.idx_header_lie, lambda p, d: ["datasets", "--info", p], ("truncated",)),
    Case("datasets-idx-gz-header-bomb", corpus.idx_gz_header_bomb, lambda p, d: ["datasets", "--info", p],
         ("the limit is",), "sub"),
    Case("datasets-idx-gz-small-bomb", corpus.idx_gz_small_bomb, lambda p, d: ["datasets", "--info", p],
         ("longer than its header says",), "sub"),
    Case("datasets-idx-huge-label", corpus.idx_huge_label, lambda p, d: ["datasets", "--info", p],
         ("2,147,483,648 classes",), "sub"),
    Case("datasets-npz-header-lie", corpus.npz_header_lie, lambda p, d: ["datasets", "--info", p],
         ("truncated",), "sub"),
    Case("datasets-npz-huge-label", corpus.npz_huge_label, lambda p, d: ["datasets", "--info", p],
         ("classes is too many",), "sub"),
    Case("datasets-cifar-billion-laughs", corpus.cifar_billion_laughs, lambda p, d: ["datasets", "--info", p],
         ("billion laughs",), "sub"),
    Case("datasets-cifar-huge-label", corpus.cifar_huge_label, lambda p, d: ["datasets", "--info", p],
         ("classes is too many",), "sub"),
    Case("datasets-picture-folder-bomb", corpus.picture_folder_bomb, lambda p, d: ["datasets", "--info", p],
         ("40 pictures", "the limit"), "sub"),
    Case("train-idx-huge-label", corpus.idx_huge_label,
         lambda p, d: ["train", "--preset", "mnist-fast", "--dataset", p, "--epochs", "1", "-o", d / "model"], ("classes",), "sub",
         slow=True),  # the same reader as datasets-idx-huge-label
    Case("evaluate-idx-header-lie", corpus.idx_header_lie,
         lambda p, d: ["evaluate", "mnist", "--dataset", p], ("truncated",)),
    Case("export-script-idx-header-lie", corpus.idx_header_lie,
         lambda p, d: ["export-script", "--preset", "mnist-fast", "--dataset", p, "-o", d / "train.py"],
         ("truncated",)),
    # slow: the real bombs (gigabytes deflated into megabytes: written in seconds, never inflated by us)
    Case("datasets-idx-gz-bomb", corpus.idx_gz_bomb, lambda p, d: ["datasets", "--info", p],
         ("longer than its header says",), "sub", slow=True),
    Case("datasets-npz-bomb", corpus.npz_bomb, lambda p, d: ["datasets", "--info", p],
         ("the limit is",), "sub", slow=True),
]

CASES = _special_cases() + CONVOLVE + JSON_FILES + MODELS + DATASETS


def _param(case: Case):
    return pytest.param(case, id=case.id, marks=[pytest.mark.hostile_slow] if case.slow else [])


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_file_is_refused(case, tmp_path, capsys):
    argv = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    with corpus.no_leftovers(tmp_path):
        outcome = run_case(case, argv, tmp_path, capsys)
    assert_refused(outcome, *case.expect)
    assert snapshot(tmp_path) == before, "a hostile case changed the user's files"
    assert outcome.seconds < 20, f"took {outcome.seconds:.1f} s"
