"""The lesson format: parsing, validation against core, and one clear message naming the line per mistake."""

from __future__ import annotations

import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.library import (
    find_lesson,
    save_lesson_text,
    shipped_lesson_paths,
    step_block,
)
from cnn_explorer.core.lessons.parse import LessonError, decode_lesson, read_lesson_text
from cnn_explorer.core.lessons.resolve import lesson_from_text, load_lesson
from cnn_explorer.core.lessons.text import size_formula, to_html, to_plain

GOOD = """# A small lesson
Intro text.

## The first cell
The first cell is {map[0,0]}: {arith[0,0]}.
@sample 000-1
@highlight cell 0,0

## A grid of my own
Stride 2 gives a {map.shape} map: {map}.
@grid
1 2 3 4 5
6 7 8 9 10
11 12 13 14 15
16 17 18 19 20
21 22 23 24 25
@end
@kernel 1 0 / 0 1
@settings stride=2
@pool none
@question cell 1,1
"""


def test_a_good_lesson_resolves_every_step_with_core_numbers():
    lesson = lesson_from_text(GOOD, "small.md")
    assert lesson.title == "A small lesson" and lesson.intro == "Intro text." and len(lesson) == 2
    first, second = lesson.steps
    assert "429" in first.text and "18×1 + 54×0" in first.text
    assert first.state.highlight.target.i == 0 and first.state.highlight.value == 429
    assert second.result.feature.shape == (1, 2, 2)
    assert "2×2 map: 8 12 / 28 32" in second.text          # 1+7 = 8, 3+9 = 12, ...
    assert second.state.kernel_names == ("kernel 1",)
    q = second.state.question
    assert q.answer == 32 and q.tolerance == 0 and q.check("32") and q.check("32.0") and not q.check("31")
    assert q.check("thirty") is None
    # the step keeps what it does not set: the kernel and stride carry on, the highlight does not
    third = lesson_from_text(GOOD + "\n## Again\nSame kernel.\n@activation relu\n", "x").steps[2]
    assert third.state.conv.stride == (2, 2) and third.state.highlight is None and third.state.activation == "relu"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("", 0, "empty file"),
    ("   \n\n", 0, "empty file"),
    ("## Step\ntext\n", 1, "before the lesson's title"),
    ("Some text\n## S\nx\n", 1, "missing lesson title"),
    ("# T\n", 1, "no steps"),
    ("# T\n## \n", 2, "missing step title"),
    ("# T\n## S\n@sample 000-1\n", 2, "missing text"),
    ("# T\n@sample 000-1\n## S\nx\n", 2, "before the first step"),
    ("# T\n## S\nx\n@smaple 000-1\n", 4, "unknown directive @smaple"),
    ("# T\n## S\nx\n@sample 000-99\n", 4, "unknown '000-99'"),
    ("# T\n## S\nx\n@sample 000-1\n@kernel sobel-topp\n", 5, "unknown preset 'sobel-topp'"),
    ("# T\n## S\nx\n@sample 000-1\n@settings stride=0\n", 5, "stride"),
    ("# T\n## S\nx\n@sample 000-1\n@settings padding=9 stride=1\n@kernel 1 2 3 4 5 6 7 8 9 / 1 2 3 4 5 6 7 8 9 / "
     "1 2 3 4 5 6 7 8 9 / 1 2 3 4 5 6 7 8 9 / 1 2 3 4 5 6 7 8 9 / 1 2 3 4 5 6 7 8 9 / 1 2 3 4 5 6 7 8 9\n"
     "@pool max 30\n", 7, "impossible here"),
    ("# T\n## S\nx\n@sample 000-1\n@highlight cell 4,0\n", 5, "outside the feature map (4×4)"),
    ("# T\n## S\nx\n@sample 000-1\n@highlight cell 2,0 on pool\n", 5, "outside the pooled map (2×2)"),
    ("# T\n## S\nx\n@sample 000-1\n@highlight value 1000\n", 5, "no cell"),
    ("# T\n## S\nx\n@sample 001-5\n@highlight window 1,1\n", 5, "no window starts there"),
    ("# T\n## S\nx\n@sample 000-1\n@step 17\n", 5, "the animation has 16 steps"),
    ("# T\n## S\nx\n@sample 000-1\n@stage pool\n@pool none\n", 5, "no pooling"),
    ("# T\n## S\nx\n@grid\n1 2\n3\n@end\n@kernel identity\n", 6, "row 2 (line 6) has 1 values"),
    ("# T\n## S\nx\n@grid\n1 2\n", 4, "never closed"),
    ("# T\n## S\nx\n@end\n", 4, "@end without an open @grid"),
    ("# T\n## S\nx {map[9,9]}\n@sample 000-1\n", 3, "outside the 4×4 map"),
    ("# T\n## S\nx {nonsense}\n@sample 000-1\n", 3, "unknown placeholder {nonsense}"),
    ("# T\n## S\nx\n@sample 000-1\n@show-both cell 0,0 slide=429\n", 5, "no erratum"),
    ("# T\n## S\nx\n@sample 000-1\n@show-both cell 0,0\n", 5, "missing slide="),
    ("# T\n## S\nx\n@sample 000-1\n@choice cell 0,0: 1 | 2\n", 5, "exactly one of them the computed 429"),
    ("# T\n## S\nx\n@sample 000-1\n@sample 000-4\n", 5, "given twice"),
    ("# T\n## S\nx\n@sample 000-1\n@grid\n1\n@end\n", 5, "a step has one input"),
    ("# T\n## S\nx\n@input keep\n", 2, "missing kernel"),
    ("# T\n## S\nx\n@input keep\n@kernel identity\n@highlight cell 0,0\n", 6, "not the user's drawing"),
    ("# T\n## S\nx\n@sample 000-1\n@model 32x32x3: conv 10 5x5 pad=2, wobble 3\n", 5, "unknown layer 'wobble'"),
    ("# T\n## S\nx\n@sample 000-1\n@page nowhere\n", 5, "unknown page"),
    ("# T\n## S\nx\n@sample 000-1\n@pool max 2 stride=2 sideways\n", 5, "unknown word 'sideways'"),
    ("# T\n## S\nx\n@sample 000-1\n@activation wiggle\n", 5, "wiggle"),
    ("# T\n# Again\n## S\nx\n", 2, "a second lesson title"),
])
def test_each_mistake_names_its_line_and_what_is_wrong(text, line, words):
    with pytest.raises(LessonError) as err:
        lesson_from_text(text, "bad.md")
    assert err.value.line == line, str(err.value)
    assert words in str(err.value), str(err.value)
    assert str(err.value).startswith(f"bad.md, line {line}: " if line else "bad.md: ")


def test_a_bad_encoding_names_the_line_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "latin.md"
    path.write_bytes("# Le\u00e7on\n## Pas\ntexte\n".encode("utf-8") + b"caf\xe9\n")
    with pytest.raises(LessonError, match=r"latin.md, line 4: not UTF-8 text \(byte 0xe9\)"):
        load_lesson(path)
    assert decode_lesson(b"\xef\xbb\xbf# T", "x") == "# T"           # a byte-order mark is fine
    with pytest.raises(CnnExplorerError, match="file not found"):
        read_lesson_text(tmp_path / "missing.md")


def test_tolerance_follows_the_numbers_of_the_map():
    text = ("# T\n## S\nx\n@sample 001-4-same\n@question cell 1,1\n\n## Given\ny\n@question cell 1,1 tolerance=0.1\n")
    exact, given = (s.state.question for s in lesson_from_text(text, "t").steps)
    assert exact.answer == pytest.approx(-1.0) and exact.tolerance == 0.005
    assert exact.check("-1") and exact.check("−1.00") and exact.check("-1.004") and not exact.check("-1.01")
    assert given.tolerance == 0.1 and given.check("-1.09") and not given.check("-1.2")


def test_formulas_and_emphasis_render_readably():
    assert size_formula(7, 3, 1, 1) == "⌊(7 + 2·1 − 3)/1⌋ + 1 = 7"
    html = to_html("A *feature map*, **strong**, `floor((n + 2p - f)/s) + 1` and 3*3 <b>")
    assert "<i>feature map</i>" in html and "<b>strong</b>" in html and "⌊(n + 2p − f)/s⌋ + 1" in html
    assert "&lt;b&gt;" in html and "3*3" in html
    assert to_plain("`5*5*3 + 1` *x*") == "5·5·3 + 1 x"


def test_shipped_lessons_are_found_by_name_and_validate():
    names = [p.stem for p in shipped_lesson_paths()]
    assert names == sorted(names)     # decks 000 to 004: every deck's lesson, in the decks' order
    assert names == ["000-cnn-architecture", "001-convolution", "002-cnn-layers", "003-training-and-images",
                     "004-x-and-o"]
    assert find_lesson("000").stem == "000-cnn-architecture" and find_lesson("001-convolution").name.endswith(".md")
    with pytest.raises(CnnExplorerError, match="unknown 'convolution-2'"):
        find_lesson("convolution-2")
    with pytest.raises(CnnExplorerError, match="could be"):
        find_lesson("00")
    for path in shipped_lesson_paths():
        assert len(load_lesson(path)) >= 10


def test_a_written_step_reads_back_as_the_same_state(tmp_path):
    first = lesson_from_text(GOOD, "g").steps[1].state
    block = step_block("Back again", "Text.", image=first.image, sample="", kernels=first.kernels,
                       names=first.kernel_names, conv=first.conv, activation=first.activation, pool=first.pool,
                       stage="conv", position=3, view="maps")
    path = tmp_path / "mine.md"
    save_lesson_text(path, "# Mine\n\n" + block)
    again = load_lesson(path).steps[0].state
    assert (again.image == first.image).all() and (again.kernels[0] == first.kernels[0]).all()
    assert again.conv == first.conv and again.pool is None and again.position == 3 and again.view == "maps"
    assert not list(tmp_path.glob(".*.tmp"))
