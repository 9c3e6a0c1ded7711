"""Every sub-command's options are checked while the command line is read: exit 2, one short line naming the option.

Nothing runs before the check (no dataset is loaded, no model trained, no file written), so
each case is instant; the types themselves (commands/options.py) are tested at the end.
"""

from __future__ import annotations

import argparse

import pytest

from cnn_explorer import cli
from cnn_explorer.commands import options
from cnn_explorer.core.errors import excerpt

TRAIN = ["train", "--preset", "xo-tiny", "--dataset", "xo", "-o", "M"]
EXPORT = ["export-script", "--preset", "xo-tiny", "--dataset", "xo", "-o", "S.py"]
CONVOLVE = ["convolve", "sample:000-1", "--kernel", "sharpen"]
LONG = "9" * 5000

CASES = [
    ([*CONVOLVE, "--padding", "1e20"], "--padding: expected whole numbers"),
    ([*CONVOLVE, "--padding", "99999999999"], "--padding: each number must be at most 1,000"),
    ([*CONVOLVE, "--padding", LONG], "--padding: expected whole numbers"),
    ([*CONVOLVE, "--stride", "1,99999999"], "--stride: each number must be at most 10,000"),
    ([*CONVOLVE, "--dilation", "2e9"], "--dilation: expected whole numbers"),
    ([*CONVOLVE, "--precision", "1e5"], "--precision: must be a whole number in 0..15"),
    ([*CONVOLVE, "--precision", "-1"], "--precision: must be at least 0"),
    ([*TRAIN, "--seed", "2e70"], "--seed: must be a whole number in 0..4294967295"),
    ([*TRAIN, "--seed", str(2**70)], "--seed: must be at most 4294967295"),
    ([*TRAIN, "--seed", "-1"], "--seed: must be at least 0"),
    ([*TRAIN, "--threads", "1e20"], "--threads: must be a whole number in 1..1024"),
    ([*TRAIN, "--threads", "100000000000000000000"], "--threads: must be at most 1024"),
    ([*TRAIN, "--epochs", "0"], "--epochs: must be at least 1, got 0"),
    ([*TRAIN, "--epochs", LONG], "--epochs: must be a whole number in 1..100000"),
    ([*TRAIN, "--batch-size", "0"], "--batch-size: must be at least 1"),
    ([*TRAIN, "--batch-size", "1e9"], "--batch-size: must be a whole number"),
    ([*TRAIN, "--lr", "nan"], "--lr: must be a finite number more than 0"),
    ([*TRAIN, "--lr", "inf"], "--lr: must be a finite number"),
    ([*TRAIN, "--lr", "0"], "--lr: must be more than 0, got 0"),
    ([*TRAIN, "--weight-decay", "inf"], "--weight-decay: must be a finite number in [0, 1]"),
    ([*TRAIN, "--weight-decay", "nan"], "--weight-decay: must be a finite number in [0, 1]"),
    ([*TRAIN, "--weight-decay", "-1"], "--weight-decay: must be in [0, 1], got -1"),
    ([*TRAIN, "--momentum", "1"], "--momentum: must be in [0, 1), got 1"),
    ([*TRAIN, "--label-smoothing", "1e999"], "--label-smoothing: must be a finite number"),
    ([*TRAIN, "--augment-rotate", "1e308"], "--augment-rotate: must be in [0, 180]"),
    ([*TRAIN, "--augment-scale", "-0.5"], "--augment-scale: must be in [0, 1)"),
    ([*TRAIN, "--target-accuracy", "0"], "--target-accuracy: must be in (0, 100]"),
    ([*EXPORT, "--weight-decay", "inf"], "--weight-decay: must be a finite number"),
    ([*EXPORT, "--seed", "2e70"], "--seed: must be a whole number"),
    ([*EXPORT, "--epochs", "-3"], "--epochs: must be at least 1"),
    (["evaluate", "mnist", "--dataset", "xo", "--batch-size", "1e20"], "--batch-size: must be a whole number"),
    (["classify", "a.png", "--top", "0"], "--top: must be at least 1"),
    (["datasets", "--info", "xo", "--seed", "2e70"], "--seed: must be a whole number"),
    (["datasets", "--info", "xo", "--size", "99999999"], "--size: must be at most 4096"),
    (["datasets", "--download", "mnist", "--base-url", "::bad"], "--base-url: expected an http:// or https://"),
    (["datasets", "--download", "mnist", "--base-url", "ftp://example.org/"], "--base-url: expected an http://"),
    (["datasets", "--download", "mnist", "--base-url", "http://"], "--base-url: expected an http://"),
    (["datasets", "--download", "mnist", "--base-url", "http://host:99999/"], "--base-url: expected an http://"),
    (["datasets", "--download", "mnist", "--base-url", "http://ex ample.org/"], "--base-url: expected an http://"),
    (["datasets", "--download", "mnist", "--base-url", "http://[::1/"], "--base-url: expected an http://"),
    (["datasets", "--download", "mnist", "--base-url", "https://" + "a" * 3000], "--base-url: expected an http://"),
    (["--screenshot", "x.png", "--scale", "nan"], "--scale: must be a finite number in [0.5, 4]"),
    (["--screenshot", "x.png", "--scale", "40"], "--scale: must be in [0.5, 4], got 40"),
    (["--screenshot", "x.png", "--step", "1e20"], "--step: must be a whole number in 0..100000"),
    (["--screenshot", "x.png", "--size", "99999999999x3"], "--size: expected WIDTHxHEIGHT"),
    (["--screenshot", "x.png", "--size", "100x100"], "--size: 100x100 is outside 320x240 .. 8192x8192"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[f"{a[0]}{a[-2]}={a[-1][:12]}" for a, _ in CASES])
def test_out_of_range_options_exit_2_with_one_line_naming_the_option(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert message in err, err
    assert err.count("\n") == 1 and len(err) < 240 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing ran, nothing was written


def test_weight_decay_inf_is_never_reported_as_divergence(capsys):
    with pytest.raises(SystemExit):
        cli.main([*TRAIN, "--weight-decay", "inf"])
    assert "diverged" not in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    [*CONVOLVE, "--precision", "15", "--padding", "same", "--stride", "2,1", "--dilation", "1"],
    [*TRAIN, "--seed", str(2**32 - 1), "--lr", "1e12", "--weight-decay", "1", "--momentum", "0.99"],
    ["datasets", "--download", "mnist", "--base-url", "https://example.org:8443/mnist/"],
    ["datasets", "--download", "mnist", "--base-url", "http://[::1]:8000/"],
    ["--screenshot", "x.png", "--scale", "1.5", "--size", "1366x768", "--step", "3"],
])
def test_values_in_range_are_accepted(argv):
    args = cli.build_parser().parse_args(argv)
    assert args is not None


def test_the_types_alone():
    assert options.whole(1, 10)(" 7 ") == 7
    assert options.real(0, 1)("0.5") == 0.5
    assert options.seed("0") == 0
    assert options.url(" https://example.org/x/ ") == "https://example.org/x/"
    assert options.int_tuple((1, 2, 4), 1000, words=("same",))("1,2,3,4") == "1,2,3,4"
    for parse, text in [(options.whole(1, 10), "11"), (options.real(0, 1, hi_open=True), "1"),
                        (options.real(0, None, lo_open=True), "-0.0"), (options.url, "javascript:alert(1)"),
                        (options.int_tuple((2,), 10), "1,2,3")]:
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)


def test_messages_quote_a_short_excerpt_of_what_was_typed():
    with pytest.raises(argparse.ArgumentTypeError) as info:
        options.whole(0, 10)("x" * 80_000)
    assert len(str(info.value)) < 150 and "(80,000 characters)" in str(info.value)
    assert len(excerpt("y" * 1000)) < 90 and excerpt("short") == "'short'"
    assert options.one_line("argument --x: a\nb " + "c" * 1000).startswith("--x: a b c")
    assert len(options.one_line("c" * 1000)) == 300


# ------------------------------------------------------------------------------------- inline kernels
def _rows(n: int, cell: str = "1") -> str:
    return ";".join(",".join(cell for _ in range(n)) for _ in range(n))


def test_an_inline_11x11_kernel_is_a_kernel_not_a_file_name(capsys, tmp_path):
    grid = tmp_path / "g.csv"
    grid.write_text("\n".join(",".join("1" for _ in range(12)) for _ in range(12)))
    assert cli.main(["convolve", str(grid), f"--kernel={_rows(11)}"]) == 0
    out = capsys.readouterr().out.split()
    assert out == ["121"] * 4  # a 2x2 map of 121 ones


@pytest.mark.parametrize(("text", "message"), [
    (_rows(200), "kernel: 200×200 is too large (at most 11×11)"),
    (_rows(200, "x"), "kernel: "),
    ("a" * 80_000, "(80,000 characters)"),
    ("1,0;" * 20_000 + "1,x", "kernel"),
])
def test_long_kernel_text_gets_a_short_message(capsys, text, message):
    assert cli.main(["convolve", "sample:000-1", f"--kernel={text}"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and len(err) < 300, err[:500]
    assert "File name too long" not in err


def test_every_cli_error_line_is_short(monkeypatch, capsys):
    from cnn_explorer.core.errors import CnnExplorerError

    class Long:
        def add_parser(self, sub):
            sub.add_parser("long")

        def run(self, args):
            raise CnnExplorerError("file " + "x" * 100_000 + ": file not found")

    monkeypatch.setattr(cli, "command_modules", lambda: {"long": Long()})
    assert cli.main(["long"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) <= len("cnn-explorer: error: ") + cli.MAX_LINE + 1
