"""The budgets every reader checks a file's declared sizes against, before allocating anything.

A header can promise anything; these numbers are what we are willing to allocate
for it. One home, so a dataset, a model spec and a picture folder all refuse with
the same words.
"""

from __future__ import annotations

import os

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import size_text

#: the most classes a dataset or model may have (ImageNet-21k has 21,841; a label of 2**31 is a lie)
MAX_CLASSES = 10_000
#: the most bytes a dataset's images may take once decoded (all files or pictures together): EMNIST's
#: largest split is 0.6 GB, CIFAR-10 0.2 GB; a header or folder promising more is refused before decoding
MAX_DATASET_BYTES = 2_000_000_000


def memory_budget() -> int:
    """Bytes one model or dataset may take: half the machine's memory, between 1 GB and 16 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 8 * 1024**3
    return int(min(max(total // 2, 1024**3), 16 * 1024**3))


def check_class_count(count: int, where: str) -> int:
    """``count`` when it is a sensible number of classes; CnnExplorerError naming ``where`` otherwise."""
    if count > MAX_CLASSES:
        raise CnnExplorerError(
            f"{where}: {count:,} classes is too many (at most {MAX_CLASSES:,}); a label that large is likely damage"
        )
    return count


def check_bytes(need: int, where: str, what: str, budget: int | None = None) -> int:
    """``need`` when it fits the budget (default ``memory_budget()``); else "<where>: <what> needs 36 GB; the limit is 8 GB"."""
    limit = memory_budget() if budget is None else budget
    if need > limit:
        raise CnnExplorerError(f"{where}: {what} needs {size_text(need)}; the limit is {size_text(limit)}")
    return need
