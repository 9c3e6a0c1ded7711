"""Reading exported files back in tests: a PDF's text per page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest


def pdf_pages_text(path) -> list[str]:
    """The text of each page (pypdf from the test extra; pdftotext when pypdf is missing), spaces and tabs
    as one space, the fi/fl ligatures as letters."""
    return [re.sub(r"[ \t]+", " ", t).replace("ﬁ", "fi").replace("ﬂ", "fl") for t in _pages(path)]


def _pages(path) -> list[str]:
    try:
        from pypdf import PdfReader
    except ImportError:
        if shutil.which("pdftotext") is None:
            pytest.skip("needs pypdf (the test extra) or pdftotext to read the PDF back")
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    return [page.extract_text() for page in PdfReader(str(path)).pages]
