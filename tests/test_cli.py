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
