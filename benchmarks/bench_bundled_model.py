"""The bundled digit model on the real MNIST test set: accuracy, calibration, confidence, and what reads as unsure.

Evaluates ``resources/models/mnist`` (or ``--model PATH``) on the 10,000 real
MNIST test digits (``../shared/data/mnist-test``, evaluation only), with its
stored temperature and, for comparison in the same run, without it (T = 1):
accuracy, expected calibration error (15 equal-width bins), mean confidence and
median confidence on the digits it gets right. Then the Classify page's unsure
rule (core/interpret/unsure.py, with the model's digit reference from
core/interpret/digit_reference.py, timed) on the test digits: how many real
digits read as unsure or as "not a digit", and how many of the model's errors
do. Targets: accuracy >= 99.4%, ECE <= 1.5%, median confidence when right >= 98%,
real digits read as unsure <= 3%.

    python benchmarks/bench_bundled_model.py [--model mnist]

Prints a table and exits; writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MNIST_TEST = REPO.parent / "shared" / "data" / "mnist-test"
TARGETS = {"accuracy": 0.994, "ece": 0.015, "median": 0.98, "unsure": 0.03}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mnist", metavar="MODEL", help="default: the bundled model")
    parser.add_argument("--test", default=str(MNIST_TEST), metavar="PATH", help="the real MNIST test set")
    args = parser.parse_args(argv)

    import time

    import torch

    from cnn_explorer.core.datasets import load_dataset
    from cnn_explorer.core.interpret.digit_reference import digit_reference, penultimate
    from cnn_explorer.core.interpret.unsure import unsure
    from cnn_explorer.core.train.calibration import reliability, softmax
    from cnn_explorer.core.train.checkpoints import load_model
    from cnn_explorer.core.train.evaluation import evaluate

    loaded = load_model(args.model)
    test = load_dataset(args.test)
    result = evaluate(loaded.model, (test.test_x, test.test_y), normalization=loaded.normalization, device="cpu")
    y = np.asarray(test.test_y)
    print(f"# {args.model}: {loaded.spec.name}, stored temperature {loaded.temperature:.4f}; "
          f"{len(y):,} real MNIST test digits")
    print(f"{'probabilities':24} {'accuracy':>9} {'ECE':>7} {'mean conf':>9} {'median conf right':>17}")
    rows = {}
    for label, t in (("raw (T = 1)", 1.0), (f"calibrated (T = {loaded.temperature:.3f})", loaded.temperature)):
        p = softmax(result.logits, t)
        right = p.argmax(1) == y
        rel = reliability(p, y)
        rows[t] = (float(right.mean()), rel.ece, float(p.max(1).mean()), float(np.median(p.max(1)[right])), p)
        acc, ece, mean, median, _ = rows[t]
        print(f"{label:24} {acc:9.2%} {ece:7.2%} {mean:9.2%} {median:17.2%}")
    acc, ece, _, median, probs = rows[loaded.temperature]
    checks = [("accuracy", acc >= TARGETS["accuracy"], f"{acc:.2%} >= {TARGETS['accuracy']:.1%}"),
              ("ECE", ece <= TARGETS["ece"], f"{ece:.2%} <= {TARGETS['ece']:.1%}"),
              ("median confidence", median >= TARGETS["median"], f"{median:.2%} >= {TARGETS['median']:.0%}")]

    # the Classify page's rule on real digits (already MNIST-style pictures): how often does it hedge?
    torch.set_num_threads(1)  # as the Classify page's workers run
    start = time.perf_counter()
    reference = digit_reference(loaded.model, loaded.input_shape, loaded.class_names, loaded.mean, loaded.std)
    took = time.perf_counter() - start
    if reference is None:
        print("the model is not a digit model with a Dense layer: no 'not a digit' check")
        novelty = np.full(len(y), np.nan)
    else:
        x = (np.asarray(test.test_x, np.float32).reshape(len(y), 1, 28, 28) / 255.0 - loaded.mean[0]) / loaded.std[0]
        with penultimate(loaded.model) as found, torch.inference_mode():
            loaded.model.eval()
            for i in range(0, len(x), 500):
                loaded.model(torch.from_numpy(np.ascontiguousarray(x[i:i + 500])))
        novelty = reference.novelty(np.concatenate(found))
        print(f"digit reference (5,000 bundled digits, one thread): {took:.1f} s")
    reasons = [unsure(probs[i], None if np.isnan(novelty[i]) else novelty[i]) for i in range(len(y))]
    right = probs.argmax(1) == y
    hedged = np.array([r is not None for r in reasons])
    far = np.array([r == "not a digit" for r in reasons])
    print(f"unsure rule on real digits: {hedged.mean():.2%} read as unsure ({far.mean():.2%} as 'not a digit'); "
          f"of the {int((~right).sum())} the model gets wrong, {hedged[~right].mean():.0%} read as unsure")
    checks.append(("unsure on digits", hedged.mean() <= TARGETS["unsure"],
                   f"{hedged.mean():.2%} <= {TARGETS['unsure']:.0%}"))
    for name, ok, text in checks:
        print(f"target {name:18} {text:22} {'pass' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
