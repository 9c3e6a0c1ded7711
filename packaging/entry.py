"""Entry point of the frozen app: the same one as ``cnn-explorer`` and ``python -m cnn_explorer``."""

import multiprocessing

from cnn_explorer.cli import run_as_program

if __name__ == "__main__":
    multiprocessing.freeze_support()
    run_as_program()
