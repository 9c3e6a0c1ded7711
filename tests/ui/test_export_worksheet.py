"""Worksheet PDFs: two pages, every answer on the key and none on the exercise, papers, same seed same sheet."""

from __future__ import annotations

import pytest

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.conv.worksheet import build_worksheet, random_inputs
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels.samples import get_sample
from cnn_explorer.ui.export.progress import run_to_end
from cnn_explorer.ui.export.worksheet_pdf import worksheet_job
from tests.ui.export_helpers import pdf_pages_text


@pytest.fixture(scope="module")
def corners_sheet():
    s = get_sample("000-1")
    return build_worksheet(s.image, s.kernel_arrays()[0], s.conv, s.activation, s.pool, source=s.label)


def _words(text: str) -> set[str]:
    return set(text.replace("(", " ").replace(")", " ").replace(",", " ").split())


def test_two_pages_answers_only_on_the_key(qapp, corners_sheet, tmp_path):
    out = tmp_path / "sheet.pdf"
    last = run_to_end(worksheet_job(corners_sheet, out))
    assert last.final and "2 pages" in last.text
    exercise, key = pdf_pages_text(out)
    # the slide's answers (429 … 913) are not among the input's numbers: none may show on page 1
    answers = [t for stage in corners_sheet.stages for row in stage.answers.texts for t in row]
    assert set(answers) & _words(exercise) == set()
    assert all(a in _words(key) for a in answers)
    for stage in corners_sheet.stages:
        for _, line in stage.arithmetic:
            assert line.split(" = ")[-1] in key
    assert "18×1 + 54×0" in key.replace("\n", " ") and "max(429, 505, 261, 792) = 792" in key.replace("\n", " ")
    assert "What size is the feature map?" in exercise and "Fill in the 4×4 feature map" in exercise
    assert "(6 − 3) / 1 + 1 = 4" in key
    assert "18" in _words(exercise) and "Kernel 3×3" in exercise


@pytest.mark.parametrize("paper, size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_papers(qapp, corners_sheet, tmp_path, paper, size):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / f"{paper}.pdf"
    run_to_end(worksheet_job(corners_sheet, out, paper))
    page = pypdf.PdfReader(str(out)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_random_sheet_is_the_same_for_the_same_seed(qapp, tmp_path):
    texts = []
    for name, seed in (("a.pdf", 11), ("b.pdf", 11), ("c.pdf", 12)):
        image, kernel = random_inputs(seed, 6, 3)
        sheet = build_worksheet(image, kernel, ConvSettings(padding=1), "relu", PoolSettings("max", 2),
                                source=f"random sheet, seed {seed}")
        run_to_end(worksheet_job(sheet, tmp_path / name))
        texts.append(pdf_pages_text(tmp_path / name))
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]


def test_bad_output_refused_before_work(qapp, corners_sheet, tmp_path):
    with pytest.raises(CnnExplorerError, match="pdf"):
        worksheet_job(corners_sheet, tmp_path / "sheet.png")
    with pytest.raises(CnnExplorerError, match="does not exist"):
        worksheet_job(corners_sheet, tmp_path / "missing" / "sheet.pdf")
    with pytest.raises(CnnExplorerError, match="--paper"):
        worksheet_job(corners_sheet, tmp_path / "sheet.pdf", "a3")
    assert list(tmp_path.iterdir()) == []
