"""The kernel library, kernel text parsing and JSON/CSV kernel files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.library import (
    GROUPS,
    PRESETS,
    get_preset,
    load_kernel,
    load_kernels,
    load_kernels_info,
    parse_kernel_text,
    presets_by_group,
    resolve_kernel,
    resolve_kernels,
    save_kernel,
    save_kernels,
    validate_kernel,
)

CONTRACT_NAMES = [
    "identity", "box-blur", "gaussian-3x3", "gaussian-5x5", "sharpen", "sobel-top", "sobel-bottom", "sobel-left",
    "sobel-right", "prewitt-horizontal", "prewitt-vertical", "laplacian", "emboss", "outline", "line-1", "line-2",
    "line-3", "line-4", "xo-diagonal", "xo-x", "xo-anti-diagonal", "slide-corners", "slide-detector", "slide-stride",
]


# --- the library ---------------------------------------------------------------------------------

def test_every_preset_of_the_issue_is_there_with_a_group_and_one_line_description():
    for name in CONTRACT_NAMES:
        p = PRESETS[name]
        assert p.name == name
        assert p.group in GROUPS
        assert p.description and "\n" not in p.description and len(p.description) < 120
        assert p.values.dtype == np.float64 and p.values.ndim == 2
        assert np.isfinite(p.values).all()
        assert not p.values.flags.writeable


def test_groups_cover_the_picker_and_keep_library_order():
    groups = presets_by_group()
    assert list(groups) == list(GROUPS)
    assert all(groups[g] for g in GROUPS)
    flat = [p.name for g in GROUPS for p in groups[g]]
    assert flat == list(PRESETS)


@pytest.mark.parametrize("name, expected", [
    ("sobel-top", seeds.SLIDE_001_1_KERNEL),
    ("sharpen", seeds.SLIDE_001_2_KERNEL),
    ("line-1", seeds.SLIDE_001_3_LINE_1),
    ("line-2", seeds.SLIDE_001_3_LINE_2),
    ("line-3", seeds.SLIDE_001_3_LINE_3),
    ("line-4", seeds.SLIDE_001_3_LINE_4),
    ("xo-diagonal", seeds.SLIDE_004_DIAGONAL),
    ("xo-x", seeds.SLIDE_004_X),
    ("xo-anti-diagonal", seeds.SLIDE_004_ANTI_DIAGONAL),
    ("slide-corners", [[1, 0, 1], [0, 1, 0], [1, 0, 1]]),
    ("slide-detector", [[0, 0, 1], [1, 0, 0], [0, 1, 1]]),
    ("slide-stride", [[3, 4, 4], [1, 0, 2], [-1, 0, 3]]),
    ("slide-backslash", [[1, -1], [-1, 1]]),
    ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    ("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    ("outline", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    ("sobel-bottom", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    ("sobel-left", [[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
    ("sobel-right", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
])
def test_preset_values(name, expected):
    np.testing.assert_array_equal(PRESETS[name].values, np.asarray(expected, dtype=float))


def test_blurs_sum_to_one_and_edge_detectors_to_zero():
    for name in ("box-blur", "gaussian-3x3", "gaussian-5x5"):
        assert PRESETS[name].values.sum() == pytest.approx(1.0, abs=1e-15)
        assert (PRESETS[name].values > 0).all()
    assert PRESETS["gaussian-5x5"].values.shape == (5, 5)
    assert PRESETS["gaussian-5x5"].values[2, 2] == 36 / 256
    assert PRESETS["box-blur"].values[0, 0] == 1 / 9
    for name in ("sobel-top", "sobel-left", "prewitt-horizontal", "prewitt-vertical", "laplacian", "outline"):
        assert PRESETS[name].values.sum() == 0
    # Prewitt is the unweighted Sobel, oriented like sobel-top and sobel-left
    assert np.array_equal(np.sign(PRESETS["prewitt-horizontal"].values), np.sign(PRESETS["sobel-top"].values))
    assert np.array_equal(np.sign(PRESETS["prewitt-vertical"].values), np.sign(PRESETS["sobel-left"].values))


def test_get_preset_forgives_case_spaces_and_underscores():
    assert get_preset("Sobel_Top") is PRESETS["sobel-top"]
    assert get_preset(" gaussian 3x3 ") is PRESETS["gaussian-3x3"]


def test_unknown_preset_names_close_ones():
    with pytest.raises(CnnExplorerError, match=r"unknown preset 'soble-top'; did you mean sobel-top"):
        get_preset("soble-top")
    with pytest.raises(CnnExplorerError, match="prewitt-horizontal, prewitt-vertical"):
        get_preset("prewitt")
    with pytest.raises(CnnExplorerError, match="cnn-explorer kernels"):
        get_preset("zzzz")


# --- text ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "1,0,1;0,1,0;1,0,1",
    "1 0 1; 0 1 0; 1 0 1",
    "1\t0\t1\n0\t1\t0\n1\t0\t1\n",
    "  1, 0, 1\n\n 0 ,1 , 0 ;\r\n1 0 1;",
    "[[1, 0, 1], [0, 1, 0], [1, 0, 1]]",
    "1 0 1 / 0 1 0 / 1 0 1",  # the slides' notation
])
def test_parse_kernel_text_layouts(text):
    np.testing.assert_array_equal(parse_kernel_text(text), PRESETS["slide-corners"].values)


def test_parse_fractions_unicode_minus_and_exponents():
    k = parse_kernel_text("1/9 −1/9 +2 / 1e-3 -0.5 3/-4")
    np.testing.assert_array_equal(k, [[1 / 9, -1 / 9, 2], [0.001, -0.5, -0.75]])
    assert k.dtype == np.float64


def test_parse_channels_separated_by_bars():
    k = parse_kernel_text("1 0; 0 1 | 2 0; 0 2 | 0 0; 0 -1")
    assert k.shape == (2, 2, 3)
    np.testing.assert_array_equal(k[:, :, 1], [[2, 0], [0, 2]])


@pytest.mark.parametrize("text, message", [
    ("1,0,1;0,x,0;1,0,1", r"row 2, column 2: 'x' is not a number"),
    ("1,0,1;0,1;1,0,1", r"row 2 has 2 values but row 1 has 3"),
    ("1,,1", r"row 1, column 2: empty cell"),
    ("1 nan; 0 1", r"row 1, column 2: 'nan' is not a finite number"),
    ("1 inf; 0 1", r"row 1, column 2: 'inf' is not a finite number"),
    ("1/0 1; 0 1", r"row 1, column 1: '1/0' is not a number"),
    ("", r"kernel: empty text"),
    (" ; \n ", r"kernel: no numbers found"),
    ("1 0; 0 1 | 1 0 0; 0 1 0", r"channel 2 is 2×3 but channel 1 is 2×2"),
    ("1 0 | ", r"channel 2 \(between '\|'\) is empty"),
    ("[[1, 2], [3]]", r"rows have different lengths"),
    ("[[1, 2], [3, 4]", r"invalid JSON list"),
    (";".join([" ".join(["1"] * 12)] * 12), r"12×12 is too large \(at most 11×11\)"),
])
def test_parse_errors_name_the_cell_and_reason(text, message):
    with pytest.raises(CnnExplorerError, match=message):
        parse_kernel_text(text)


# --- validation ----------------------------------------------------------------------------------

def test_validate_kernel_accepts_and_normalises():
    assert validate_kernel([1, -1]).shape == (1, 2)  # a 1-D filter is one row
    assert validate_kernel(np.ones((3, 3, 3), dtype=np.int64)).dtype == np.float64
    assert validate_kernel([[True, False]]).tolist() == [[1.0, 0.0]]
    src = np.ones((2, 2))
    out = validate_kernel(src)
    out[0, 0] = 5
    assert src[0, 0] == 1  # a new array, never a view of the caller's


@pytest.mark.parametrize("values, message", [
    ([[1, 2], [3]], "rows have different lengths"),
    ([[1, "a"], [3, 4]], "non-numeric"),
    ([[1j, 0]], "complex"),
    (np.zeros((0, 3)), "is empty"),
    (np.zeros((2, 2, 2, 2)), "must be 2-D .* or 3-D"),
    ([[1.0, np.nan]], "NaN value at row 1, column 2"),
    ([[1.0, 0.0], [np.inf, 0.0]], "infinite value at row 2, column 1"),
    (np.ones((3, 3, 65)), "65 channels is too many"),
    ("1 0 1", "expected numbers, got text"),
])
def test_validate_kernel_refusals(values, message):
    with pytest.raises(CnnExplorerError, match=message):
        validate_kernel(values)


# --- files ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".json", ".csv"])
@pytest.mark.parametrize("values", [
    PRESETS["gaussian-5x5"].values,
    PRESETS["box-blur"].values,
    np.array([[1 / 3, -2e-17, 7 / 9], [-1, 0, 123456789.125]]),
    np.arange(27, dtype=float).reshape(3, 3, 3) / 7,
])
def test_save_load_round_trip_is_exact(tmp_path, suffix, values):
    path = tmp_path / f"k{suffix}"
    save_kernel(path, values, name="my kernel", description="made in a test")
    back = load_kernel(path)
    assert back.dtype == np.float64 and back.shape == values.shape
    assert np.array_equal(back, values)
    info = load_kernels_info(path)[0]
    assert (info.name, info.description, info.group) == ("my kernel", "made in a test", "file")


def test_saved_files_are_readable(tmp_path):
    save_kernel(tmp_path / "k.csv", PRESETS["sobel-top"].values, name="top")
    assert (tmp_path / "k.csv").read_text() == "# name: top\n1,2,1\n0,0,0\n-1,-2,-1\n"
    save_kernel(tmp_path / "k.json", PRESETS["slide-corners"].values)
    data = json.loads((tmp_path / "k.json").read_text())
    assert data["format"] == "cnn-explorer-kernel" and data["values"] == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_stack_files(tmp_path):
    stack = [PRESETS[n].values for n in ("xo-diagonal", "xo-x", "xo-anti-diagonal")]
    save_kernels(tmp_path / "xo.json", stack, names=["d", "x", "a"])
    back = load_kernels(tmp_path / "xo.json")
    assert len(back) == 3 and all(np.array_equal(a, b) for a, b in zip(back, stack))
    assert [k.name for k in load_kernels_info(tmp_path / "xo.json")] == ["d", "x", "a"]
    with pytest.raises(CnnExplorerError, match="holds 3 kernels; expected one"):
        load_kernel(tmp_path / "xo.json")
    with pytest.raises(CnnExplorerError, match="needs a .json file"):
        save_kernels(tmp_path / "xo.csv", stack)
    assert len(resolve_kernels(str(tmp_path / "xo.json"))) == 3


def test_plain_json_list_and_text_values_are_accepted(tmp_path):
    (tmp_path / "a.json").write_text("[[0, 1], [1, 0]]")
    assert load_kernel(tmp_path / "a.json").tolist() == [[0, 1], [1, 0]]
    (tmp_path / "b.json").write_text('{"values": "1/2 1/2"}')
    assert load_kernel(tmp_path / "b.json").tolist() == [[0.5, 0.5]]


@pytest.mark.parametrize("name, content, message", [
    ("bad.json", "{\"values\": [[1, 2],\n [3, ]]}", r"invalid JSON at line 2, column"),
    ("novalues.json", "{\"name\": \"x\"}", r"expected \"values\" or a non-empty \"kernels\" list"),
    ("text.json", "{\"values\": [[1, \"two\"]]}", r"non-numeric"),
    ("ragged.json", "{\"values\": [[1, 2], [3]]}", r"rows have different lengths"),
    ("ragged.csv", "1,2,3\n# comment\n4,5\n", r"row 2 \(line 3\) has 2 values but row 1 has 3"),
    ("cell.csv", "1,2\n3,four\n", r"row 2 \(line 2\), column 2: 'four' is not a number"),
    ("nan.csv", "1,nan\n3,4\n", r"'nan' is not a finite number"),
    ("blocks.csv", "1,2\n3,4\n\n1,2,3\n", r"block 2 .* is 1×3 but block 1 is 2×2"),
    ("empty.csv", "", r"the file is empty"),
    ("comments.csv", "# only a comment\n", r"no numbers found"),
    ("big.csv", "\n".join([",".join(["1"] * 12)] * 12), r"too large"),
    ("kernel.txt", "1,2\n", r"unsupported type '.txt'; use .json or .csv"),
])
def test_malformed_files_name_the_file_and_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CnnExplorerError, match=message) as info:
        load_kernel(path)
    assert name in str(info.value)
    assert "\n" not in str(info.value)


def test_unreadable_kernel_files(tmp_path):
    with pytest.raises(CnnExplorerError, match="file not found"):
        load_kernel(tmp_path / "missing.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(CnnExplorerError, match="is a folder"):
        load_kernel(tmp_path / "folder.csv")
    (tmp_path / "latin1.csv").write_bytes(b"1,2\n\xff\xfe,3\n")
    with pytest.raises(CnnExplorerError, match="not a text file"):
        load_kernel(tmp_path / "latin1.csv")
    with pytest.raises(CnnExplorerError, match="cannot write"):
        save_kernel(tmp_path / "nofolder" / "k.csv", [[1]])


# --- specs ---------------------------------------------------------------------------------------

def test_resolve_kernel_spec_kinds(tmp_path):
    assert np.array_equal(resolve_kernel("sobel-top"), seeds.SLIDE_001_1_KERNEL)
    assert resolve_kernel("sobel-top").flags.writeable  # a copy the caller may edit
    assert resolve_kernel("1,0;0,1").tolist() == [[1, 0], [0, 1]]
    assert resolve_kernel("-1,0,1").tolist() == [[-1, 0, 1]]
    save_kernel(tmp_path / "k.csv", [[2, 3]])
    assert resolve_kernel(str(tmp_path / "k.csv")).tolist() == [[2, 3]]


@pytest.mark.parametrize("spec, message", [
    ("gaussian-3x3x", r"unknown preset 'gaussian-3x3x'; did you mean gaussian-3x3"),
    ("sobel", r"unknown preset 'sobel'; did you mean .*sobel-top"),
    ("1,x;0,1", r"row 1, column 2: 'x' is not a number"),
    ("missing.json", r"kernel file 'missing.json': file not found"),
    ("", r"kernel: empty"),
])
def test_resolve_kernel_errors(spec, message):
    with pytest.raises(CnnExplorerError, match=message):
        resolve_kernel(spec)
