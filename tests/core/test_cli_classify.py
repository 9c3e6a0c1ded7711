"""``cnn-explorer classify``: one line per picture, JSON, bad files (cnn_explorer.commands.classify)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from inspect_helpers import MEAN, STD, draw_digit, tiny_spec, train_tiny_cnn
from PIL import Image

from cnn_explorer.cli import build_parser, main
from cnn_explorer.core.datasets.preprocess import load_image, prepare_input
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.train.checkpoints import resolve_model_path, save_model

LINE = re.compile(r"^(?P<path>.+): (?P<label>\S+) \((?P<pct>\d+\.\d)%\)$")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny model trained in the test on part of the bundled sample, saved as the app saves models."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        spec = tiny_spec()
        model = train_tiny_cnn(model=build_model(spec))
    finally:
        torch.set_num_threads(before)
    path = tmp_path_factory.mktemp("models") / "tiny"
    save_model(path, model, spec, class_names=spec.class_names, mean=MEAN, std=STD)
    return path, model


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """Digits drawn dark on light paper, as photographed or scanned, saved as PNG and JPEG."""
    folder = tmp_path_factory.mktemp("pictures")
    paths = []
    for d in (0, 3, 6, 7):
        path = folder / (f"digit-{d}.png" if d % 2 == 0 else f"digit-{d}.jpg")
        Image.fromarray(draw_digit(d, dark_on_light=True)).save(path)
        paths.append(path)
    return paths


def _expected(model, path):
    inp = prepare_input(load_image(path), (28, 28, 1), MEAN, STD)
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(inp.array)), 1)[0].numpy()


def test_the_default_model_is_the_bundled_one():
    args = build_parser().parse_args(["classify", "a.png"])
    assert args.model == "mnist" and args.top == 1 and not args.json
    assert resolve_model_path(args.model).name == "mnist"


def test_one_line_per_picture_with_the_page_preprocessing(saved, pictures, capsys):
    path, model = saved
    assert main(["classify", *map(str, pictures), "--model", str(path)]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == len(pictures) and out.err == ""
    for line, picture in zip(lines, pictures):
        m = LINE.match(line)
        assert m, line
        probs = _expected(model, picture)
        assert m["path"] == str(picture)
        assert m["label"] == str(int(probs.argmax()))
        assert m["pct"] == f"{100 * probs.max():.1f}"


def test_top_k(saved, pictures, capsys):
    path, model = saved
    assert main(["classify", str(pictures[1]), "--model", str(path), "--top", "3"]) == 0
    line = capsys.readouterr().out.strip()
    head, rest = line.split(": ", 1)
    found = re.findall(r"(\S+) \((\d+\.\d)%\)", rest)
    probs = _expected(model, pictures[1])
    order = np.argsort(-probs)[:3]
    assert head == str(pictures[1]) and [label for label, _ in found] == [str(i) for i in order]
    assert [float(p) for _, p in found] == sorted((float(p) for _, p in found), reverse=True)


def test_json_has_every_probability(saved, pictures, capsys):
    path, model = saved
    assert main(["classify", str(pictures[0]), str(pictures[2]), "--model", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["class_names"] == [str(d) for d in range(10)] and doc["model"] == str(path)
    for result, picture in zip(doc["results"], (pictures[0], pictures[2])):
        probs = _expected(model, picture)
        assert result["path"] == str(picture)
        assert list(result["probabilities"]) == doc["class_names"]
        assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert result["index"] == int(probs.argmax()) and result["label"] == str(result["index"])
        assert result["probability"] == pytest.approx(float(probs.max()), abs=1e-5)


def test_bad_files_get_a_line_each_and_exit_2(saved, pictures, tmp_path, capsys):
    path, _ = saved
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(pictures[0].read_bytes()[:100])
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    missing = tmp_path / "missing.png"
    args = ["classify", str(corrupt), str(pictures[0]), str(blank), str(missing), str(pictures[3])]
    assert main([*args, "--model", str(path)]) == 2
    out = capsys.readouterr()
    assert [line.split(": ")[0] for line in out.out.splitlines()] == [str(pictures[0]), str(pictures[3])]
    errors = out.err.splitlines()
    assert len(errors) == 3
    assert errors[0].startswith(f"cnn-explorer: error: {corrupt}: not a readable image")
    assert errors[1] == f"cnn-explorer: error: {blank}: blank picture (no ink on a plain background)"
    assert errors[2] == f"cnn-explorer: error: {missing}: file not found"
    assert main([*args, "--model", str(path), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert [("error" in r) for r in doc["results"]] == [True, False, True, True, False]


def test_bad_options_and_models(saved, pictures, tmp_path, capsys):
    path, _ = saved
    with pytest.raises(SystemExit) as info:  # refused while the command line is read (issue 18)
        main(["classify", str(pictures[0]), "--model", str(path), "--top", "0"])
    assert info.value.code == 2 and "--top: must be at least 1, got 0" in capsys.readouterr().err
    assert main(["classify", str(pictures[0]), "--model", str(path), "--top", "11"]) == 2
    assert "--top: must be 1..10" in capsys.readouterr().err
    assert main(["classify", str(pictures[0]), "--model", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing" in err and "Traceback" not in err


def test_the_bundled_model_reads_drawn_digits(tmp_path, capsys):
    paths = []
    for d in range(10):
        path = tmp_path / f"{d}.png"
        Image.fromarray(draw_digit(d, dark_on_light=d % 2 == 1, width=14 + 2 * d)).save(path)
        paths.append(path)
    main(["classify", *map(str, paths)])
    labels = [LINE.match(line)["label"] for line in capsys.readouterr().out.splitlines()]
    assert labels == [str(d) for d in range(10)]
