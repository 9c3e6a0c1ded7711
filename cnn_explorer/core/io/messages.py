"""Why a file cannot be used, in the user's words: the one wording for pictures that do not open.

No decoder names, exception classes or library text reach the user: the same bad
file reads the same on every page and in every command.
"""

from __future__ import annotations

#: the picture formats we open, as messages name them
FORMATS = "PNG, JPEG, BMP, GIF, TIFF or WebP"

#: why a file is no picture, in the user's words (no decoder or exception names)
NOT_A_PICTURE = f"not a {FORMATS} file"
DAMAGED = "the file is damaged or incomplete"
CUT_SHORT = "the file is cut short, as if its download or copy stopped early"


def unreadable_message(where: str, reason: str) -> str:
    """The one message for a picture that cannot be opened, the same on every page and command."""
    return f"{where}: not a readable image ({reason})"


def short_reason(exc: BaseException) -> str:
    """An exception's text on one line, at most 160 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def decode_reason(exc: BaseException) -> str:
    """Why a decoder failed, in words a class understands (the decoder's own text names its internals)."""
    text = str(exc).lower()
    if "truncated" in text or isinstance(exc, EOFError) or "end of file" in text or "premature" in text:
        return CUT_SHORT
    if isinstance(exc, MemoryError):
        return "the picture needs more memory than is free"
    return DAMAGED
