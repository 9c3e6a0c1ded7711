"""Layer outputs caught with forward hooks during a forward pass, and hooks kept to the thread that made them.

Torch is never imported here: the hooks only call tensor methods.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import numpy as np


def this_thread_only(hook: Any) -> Any:
    """Wrap a forward hook so it acts only on passes run by the thread that made it.

    The window may inspect a model on the GUI thread while a worker optimises
    a picture through the same model; neither may see the other's passes.
    """
    owner = threading.get_ident()

    def guarded(*args: Any) -> Any:
        if threading.get_ident() != owner:
            return None
        return hook(*args)

    return guarded


@contextmanager
def capture_outputs(named_modules: Iterable[tuple[str, Any]]) -> Iterator[dict[str, np.ndarray]]:
    """Within the block, each named module's output of every forward pass by this thread goes to the yielded dict.

    Values are float32 numpy copies of the whole batch, taken as the module
    returns (a later in-place layer cannot change them), so they may be
    handed to another thread. Outputs that are not tensors are left out; a
    second pass overwrites the first. The hooks are removed on exit.
    """
    outputs: dict[str, np.ndarray] = {}

    def keep(name: str):
        def hook(_module: Any, _inputs: Any, output: Any) -> None:
            if hasattr(output, "detach"):
                outputs[name] = output.detach().float().cpu().numpy().copy()
        return hook

    handles = [module.register_forward_hook(this_thread_only(keep(name))) for name, module in named_modules]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()
