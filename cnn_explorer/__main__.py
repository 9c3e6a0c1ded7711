"""``python -m cnn_explorer`` runs the same entry point as ``cnn-explorer``."""

import sys

from cnn_explorer.cli import main

sys.exit(main())
