"""The one exception type every user-facing mistake is reported with."""


class CnnExplorerError(ValueError):
    """A bad input from the user: the message says what and why, in one line.

    The CLI prints it and exits 2; the window shows it and keeps the previous
    state. Messages name the parameter or file at fault, e.g.
    ``stride: must be at least 1, got 0``.
    """


#: the most characters of what the user typed that a message quotes
EXCERPT_CHARS = 60


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """What the user typed, quoted as in a message (``repr``), cut to ``limit`` characters with an ellipsis.

    A long inline kernel or a pasted path never turns a message into a page:
    ``excerpt("1,0,1;" * 1000)`` is ``'1,0,1;1,0,1;…' (6,000 characters)``, 59 characters quoted.
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit - 1]!r}… ({len(text):,} characters)".replace("'…", "…'")
