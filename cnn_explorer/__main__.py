"""``python -m cnn_explorer`` runs the same entry point as ``cnn-explorer``."""

from cnn_explorer.cli import run_as_program

run_as_program()
