"""Deck 003's activations and costs: the values the demo shows, checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.lessons.demos import parse_demo
from cnn_explorer.core.train.costs import (
    activation_values,
    binary_cross_entropy,
    categorical_cross_entropy,
    costs,
    softmax_lines,
    softmax_values,
)


def test_activations_match_torch_and_their_ranges():
    import torch

    for x in np.linspace(-8, 8, 33).tolist():
        v = activation_values(x)
        t = torch.tensor(x, dtype=torch.float64)
        assert v["sigmoid"] == pytest.approx(float(torch.sigmoid(t)), abs=1e-12)
        assert v["tanh"] == pytest.approx(float(torch.tanh(t)), abs=1e-12)
        assert v["relu"] == float(torch.relu(t))
        assert 0 < v["sigmoid"] < 1 and -1 < v["tanh"] < 1


def test_softmax_sums_to_one_and_matches_torch():
    import torch

    rng = np.random.default_rng(0)
    for _ in range(10):
        z = rng.normal(0, 5, int(rng.integers(2, 9)))
        p = softmax_values(z)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert p == pytest.approx(torch.softmax(torch.tensor(z), 0).numpy(), abs=1e-12)
    assert softmax_lines((2, 1, 0.1))[-1] == "Σp = 1"
    with pytest.raises(CnnExplorerError, match="finite"):
        softmax_values([1, float("nan")])


def test_costs_match_torch():
    import torch
    import torch.nn.functional as F

    p = torch.tensor([0.7, 0.2, 0.1], dtype=torch.float64)
    t = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    c = costs(p.numpy(), t.numpy())
    assert c["mse"].value == pytest.approx(float(F.mse_loss(p, t)), abs=1e-12)
    assert c["rmse"].value == pytest.approx(math.sqrt(float(F.mse_loss(p, t))), abs=1e-12)
    assert c["binary"].value == pytest.approx(float(F.binary_cross_entropy(p, t)), abs=1e-9)
    assert c["categorical"].value == pytest.approx(float(F.nll_loss(torch.log(p)[None], torch.tensor([0]))),
                                                   abs=1e-9)


def test_cross_entropy_of_a_certain_wrong_answer_is_large_but_finite():
    assert binary_cross_entropy([0.0], [1.0]).value == pytest.approx(-math.log(1e-7))
    cce = categorical_cross_entropy([0.5, 0.5, 1.0], [0, 0, 1])
    assert cce.value == pytest.approx(math.log(2))
    assert "divided" in cce.lines[0]


@pytest.mark.parametrize(("prediction", "target", "expected"), [
    ([1.5, 0.2], [1, 0], "probabilities from 0 to 1"),
    ([0.5], [1, 0], "as many numbers"),
    ([0.0, 0.0], [1, 0], "not all 0"),
])
def test_impossible_costs_are_refused_with_the_reason(prediction, target, expected):
    with pytest.raises(CnnExplorerError, match=expected):
        costs(prediction, target)


def test_the_lessons_numbers():
    numbers = parse_demo("activations").numbers()
    assert (numbers["sigmoid"], numbers["tanh"], numbers["relu"]) == ("0.7311", "0.7616", "1")
    assert numbers["softmax"] == "0.659, 0.2424, 0.0986"
    assert (numbers["mse"], numbers["rmse"], numbers["binary"], numbers["categorical"]) == \
        ("0.0467", "0.216", "0.2284", "0.3567")
    assert parse_demo("activations x=-2").numbers()["relu"] == "0"
