"""Entry point of the frozen app: the same ``main()`` as ``cnn-explorer`` and ``python -m cnn_explorer``."""

import multiprocessing
import sys

from cnn_explorer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
