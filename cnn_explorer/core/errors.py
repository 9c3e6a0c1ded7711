"""The one exception type every user-facing mistake is reported with."""


class CnnExplorerError(ValueError):
    """A bad input from the user: the message says what and why, in one line.

    The CLI prints it and exits 2; the window shows it and keeps the previous
    state. Messages name the parameter or file at fault, e.g.
    ``stride: must be at least 1, got 0``.
    """
