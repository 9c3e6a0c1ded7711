"""`cnn-explorer animate` and `cnn-explorer worksheet`: what they write, and one-line errors for bad input."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from cnn_explorer.cli import main
from tests.ui.export_helpers import pdf_pages_text


def test_animate_sample(qapp, tmp_path, capsys):
    out = tmp_path / "pool.gif"
    assert main(["animate", "sample:000-1", "--stage", "pool", "--fps", "2", "--size", "400x300", "-o", str(out)]) == 0
    assert "Exported 4 frames to pool.gif" in capsys.readouterr().out
    with Image.open(out) as im:
        assert im.n_frames == 4 and im.size == (400, 300) and im.info["duration"] == 500


def test_animate_grid_with_options(qapp, tmp_path):
    grid = tmp_path / "grid.csv"
    grid.write_text("1,2,3,4\n5,6,7,8\n9,10,11,12\n13,14,15,16\n")
    out = tmp_path / "rows.png"
    assert main(["animate", str(grid), "--kernel", "1,0;0,-1", "--padding", "1", "--pace", "row",
                 "--size", "320x240", "--scale", "1.5", "-o", str(out)]) == 0
    with Image.open(out) as im:
        assert im.n_frames == 6 and im.size == (480, 360)         # 5×5 map: step 1, then each row's end


def test_worksheet_sample_and_random(qapp, tmp_path, capsys):
    out = tmp_path / "corners.pdf"
    assert main(["worksheet", "sample:000-1", "--paper", "letter", "-o", str(out)]) == 0
    assert "2 pages, Letter" in capsys.readouterr().out
    exercise, key = pdf_pages_text(out)
    assert "429" in key and "429" not in exercise
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for path in (a, b):
        assert main(["worksheet", "--random", "--size", "5", "--kernel-size", "2", "--seed", "42", "--pool", "max",
                     "-o", str(path)]) == 0
    assert pdf_pages_text(a) == pdf_pages_text(b)
    assert "seed 42" in pdf_pages_text(a)[0]


@pytest.mark.parametrize("argv, words", [
    (["animate", "sample:000-1", "-o", "{tmp}/a.mp4"], "unsupported type '.mp4'"),
    (["animate", "sample:000-1", "-o", "{tmp}/missing/a.gif"], "does not exist"),
    (["animate", "sample:000-1", "--fps", "0", "-o", "{tmp}/a.gif"], "--fps"),
    (["animate", "sample:000-1", "--size", "800", "-o", "{tmp}/a.gif"], "--size"),
    (["animate", "sample:001-4", "--stage", "pool", "-o", "{tmp}/a.gif"], "no pooling"),
    (["animate", "sample:000-1", "--stride", "9", "-o", "{tmp}/a.gif"], "larger than|stride"),
    (["animate", "sample:000-1", "--which", "2", "-o", "{tmp}/a.gif"], "--which"),
    (["worksheet", "sample:letter-a", "-o", "{tmp}/a.pdf"], "at most 12×12"),
    (["worksheet", "sample:000-1", "-o", "{tmp}/a.png"], ".pdf"),
    (["worksheet", "--random", "--size", "6", "-o", "{tmp}/a.pdf"], "--seed"),
    (["worksheet", "--random", "--seed", "1", "--size", "20", "-o", "{tmp}/a.pdf"], "--size"),
    (["worksheet", "-o", "{tmp}/a.pdf"], "INPUT"),
    (["worksheet", "sample:001-7", "-o", "{tmp}/a.pdf"], "grey"),
    (["worksheet", "sample:000-1", "--padding", "-3", "-o", "{tmp}/a.pdf"], "padding"),
])
def test_bad_input_one_line_exit_2_nothing_written(qapp, tmp_path, capsys, argv, words):
    import re

    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if not line.startswith("note:")]) == 1
    assert re.search(words, err[-1])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder_refused(qapp, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["animate", "sample:000-1", "-o", str(folder / "a.gif")]) == 2
        assert "permission denied" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)
