"""When a classifier's answer should read as "not sure": a low calibrated probability, or a drawing unlike any digit.

A network always picks one of its classes, and even after calibration it can be
sure of a wrong one for something it was never shown: the bundled digit model
reads a capital A as a 4 at 99.9%. Calibration makes its probabilities honest on
*digits*; for anything else a second question is needed: does the drawing look
like a digit *to this model*? The rule:

* **not a digit** when a digit model's penultimate features for the drawing are
  further from the bundled digits' (the class-conditional Mahalanobis distance of
  core/interpret/digit_reference.py) than 99% of the bundled digits are: its
  novelty is above :data:`FAR_FROM_DIGITS` (1.0, in thresholds). The threshold
  comes from the bundled sample alone, once per loaded model, so the rule holds
  for the bundled model and for one trained on the Train page;
* **unsure** when the top calibrated probability is below :data:`UNSURE_TOP`
  (90%: among digits read at that confidence about one in ten is wrong), or the
  runner-up is closer than :data:`UNSURE_MARGIN`.

With the bundled model, 2.5% of the real MNIST test digits read as unsure (2.0%
as "not a digit"), among them three quarters of its errors, while 47 of 51 test
scribbles, letters and shapes do (benchmarks/bench_bundled_model.py measures it).
"""

from __future__ import annotations

import numpy as np

#: below this top probability (calibrated) the model counts as unsure
UNSURE_TOP = 0.9
#: ... or when the runner-up is closer than this
UNSURE_MARGIN = 0.25
#: a drawing whose novelty (distance from the bundled digits, in thresholds) is above this is not a digit
FAR_FROM_DIGITS = 1.0


def unsure(probabilities, novelty: float | None = None) -> str | None:
    """Why a reading is unsure: "not a digit", "unsure", or None when the model may be taken at its word.

    ``novelty``: :meth:`DigitReference.novelty <cnn_explorer.core.interpret.digit_reference.DigitReference.novelty>`
    of the drawing; None when not measured (not a digit model, or its reference is still being computed).
    """
    p = np.sort(np.asarray(probabilities, np.float64).reshape(-1))[::-1]
    if novelty is not None and novelty > FAR_FROM_DIGITS:
        return "not a digit"
    if len(p) > 1 and (p[0] < UNSURE_TOP or p[0] - p[1] < UNSURE_MARGIN):
        return "unsure"
    return None
