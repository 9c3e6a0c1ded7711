"""The commands' progress line: redrawn in place on a terminal, plain lines or silence elsewhere."""

from __future__ import annotations

import io

import pytest

from cnn_explorer.commands import progress as progress_module
from cnn_explorer.commands.progress import (
    ERASE_LINE,
    DownloadProgress,
    ProgressLine,
    bar,
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _reported(stream, total, *done, message="f"):
    """What a DownloadProgress writes to ``stream`` for these byte counts of ``total``."""
    report = DownloadProgress(stream)
    for value in done:
        report(value, total, message)
    return stream.getvalue()


def test_download_with_a_known_total_on_a_terminal_is_one_line_redrawn_each_percent():
    assert _reported(Terminal(), 1_000_000, 0, 10_000, 20_000, 500_000, 1_000_000, message="mnist") == (
        f"{ERASE_LINE}mnist: 0.0 / 1.0 MB (0%)"
        f"{ERASE_LINE}mnist: 0.0 / 1.0 MB (1%)"
        f"{ERASE_LINE}mnist: 0.0 / 1.0 MB (2%)"
        f"{ERASE_LINE}mnist: 0.5 / 1.0 MB (50%)"
        f"{ERASE_LINE}mnist: 1.0 / 1.0 MB (100%)\n"
    )


def test_download_redraws_nothing_within_the_same_percent():
    assert _reported(Terminal(), 1_000_000, 10_000, 10_500) == f"{ERASE_LINE}f: 0.0 / 1.0 MB (1%)"


def test_download_with_a_known_total_to_a_file_prints_a_line_each_quarter():
    text = _reported(io.StringIO(), 4_000_000, *range(0, 4_000_001, 200_000), message="cifar10")
    assert text.splitlines() == [
        "cifar10: 0.0 / 4.0 MB (0%)",
        "cifar10: 1.0 / 4.0 MB (25%)",
        "cifar10: 2.0 / 4.0 MB (50%)",
        "cifar10: 3.0 / 4.0 MB (75%)",
        "cifar10: 4.0 / 4.0 MB (100%)",
    ]
    assert "\r" not in text


@pytest.mark.parametrize("total", [None, 0])
def test_download_with_an_unknown_total_counts_whole_megabytes(total):
    text = _reported(io.StringIO(), total, 0, 400_000, 1_000_000, 1_900_000, 2_100_000)
    assert text.splitlines() == ["f: 0.0 MB", "f: 1.0 MB", "f: 2.1 MB"]


def test_download_with_an_unknown_total_on_a_terminal_never_ends_the_line():
    assert _reported(Terminal(), None, 0, 1_500_000) == f"{ERASE_LINE}f: 0.0 MB{ERASE_LINE}f: 1.5 MB"


def test_a_second_file_after_a_finished_one_starts_a_new_line():
    stream = Terminal()
    report = DownloadProgress(stream)
    report(100, 100, "a")
    report(100, 100, "b")
    assert stream.getvalue() == f"{ERASE_LINE}a: 0.0 / 0.0 MB (100%)\n{ERASE_LINE}b: 0.0 / 0.0 MB (100%)\n"


def test_a_terminal_only_line_writes_nothing_to_a_file():
    stream = io.StringIO()
    line = ProgressLine(stream, plain=False)
    assert line.show("epoch 1/1", force=True) is False
    line.clear()
    line.end()
    assert stream.getvalue() == ""


def test_redraws_are_throttled_unless_forced(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: now[0])
    stream = Terminal()
    line = ProgressLine(stream, min_interval_s=0.1)
    assert line.show("a")
    now[0] += 0.05
    assert not line.show("b")
    assert line.show("c", force=True)
    now[0] += 0.2
    assert line.show("d")
    assert stream.getvalue() == f"{ERASE_LINE}a{ERASE_LINE}c{ERASE_LINE}d"


def test_clear_erases_a_shown_line_once():
    stream = Terminal()
    line = ProgressLine(stream)
    line.clear()
    assert stream.getvalue() == ""
    line.show("epoch 1/2 [#---]")
    line.clear()
    line.clear()
    assert stream.getvalue() == f"{ERASE_LINE}epoch 1/2 [#---]{ERASE_LINE}"


def test_the_stream_is_stderr_by_default(capsys):
    line = ProgressLine()
    line.show("hello")
    assert capsys.readouterr().err == "hello\n"


@pytest.mark.parametrize(("done", "total", "width", "text"), [
    (0, 8, 8, "--------"), (2, 8, 8, "##------"), (8, 8, 8, "########"), (1, 3, 24, "#" * 8 + "-" * 16),
])
def test_bar(done, total, width, text):
    assert bar(done, total, width) == text
