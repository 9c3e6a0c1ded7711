"""Temperature scaling and the expected calibration error (core/train/calibration.py), and where they are used."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.calibration import (
    check_temperature,
    expected_calibration_error,
    fit_temperature,
    nll,
    reliability,
    softmax,
)


def _sampled(temperature: float, n: int = 20000, k: int = 10, seed: int = 0):
    """Logits whose labels are drawn from softmax(logits / temperature): that temperature is the true one."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, (n, k))
    p = softmax(logits, temperature)
    labels = (p.cumsum(1) > rng.random((n, 1))).argmax(1)
    return logits, labels


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_a_known_temperature(true_t):
    logits, labels = _sampled(true_t)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_t, rel=0.05)
    # it is the minimum of the validation NLL
    assert nll(logits, labels, fitted) <= min(nll(logits, labels, fitted * 0.9), nll(logits, labels, fitted * 1.1))


def test_fit_temperature_on_nothing_to_fit_is_one():
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, int)) == 1.0
    assert fit_temperature(np.ones((5, 3)), np.zeros(5, int)) == 1.0  # all logits alike
    with pytest.raises(CnnExplorerError, match="labels must be 0..2"):
        fit_temperature(np.zeros((2, 3)), np.array([0, 3]))


def test_ece_of_a_hand_worked_example():
    # 4 images, 2 classes. Top probabilities 0.95 (right), 0.95 (wrong), 0.6 (right), 0.55 (right).
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.4, 0.6], [0.55, 0.45]])
    labels = np.array([0, 1, 1, 0])
    # 15 bins of width 1/15: 0.95 -> bin (0.9333, 1.0]; 0.6 -> (0.5333, 0.6]; 0.55 -> (0.5333, 0.6]
    # bin 14: 2 images, accuracy 0.5, confidence 0.95 -> gap 0.45, weight 2/4
    # bin 8:  2 images, accuracy 1.0, confidence 0.575 -> gap 0.425, weight 2/4
    # ECE = 0.5 * 0.45 + 0.5 * 0.425 = 0.4375
    rel = reliability(probs, labels)
    assert rel.ece == pytest.approx(0.4375)
    assert expected_calibration_error(probs, labels) == pytest.approx(0.4375)
    assert rel.counts[14] == 2 and rel.counts[8] == 2 and rel.counts.sum() == 4
    assert rel.accuracy[14] == pytest.approx(0.5) and rel.confidence[8] == pytest.approx(0.575)
    assert math.isnan(rel.accuracy[0]) and rel.bins == 15
    # a probability on a bin edge falls in the lower bin, as in Guo et al.
    edge = np.array([[0.6, 0.4]])
    assert reliability(edge, np.array([0])).counts[8] == 1


def test_a_calibrated_model_has_a_small_ece_and_an_overconfident_one_a_large_ece():
    logits, labels = _sampled(1.0)
    assert expected_calibration_error(softmax(logits), labels) < 0.02
    assert expected_calibration_error(softmax(logits, 0.3), labels) > 0.1  # over-confident
    fitted = fit_temperature(logits * 3.0, labels)  # logits three times too large
    assert expected_calibration_error(softmax(logits * 3.0, fitted), labels) < 0.02


def test_check_temperature():
    assert check_temperature(None) == 1.0 and check_temperature(2) == 2.0
    for bad in (0, -1.0, float("nan"), float("inf"), "2", True):
        with pytest.raises(ValueError):
            check_temperature(bad)
