"""Hostile input: running the CLI on a hostile file and judging the outcome (shared by the tests and the benchmark).

A case passes when the CLI exits 2 with ONE short line on stderr, within a few seconds, and
no file of the user's changed. Cases that could eat memory or hang run in a subprocess under
an address-space limit (``run_cli_limited``), so a regression cannot take the machine down;
the rest run in-process (``run_cli``) for speed.

Import these from ``hostile_helpers`` (not from ``conftest``: every test folder has one).
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: the address-space limit of a subprocess case (the interpreter, numpy and torch need about 1.5 GB of it)
ADDRESS_SPACE_LIMIT = 3 * 1024**3
#: seconds a subprocess case may take before it counts as a hang
HANG_SECONDS = 60.0
#: the longest one-line message we accept
MAX_MESSAGE = 300


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def _limit_address_space() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run_cli_limited(*argv: str | Path, timeout: float = HANG_SECONDS, cwd: Path | None = None) -> Outcome:
    """``cnn-explorer ARGV`` in a subprocess under an address-space limit; a hang fails the test."""
    env = {k: v for k, v in os.environ.items() if k != "CNN_EXPLORER_DEBUG"}
    env.update(PYTHONPATH=str(REPO), PYTHONWARNINGS="default")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cnn_explorer", *map(str, argv)],
            capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
            preexec_fn=_limit_address_space, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"cnn-explorer {' '.join(map(str, argv))[:200]} did not finish within {timeout:.0f} s")
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def run_cli(capsys, *argv: str | Path) -> Outcome:
    """``cnn-explorer ARGV`` in this process (fast; for cases that cannot hang or eat memory)."""
    from cnn_explorer import cli

    start = time.monotonic()
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return Outcome(code, out, err, time.monotonic() - start)


def assert_refused(outcome: Outcome, *expect: str) -> str:
    """Exit 2, exactly one short line on stderr (no warning, no traceback) containing every ``expect``."""
    lines = outcome.err.splitlines()
    assert outcome.code == 2, f"exit {outcome.code}, stderr: {outcome.err[-2000:]!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {outcome.err[-2000:]!r}"
    line = lines[0]
    assert line.startswith("cnn-explorer: error: "), line
    assert "internal error" not in line and "Traceback" not in line, line
    assert len(line) <= MAX_MESSAGE, f"message of {len(line)} characters: {line[:400]!r}"
    for word in expect:
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"
    return line


def snapshot(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (never following special files) -> its SHA-256."""
    result = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() or not p.is_file():
            result[str(p.relative_to(folder))] = "special"
            continue
        result[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return result
