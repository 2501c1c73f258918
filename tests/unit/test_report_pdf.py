"""The PDF's PDF/UA identification, written over what Chromium prints (given a PDF as Chromium
leaves it, expect the XMP PDF/UA-1 asks for and gpect as its creator), and a Chromium that cannot
start, said in one line."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from reports import render
from reports.chromium import PAGE_TEXT_PX, Chromium, ChromiumError
from reports.pdf import identified_as_pdf_ua

TITLE = "Tulle (19) — diagnostic emploi-formation"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36"


def printed_by_chromium() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = TITLE
    pdf.docinfo["/Creator"] = USER_AGENT
    pdf.docinfo["/Producer"] = "Skia/PDF m156"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_xmp_identifies_pdf_ua_with_the_document_title():
    given = printed_by_chromium()
    with pikepdf.open(io.BytesIO(given)) as before, before.open_metadata() as xmp:
        assert "pdfuaid:part" not in xmp
    with pikepdf.open(io.BytesIO(identified_as_pdf_ua(given))) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
            assert xmp["dc:title"] == TITLE
            assert xmp["xmp:CreatorTool"] == "gpect"
            assert xmp["pdf:Producer"] == "Skia/PDF m156"
        assert str(pdf.docinfo.Title) == TITLE
        assert str(pdf.docinfo.Creator) == "gpect"
        assert len(pdf.pages) == 2


def test_a_chromium_that_does_not_start_is_said_in_one_line(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'Missing X server or $DISPLAY' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with Chromium() as browser:
        with pytest.raises(ChromiumError) as failed:
            browser.pdf("<p>Tulle</p>").result(timeout=60)
    said = str(failed.value)
    assert said.startswith(f"Chromium ({fake}) did not start: ")
    assert "\n" not in said


def test_the_page_measured_before_printing_is_the_stylesheets_page():
    """The fitting step lays the page out in the text box of report.css's @page rule."""
    rule = re.search(r"@page \{\s*size: A4;\s*margin: ([^;]+);", str(render.css()))
    top, right, bottom, left = (float(m.removesuffix("mm")) for m in rule.group(1).split())
    assert PAGE_TEXT_PX == {
        "width": round((210 - left - right) / 25.4 * 96),
        "height": int((297 - top - bottom) / 25.4 * 96),
    }
