"""``@demo`` in lessons: names, parameters, defaults and ``{demo.KEY}`` numbers, and the why-convolution counts."""

from __future__ import annotations

import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import DEMOS, demo_info, parse_demo
from cnn_explorer.core.lessons.parse import LessonError
from cnn_explorer.core.lessons.resolve import lesson_from_text
from cnn_explorer.core.model.layers import Conv2D, Dense, Flatten
from cnn_explorer.core.model.shapes import shape_table
from cnn_explorer.core.model.spec import ModelSpec
from cnn_explorer.core.model.why_convolution import why_convolution


def _lesson(body: str):
    return lesson_from_text(f"# T\n\n## A\nSome text.\n{body}\n")


def test_parse_fills_defaults_and_reads_values():
    ref = parse_demo("why-convolution units=10 kernel=5")
    info = demo_info("why-convolution")
    assert ref.as_dict() == {**info.defaults(), "units": 10, "kernel": 5}


@pytest.mark.parametrize(("text", "expected"), [
    ("", "name the demo"),
    ("nope", "unknown demo 'nope'"),
    ("why-convolution units=0", "units: use a whole number from 1 to 100000"),
    ("why-convolution units=ten", "units: use a whole number"),
    ("why-convolution colour=1", "has no parameter 'colour'"),
    ("why-convolution units", "key=value"),
    ("why-convolution units=", "key=value"),
])
def test_bad_demos_are_refused_with_the_reason(text, expected):
    with pytest.raises(CnnExplorerError, match=expected):
        parse_demo(text)


def test_a_demo_step_shows_the_demos_page_and_fills_its_numbers():
    lesson = lesson_from_text("# T\n\n## A\n{demo.dense.weights} against {demo.conv.weights} ({demo.ratio}×).\n"
                              "@demo why-convolution\n\n## B\nBack.\n@sample 000-1\n")
    first, second = lesson.steps
    assert first.state.page == "demos" and first.state.demo.name == "why-convolution"
    assert first.text == "196,608,000 against 27,000 (7,282×)."
    assert second.state.page == "explorer" and second.state.demo is None


def test_demo_mistakes_name_the_line():
    with pytest.raises(LessonError, match=r"line 5: @demo: unknown demo"):
        _lesson("@demo nope")
    with pytest.raises(LessonError, match=r"line 4: \{demo.weights\}: the demo 'why-convolution' gives"):
        _lesson("{demo.weights}\n@demo why-convolution")
    with pytest.raises(LessonError, match=r"\{demo.inputs\}: the step has no @demo"):
        _lesson("{demo.inputs}\n@sample 000-1")
    with pytest.raises(LessonError, match="not on the train page"):
        _lesson("@page train\n@demo why-convolution")


def test_every_demo_has_a_title_group_and_working_defaults():
    for name, info in DEMOS.items():
        assert info.name == name and info.title and info.group and info.summary
        ref = parse_demo(name)
        numbers = ref.numbers()
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in numbers.items())


def test_why_convolution_matches_the_slides_and_the_model_table():
    dense, conv = why_convolution()
    assert dense.weights == 196_608_000 and dense.biases == 1000
    assert conv.weights == 27_000 and conv.biases == 1000
    for h, w, c, units, k in [(256, 256, 3, 1000, 3), (28, 28, 1, 10, 5), (9, 9, 2, 3, 3)]:
        dense, conv = why_convolution(h, w, c, units, k)
        d_rows = shape_table(ModelSpec((Flatten(), Dense(units, activation="none")), (h, w, c),
                                       tuple(str(i) for i in range(units))))
        c_rows = shape_table(ModelSpec((Conv2D(units, (k, k), padding="same"), Flatten(), Dense(2)), (h, w, c),
                                       ("a", "b")))
        assert (dense.weights, dense.biases) == (d_rows[-1].weights, d_rows[-1].biases)
        assert (conv.weights, conv.biases) == (c_rows[0].weights, c_rows[0].biases)
    with pytest.raises(ValueError, match="units"):
        why_convolution(units=0)


def test_cli_lists_the_demos_with_their_parameters_and_numbers(capsys):
    from cnn_explorer import cli

    assert cli.main(["lessons", "demos"]) == 0
    out = capsys.readouterr().out
    for name, info in DEMOS.items():
        assert f"{name}: {info.title}" in out
        for p in info.params:
            default = p.default
            if isinstance(default, tuple):
                default = ",".join(f"{v:g}" for v in default)
                if default:
                    assert parse_demo(f"{name} {p.name}={default}").as_dict()[p.name] == p.default
            assert f"  {p.name}={default}" in out
    assert "{demo.dense.weights}" in out
    assert cli.main(["lessons", "demos", "x"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
