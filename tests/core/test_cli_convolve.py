"""`cnn-explorer convolve` and `cnn-explorer kernels`: the slides' examples as golden tests, outputs, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnn_explorer import cli
from cnn_explorer.commands import convolve as convolve_cmd
from cnn_explorer.commands.kernels import pretty_number
from cnn_explorer.core.conv.convolution import ACTIVATIONS
from cnn_explorer.core.io.image_save import save_grid
from cnn_explorer.core.io.images import load_grid
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.library import PRESETS
from cnn_explorer.core.kernels.samples import SAMPLES

REPO = Path(__file__).resolve().parents[2]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def grid_from_stdout(text: str) -> np.ndarray:
    """The number rows printed by convolve (lines of plain numbers; '#' and other lines skipped)."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            continue
    return np.array([r for r in rows if r])


@pytest.fixture
def grids(tmp_path) -> dict[str, Path]:
    paths = {}
    for name, grid in (("000-1", seeds.SLIDE_000_1_IMAGE), ("000-4", seeds.SLIDE_000_4_IMAGE),
                       ("001-5", seeds.SLIDE_001_5_IMAGE), ("003-5", seeds.SLIDE_003_5_MAP),
                       ("004", seeds.SLIDE_004_X_IMAGE)):
        paths[name] = tmp_path / f"{name}.csv"
        save_grid(paths[name], grid)
    return paths


# --- golden: the slides through the CLI ----------------------------------------------------------

def test_000_1_feature_map_and_explain(capsys, grids):
    code, out, err = run_cli(capsys, "convolve", grids["000-1"], "--kernel", "1,0,1;0,1,0;1,0,1", "--explain", "0,0")
    assert code == 0 and err == ""
    assert f"cell (0, 0): {seeds.SLIDE_000_1_FIRST_CELL}" in out
    assert out.splitlines()[1].endswith("= 429")
    assert "output size: (6 − 3) / 1 + 1 = 4" in out
    np.testing.assert_array_equal(grid_from_stdout(out), seeds.SLIDE_000_1_FEATURE)


def test_000_1_pooled(capsys, grids, tmp_path):
    code, out, _ = run_cli(capsys, "convolve", grids["000-1"], "--kernel", "slide-corners", "--pool", "max:2:2",
                           "-o", tmp_path / "p.npy")
    assert code == 0 and "max-pooled 2×2 stride 2" in out
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), seeds.SLIDE_000_1_POOLED)


def test_000_1_pool_windows_explained(capsys):
    code, out, _ = run_cli(capsys, "convolve", "sample:000-1", "--explain-pool", "0,0", "--explain-pool", "1,1")
    assert code == 0
    assert "pooled (0, 0): max(429, 505, 261, 792) = 792 (winner at row 1, col 1)" in out
    assert "pooled (1, 1): max(851, 751, 713, 657) = 851 (winner at row 2, col 2)" in out


def test_000_4_happy_face_ceil_pool(capsys, grids):
    code, out, _ = run_cli(capsys, "convolve", grids["000-4"], "--kernel", "0 0 1;1 0 0;0 1 1")
    feature = grid_from_stdout(out)
    np.testing.assert_array_equal(feature, seeds.SLIDE_000_4_FEATURE)
    assert feature[2].tolist() != seeds.SLIDE_000_4_FEATURE_ROW3_ERRATUM.tolist()  # the slide's erratum
    code, out, _ = run_cli(capsys, "convolve", grids["000-4"], "--kernel", "slide-detector", "--pool", "max:2:2:ceil")
    assert code == 0
    np.testing.assert_array_equal(grid_from_stdout(out), seeds.SLIDE_000_4_POOLED)


def test_001_5_stride_two_with_corrected_values(capsys, grids, tmp_path):
    code, out, _ = run_cli(capsys, "convolve", grids["001-5"], "--kernel", "slide-stride", "--stride", "2",
                           "--explain", "0,2", "--explain", "1,2", "-o", tmp_path / "s.csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("cell (0, 2): ") and lines[1].endswith("= 88")
    assert lines[2].startswith("cell (1, 2): ") and lines[2].endswith("= 117")
    got = load_grid(tmp_path / "s.csv")
    np.testing.assert_array_equal(got, seeds.SLIDE_001_5_FEATURE)
    assert (got[0, 2], got[1, 2]) == (88, 117)  # the slide's 83 and 127 are errata


def test_004_x_normalize_relu_ceil_pool(capsys, grids, tmp_path):
    out_path = tmp_path / "xo.npy"
    code, out, _ = run_cli(capsys, "convolve", grids["004"], "--kernel", "xo-diagonal", "--kernel", "xo-x",
                           "--kernel", "xo-anti-diagonal", "--normalize", "--activation", "relu",
                           "--pool", "max:2:2:ceil", "--explain", "0,0", "-o", out_path)
    assert code == 0
    assert "kernel 1 (xo-diagonal) cell (0, 0): (" in out and ") / 9 = 0.7778" in out
    got = np.load(out_path)
    assert got.shape == (3, 4, 4)
    for mine, slide in zip(got, seeds.SLIDE_004_POOLED):
        np.testing.assert_allclose(mine, slide, atol=seeds.SLIDE_004_POOLED_TOLERANCE)
    code, out, _ = run_cli(capsys, "convolve", grids["004"], "--kernel", "xo-diagonal", "--normalize")
    first_row = grid_from_stdout(out)[0]
    np.testing.assert_allclose(first_row, seeds.SLIDE_004_DIAGONAL_FIRST_ROW, atol=1e-4)


def test_003_5_pooling(capsys, grids):
    code, out, _ = run_cli(capsys, "convolve", grids["003-5"], "--kernel", "1", "--pool", "max")
    assert code == 0
    np.testing.assert_allclose(grid_from_stdout(out), seeds.SLIDE_003_5_POOLED)
    code, out, _ = run_cli(capsys, "convolve", grids["003-5"], "--kernel", "1", "--pool", "avg:2:2")
    np.testing.assert_allclose(grid_from_stdout(out), [[0.175, 0.775], [0.0, 0.225]])


def test_samples_bring_their_settings_and_options_override(capsys):
    code, out, _ = run_cli(capsys, "convolve", "sample:000-1", "--explain", "0,0")
    assert code == 0 and "= 429" in out
    np.testing.assert_array_equal(grid_from_stdout(out), seeds.SLIDE_000_1_POOLED)
    code, out, _ = run_cli(capsys, "convolve", "sample:000-1", "--pool", "none")
    np.testing.assert_array_equal(grid_from_stdout(out), seeds.SLIDE_000_1_FEATURE)
    code, out, _ = run_cli(capsys, "convolve", "sample:001-5")
    np.testing.assert_array_equal(grid_from_stdout(out), seeds.SLIDE_001_5_FEATURE)
    code, out, _ = run_cli(capsys, "convolve", "sample:000-6-slash")
    assert grid_from_stdout(out).tolist() == [[-4.0]]


# --- options and outputs -------------------------------------------------------------------------

def test_negative_first_value_with_equals_and_help_says_so(capsys, grids):
    code, out, _ = run_cli(capsys, "convolve", grids["000-1"], "--kernel=-1,0,1;-2,0,2;-1,0,1")
    assert code == 0
    expected = -np.array([[sum((seeds.SLIDE_000_1_IMAGE[i:i + 3, j:j + 3] * PRESETS["sobel-right"].values).ravel())
                           for j in range(4)] for i in range(4)])
    np.testing.assert_array_equal(grid_from_stdout(out), -expected)
    with pytest.raises(SystemExit) as info:
        cli.main(["convolve", "--help"])
    assert info.value.code == 0
    help_text = capsys.readouterr().out
    assert "--kernel=-1,0,1;-2,0,2;-1,0,1" in help_text and "sample:NAME" in help_text


def test_padding_bias_flip_dilation_activation(capsys, grids):
    def grid(*opts):
        code, out, err = run_cli(capsys, "convolve", grids["000-1"], *opts)
        assert code == 0, err
        return grid_from_stdout(out)

    assert grid("--kernel", "identity", "--padding", "same").tolist() == seeds.SLIDE_000_1_IMAGE.tolist()
    assert grid("--kernel", "identity", "--padding", "1,0,0,2").shape == (5, 6)
    assert grid("--kernel", "slide-corners", "--bias=-1/2")[0, 0] == 428.5
    assert grid("--kernel", "slide-corners", "--bias", "-0.5")[0, 0] == 428.5
    assert grid("--kernel", "slide-stride", "--flip")[0, 0] == float(
        (seeds.SLIDE_000_1_IMAGE[:3, :3] * seeds.SLIDE_001_5_KERNEL[::-1, ::-1]).sum())
    assert grid("--kernel", "1 1", "--dilation", "1,5")[0].tolist() == [18 + 188]
    assert grid("--kernel", "identity", "--padding", "same", "--padding-mode", "edge", "--stride", "2,3").shape == (3, 2)
    assert grid("--kernel", "sobel-top", "--activation", "relu").min() == 0


def test_output_files(capsys, grids, tmp_path):
    one = ["convolve", grids["000-1"], "--kernel", "slide-corners"]
    two = one + ["--kernel", "identity"]
    assert run_cli(capsys, *one, "-o", tmp_path / "one.npy")[0] == 0
    assert np.load(tmp_path / "one.npy").shape == (4, 4)
    assert run_cli(capsys, *two, "-o", tmp_path / "two.npy")[0] == 0
    two_maps = np.load(tmp_path / "two.npy")
    assert two_maps.shape == (2, 4, 4) and np.array_equal(two_maps[1], seeds.SLIDE_000_1_IMAGE[1:5, 1:5])
    assert run_cli(capsys, *two, "-o", tmp_path / "two.csv")[0] == 0
    text = (tmp_path / "two.csv").read_text()
    assert text.startswith("429,505,686,856\n") and "\n\n" in text  # blocks separated by a blank line
    assert np.array_equal(np.moveaxis(load_grid(tmp_path / "two.csv"), -1, 0), two_maps)
    code, out, _ = run_cli(capsys, *two, "-o", tmp_path / "two.png")
    assert code == 0 and "wrote" in out
    with Image.open(tmp_path / "two.png") as im:
        assert im.format == "PNG" and im.size == (4 * 64 * 2 + 4, 4 * 64)


def test_stdout_stack_and_large_results(capsys, grids, tmp_path):
    code, out, _ = run_cli(capsys, "convolve", grids["000-1"], "--kernel", "slide-corners", "--kernel", "identity")
    assert "# map 1 (slide-corners)" in out and "# map 2 (identity)" in out
    big = tmp_path / "big.png"
    Image.fromarray(np.zeros((60, 70), np.uint8)).save(big)
    code, out, _ = run_cli(capsys, "convolve", big, "--kernel", "box-blur")
    assert code == 0 and "58×68, too large to print" in out and "min 0, max 0" in out


def test_input_notes_and_colour_choice(capsys, tmp_path):
    path = tmp_path / "rgba.png"
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    Image.fromarray(rgba, "RGBA").save(path)
    code, out, err = run_cli(capsys, "convolve", path, "--kernel", "identity", "--rgb")
    assert code == 0 and "composited on white" in err
    assert grid_from_stdout(out).tolist() == [[3 * 255.0] * 2] * 2  # identity summed over 3 white channels
    code, out, _ = run_cli(capsys, "convolve", "sample:001-7", "--grey", "--kernel", "identity")
    assert grid_from_stdout(out).shape == (4, 4)


def test_activation_choices_mirror_the_core():
    assert convolve_cmd.ACTIVATION_CHOICES == ACTIVATIONS


# --- kernels command -----------------------------------------------------------------------------

def test_kernels_lists_every_preset_with_values(capsys):
    code, out, _ = run_cli(capsys, "kernels")
    assert code == 0
    for p in PRESETS.values():
        assert f"  {p.name} (" in out and p.description in out
    assert "blur/sharpen:" in out and "1/9" in out and "-1 -2 -1" in out


def test_kernel_cells_print_as_readable_numbers():
    assert [pretty_number(v) for v in (2, -0.5, 1 / 9, 0.123456, 2.00001, 1e-5)] == [
        "2", "-1/2", "1/9", "0.1235", "2", "1e-05"]


def test_kernels_json_and_names(capsys):
    code, out, _ = run_cli(capsys, "kernels", "--json")
    data = json.loads(out)
    assert [d["name"] for d in data] == list(PRESETS)
    assert all(np.array_equal(d["values"], PRESETS[d["name"]].values) for d in data)
    code, out, _ = run_cli(capsys, "kernels", "sobel-top", "--json")
    assert [d["name"] for d in json.loads(out)] == ["sobel-top"]


def test_kernels_samples(capsys):
    code, out, _ = run_cli(capsys, "kernels", "--samples")
    assert code == 0
    for name in SAMPLES:
        assert f"  {name}" in out
    assert "000-1: 6×6 example with the corner filter (slide 000-1), 6×6" in out
    assert "normalize, relu, max-pool 2×2 stride 2 ceil" in out
    # grouped by topic, in SAMPLE_TOPICS order, the human name first and the slide code second
    assert out.index("Convolution step by step:") < out.index("  000-1:") < out.index("Photos:")
    code, out, _ = run_cli(capsys, "kernels", "--samples", "--json", "004")
    (d,) = json.loads(out)
    assert d["slide"] == "004" and d["kernels"] == ["xo-diagonal", "xo-x", "xo-anti-diagonal"]
    assert d["title"] == "The 9×9 X with its three features" and d["topic"] == "X or O: features of a tiny CNN"
    assert d["label"] == "The 9×9 X with its three features (slide 004)"
    assert d["conv"]["normalize"] is True and d["pool"]["ceil_mode"] is True


# --- bad input -----------------------------------------------------------------------------------

BAD = [
    (["missing.csv", "-k", "identity"], "file not found"),
    (["{empty}", "-k", "identity"], "empty file (0 bytes)"),
    (["{text_png}", "-k", "identity"], "not a readable image (not a PNG, JPEG"),
    (["{nan_csv}", "-k", "identity"], "'nan' is not a finite number"),
    (["{pickle_npy}", "-k", "identity"], "Python objects; refused"),
    (["{g}", "-k", "1,0;0,x"], "row 2, column 2: 'x' is not a number"),
    (["{g}", "-k", "1,0,1;0,1"], "row 2 has 2 values but row 1 has 3"),
    (["{g}", "-k", "soble-top"], "unknown preset 'soble-top'; did you mean sobel-top"),
    (["{g}", "-k", "nope.json"], "kernel file 'nope.json': file not found"),
    (["{g}", "-k", "{bad_json}"], "invalid JSON at line 1"),
    (["{g}"], "--kernel: required"),
    (["{g}", "-k", "identity", "-k", "gaussian-5x5"], "the kernels of a stack must have one shape; got 3×3, 5×5"),
    (["{g}", "-k", "gaussian-5x5", "-k", "gaussian-5x5", "--stride", "0"], "stride: must be at least 1, got 0"),
    (["{g}", "-k", "identity", "--stride", "two"], "--stride: expected whole numbers"),
    (["{g}", "-k", "identity", "--stride", "1,2,3"], "--stride: expected 1 or 2 numbers, got 3"),
    (["{g}", "-k", "identity", "--padding", "full"], "--padding: expected whole numbers"),
    (["{g}", "-k", "identity", "--padding", "-1"], "padding: must not be negative, got -1"),
    (["{g}", "-k", "identity", "--dilation", "0"], "dilation: must be at least 1, got 0"),
    (["{g}", "-k", "identity", "--bias", "lots"], "--bias: 'lots' is not a number"),
    (["{g}", "-k", "identity", "--pool", "median"], "--pool: expected max|avg"),
    (["{g}", "-k", "identity", "--pool", "max:0"], "pool size: must be at least 1, got 0"),
    (["{g}", "-k", "gaussian-5x5", "--pool", "max:3:1", "--stride", "2"], "pool"),
    (["{g}", "-k", "identity", "--explain", "1"], "--explain: expected 2 numbers, got 1"),
    (["{g}", "-k", "identity", "--explain", "4,0"], "--explain: cell (4, 0) is outside the 4×4 feature map"),
    (["{g}", "-k", "identity", "--explain-pool", "0,0"], "--explain-pool: needs --pool"),
    (["{g}", "-k", "identity", "--pool", "max", "--explain", "0,0", "--explain-pool", "2,0"],
     "--explain-pool: cell (2, 0) is outside the 2×2 pooled map"),
    (["{g}", "-k", "identity", "-o", "out.jpg"], "-o: unsupported type '.jpg'"),
    (["{g}", "-k", "identity", "-o", "no/such/folder/out.npy"], "-o: folder 'no/such/folder' does not exist"),
    (["{g}", "-k", "identity", "--precision", "99"], "--precision: must be at most 15, got 99"),
    (["{g}", "-k", "1 1 1 1 1 1 1"], "kernel"),  # wider than the 6×6 input
    (["{g}", "-k", "1 0;0 1 | 1 0;0 1"], "channel"),  # a 2-channel filter on a grey grid
    (["sample:nope", "-k", "identity"], "sample: unknown 'nope'"),
    (["{g}", "-k", "identity", "--activation", "softmax"], "invalid choice: 'softmax'"),
    (["{g}", "-k", "-1,0,1"], "expected one argument"),  # without '=' argparse takes it for an option
]


@pytest.mark.parametrize("argv, message", BAD, ids=[m for _, m in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    files = {
        "g": tmp_path / "g.csv", "empty": tmp_path / "empty.png", "text_png": tmp_path / "text.png",
        "nan_csv": tmp_path / "nan.csv", "pickle_npy": tmp_path / "obj.npy", "bad_json": tmp_path / "bad.json",
    }
    save_grid(files["g"], seeds.SLIDE_000_1_IMAGE)
    files["empty"].write_bytes(b"")
    files["text_png"].write_text("not a picture")
    files["nan_csv"].write_text("1,2\n3,nan\n")
    np.save(files["pickle_npy"], np.array([{"a": 1}], dtype=object), allow_pickle=True)
    files["bad_json"].write_text("{values: [[1]]}")
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    try:
        code = cli.main(["convolve", *args])
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("cnn-explorer")
    assert message in err
    assert "Traceback" not in err and out == ""
    assert not list(tmp_path.glob("out.*"))


def test_unknown_preset_in_kernels_command(capsys):
    code, _, err = run_cli(capsys, "kernels", "sobel")
    assert code == 2 and "did you mean sobel-top" in err and err.count("\n") == 1


def test_real_process_exit_codes(tmp_path):
    grid = tmp_path / "g.csv"
    save_grid(grid, seeds.SLIDE_000_1_IMAGE)
    ok = subprocess.run([sys.executable, "-m", "cnn_explorer", "convolve", str(grid), "--kernel=-1,0,1;0,1,0;1,0,1",
                         "--explain", "0,0"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "18×(−1) + 54×0 + 51×1" in ok.stdout and ok.stdout.splitlines()[1].endswith("= 393")
    bad = subprocess.run([sys.executable, "-m", "cnn_explorer", "convolve", str(grid), "--kernel", "1,0;0"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == ["cnn-explorer: error: kernel: row 2 has 1 values but row 1 has 2 "
                                                "(every row needs the same count)"]
