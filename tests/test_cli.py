"""The CLI's last line of defence: whatever goes wrong, one line on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

import pytest

from cnn_explorer import cli


class _Boom:
    def __init__(self, exc):
        self.exc = exc

    def add_parser(self, sub):
        sub.add_parser("boom")

    def run(self, args):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code", "text"),
    [
        (MemoryError(), 2, "not enough memory"),
        (ZeroDivisionError("division by zero"), 1, "internal error: ZeroDivisionError: division by zero"),
    ],
)
def test_unexpected_errors_are_one_line(monkeypatch, capsys, exc, code, text):
    monkeypatch.delenv("CNN_EXPLORER_DEBUG", raising=False)
    monkeypatch.setattr(cli, "command_modules", lambda: {"boom": _Boom(exc)})
    assert cli.main(["boom"]) == code
    err = capsys.readouterr().err
    assert text in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_debug_mode_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("CNN_EXPLORER_DEBUG", "1")
    monkeypatch.setattr(cli, "command_modules", lambda: {"boom": _Boom(ZeroDivisionError("x"))})
    with pytest.raises(ZeroDivisionError):
        cli.main(["boom"])


def test_huge_padding_ends_in_one_line(capsys):
    # refused while the command line is read (issue 18), before any memory is taken
    with pytest.raises(SystemExit) as info:
        cli.main(["convolve", "sample:000-1", "--kernel", "sharpen", "--padding", "200000"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--padding: each number must be at most 1,000, got 200,000" in err


class _Left(Exception):
    """Stands in for os._exit, which would end the test process."""


@pytest.mark.parametrize("joined", [False, True])
def test_the_program_leaves_a_joined_process_group_without_the_teardown(monkeypatch, joined):
    """After DDP, torch's gloo threads outlive destroy_process_group; a torchrun rank must not meet them in the
    interpreter's teardown (it aborted, now and then, a rank that had finished well), so it leaves with os._exit
    once its output is flushed. Any other run ends with sys.exit as usual."""
    from cnn_explorer.core.train.distributed import ProcessGroup

    flushed = []

    class Stream:
        def __init__(self, name):
            self.name = name

        def write(self, text):
            return len(text)

        def flush(self):
            flushed.append(self.name)

    def leave(code):
        raise _Left(code, list(flushed))

    monkeypatch.setattr(ProcessGroup, "joined", joined)
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.os, "_exit", leave)
    monkeypatch.setattr(cli.sys, "stdout", Stream("stdout"))
    monkeypatch.setattr(cli.sys, "stderr", Stream("stderr"))
    if joined:
        with pytest.raises(_Left) as left:
            cli.run_as_program()
        assert left.value.args == (3, ["stdout", "stderr"])
    else:
        with pytest.raises(SystemExit) as info:
            cli.run_as_program()
        assert info.value.code == 3 and flushed == []
