"""Fresh training images every epoch: the next epoch's set is drawn on a background thread while this one trains.

A synthetic dataset (``Dataset.redraw``: xo, slashes, shapes) can draw as many
pictures as a run wants. With ``TrainConfig.fresh_data`` the engine trains its
first epoch on the loaded training split and every later epoch on a set drawn
afresh: as many images of each class as the split has, from a seed made of
the run's seed and the epoch (core/datasets/synthetic.py ``draw_fresh``), so
the same seed gives the same run. The validation and test splits never change.

Drawing a few hundred shapes takes most of a second, so :class:`FreshDraws`
draws epoch ``e + 1``'s set while epoch ``e`` trains; it stops between chunks
of :data:`~cnn_explorer.core.datasets.synthetic.FRESH_CHUNK` images when the
run is cancelled or closed, and :meth:`FreshDraws.close` waits for its thread.
"""

from __future__ import annotations

import threading

import numpy as np

from cnn_explorer.core.datasets.synthetic import draw_fresh

#: how often (seconds) a wait for the next set looks at the run's cancel event
POLL_S = 0.05


class FreshDraws:
    """Draws each epoch's fresh training images, one epoch ahead, on one background thread.

    ``draw`` is the dataset's ``redraw``; ``labels`` (N,) the training split's classes (each fresh set has
    one picture of each, in this order); ``cancel`` the run's event. :meth:`images` hands over an epoch's set;
    :meth:`close` (always: the engine's ``finally``) stops and joins the thread.
    """

    def __init__(self, draw, labels: np.ndarray, seed: int, last_epoch: int, cancel: threading.Event) -> None:
        self._draw, self._labels, self._seed, self._last = draw, np.asarray(labels), int(seed), int(last_epoch)
        self._cancel = cancel
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._epoch = 0
        self._result: np.ndarray | None = None
        self._error: BaseException | None = None

    def _stopped(self) -> bool:
        return self._closed.is_set() or self._cancel.is_set()

    def start(self, epoch: int) -> None:
        """Begin drawing ``epoch``'s set in the background (nothing past the run's last epoch)."""
        if epoch > self._last or self._stopped():
            return
        self._epoch, self._result, self._error = epoch, None, None
        self._thread = threading.Thread(target=self._work, args=(epoch,), name=f"fresh-data-epoch-{epoch}",
                                        daemon=True)
        self._thread.start()

    def _work(self, epoch: int) -> None:
        try:
            self._result = draw_fresh(self._draw, self._labels, self._seed, epoch, self._stopped)
        except BaseException as exc:  # handed to the training thread by images()
            self._error = exc

    def images(self, epoch: int) -> np.ndarray | None:
        """``epoch``'s fresh images (N, H, W, C), waiting for the draw; None once the run is cancelled.

        Starts drawing the next epoch's set before it returns."""
        if self._thread is None or self._epoch != epoch:
            self.start(epoch)
        thread = self._thread
        while thread is not None and thread.is_alive():
            if self._cancel.is_set():
                return None
            thread.join(POLL_S)
        self._thread = None
        if self._error is not None:
            raise self._error
        result = self._result
        self._result = None
        if result is not None:
            self.start(epoch + 1)
        return result

    def close(self) -> None:
        """Stop the draw in progress and wait for the thread (at most one chunk's drawing)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def fresh_draws(dataset, config, cancel: threading.Event) -> FreshDraws | None:
    """The run's FreshDraws when ``config.fresh_data`` is on and ``dataset`` can draw more of itself; else None."""
    draw = getattr(dataset, "redraw", None)
    if not getattr(config, "fresh_data", False) or draw is None or config.epochs < 2:
        return None
    draws = FreshDraws(draw, dataset.train_y, config.seed, config.epochs, cancel)
    draws.start(2)  # the first epoch trains on the loaded split meanwhile
    return draws
