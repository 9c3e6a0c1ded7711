"""Every hostile-file case (the slow ones included) through the real CLI: a table of outcome, time and peak memory.

Each case runs in its own process under an address-space limit (3 GB by default), so a
regression shows as a failed row instead of taking the machine down. Columns: case,
entry point (sub-command), exit code, seconds, peak RSS of that process (``wait4``),
verdict (ok: exit 2, one short line on stderr, the words the case expects, no file of the
user's changed, no temporary file left; the reason otherwise).

    python benchmarks/hostile_all.py [--only SUBSTRING] [--limit-gb 3] [--timeout 60] [--tree OTHER_CHECKOUT]

Exits 1 when any case fails. The fast cases also run in the suite (tests/hostile/test_files.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))

import test_files  # noqa: E402 - the cases live beside the tests
from hostile_helpers import MAX_MESSAGE, snapshot  # noqa: E402


def _verdict(case, code: int, err: str, changed: bool, leftovers: list[str]) -> str:
    lines = err.splitlines()
    if code != 2:
        return f"exit {code}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr"
    line = lines[0]
    if not line.startswith("cnn-explorer: error: ") or "internal error" in line:
        return "not a plain error line"
    if len(line) > MAX_MESSAGE:
        return f"message of {len(line)} characters"
    missing = [w for w in case.expect if w.lower() not in line.lower()]
    if missing:
        return f"message lacks {missing[0]!r}"
    if changed:
        return "a user file changed"
    if leftovers:
        return f"left {leftovers[0]}"
    return "ok"


def run(case, limit: int, timeout: float, tree: Path = REPO) -> tuple[int, float, int, str, str]:
    """(exit code, seconds, peak RSS in bytes, verdict, stderr's first line) of one case in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp)
        argv = test_files.prepare(case, folder)
        before = snapshot(folder)
        env = {k: v for k, v in os.environ.items() if k != "CNN_EXPLORER_DEBUG"}
        env["PYTHONPATH"] = str(tree)

        def limit_memory() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        err_path = folder.parent / f"{folder.name}.err"
        start = time.monotonic()
        with open(err_path, "w+b") as err, open(os.devnull, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "cnn_explorer", *argv], stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, cwd=folder, env=env, preexec_fn=limit_memory)
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - start > timeout:
                    proc.send_signal(signal.SIGKILL)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
            proc.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - start
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
        err_path.unlink(missing_ok=True)
        code = proc.returncode
        leftovers = sorted(p.name for p in folder.rglob(".*.tmp"))
        verdict = f"hung (killed after {timeout:.0f} s)" if seconds > timeout else _verdict(
            case, code, text, snapshot(folder) != before, leftovers)
        peak = usage.ru_maxrss * 1024  # kilobytes on Linux
        return code, seconds, peak, verdict, (text.splitlines() or [""])[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", metavar="TEXT", help="run only the cases whose name contains TEXT")
    parser.add_argument("--limit-gb", type=float, default=3.0, help="address-space limit of each case (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as hung")
    parser.add_argument("--verbose", action="store_true", help="also print each case's message")
    parser.add_argument("--tree", metavar="DIR", type=Path, default=REPO,
                        help="run the CLI of this checkout instead (e.g. an older one, for a before/after table)")
    args = parser.parse_args(argv)
    cases = [c for c in test_files.CASES if not args.only or args.only in c.id]
    limit = int(args.limit_gb * 1024**3)
    width = max(len(c.id) for c in cases)
    print(f"{'case':<{width}}  {'entry point':<14} {'exit':>4} {'seconds':>8} {'peak RSS':>9}  verdict")
    failed = 0
    total = time.monotonic()
    for case in cases:
        code, seconds, peak, verdict, line = run(case, limit, args.timeout, args.tree.resolve())
        failed += verdict != "ok"
        entry = "export-script" if case.id.startswith("export-script") else case.id.split("-")[0]
        print(f"{case.id:<{width}}  {entry:<14} {code:>4} {seconds:>8.2f} {peak / 1e6:>6.0f} MB  {verdict}"
              + (" (slow)" if case.slow else ""), flush=True)
        if args.verbose:
            print(f"    {line[:200]}")
    print(f"\n{len(cases) - failed} of {len(cases)} cases ok in {time.monotonic() - total:.0f} s "
          f"(address-space limit {args.limit_gb:g} GB a case)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
