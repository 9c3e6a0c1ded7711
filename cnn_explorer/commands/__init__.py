"""One module a sub-command of ``cnn-explorer``: ``add_parser(subparsers)`` and ``run(args)``.

Keep module-level imports light (argparse, pathlib): heavy imports go inside ``run``.
"""
