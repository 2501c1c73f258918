"""PDF of a town report for the jury dossier: the town page's static version (charts drawn to SVG
by plotly.js, embedded as images with their alternative text) printed by Chromium to
`<out>/pdf/<INSEE>.pdf`. Each section starts a new page and every page says « page n / N » (see
report.css, @media print and @page).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from connectors.shared.files import write_bytes
from reports import data, site
from reports.chromium import Chromium
from reports.geo import Polygons


@dataclass
class Staged:
    """A town ready to print: its view, and its charts already being drawn."""

    code: str
    view: dict
    images: Future[dict[str, str]]


# The map prints narrower than the page (report.css, #territoire): drawn at about its printed
# width, its legend and labels keep their size instead of shrinking with the whole drawing.
PRINT_WIDTHS = {"chart-map": 640}


def stage(view: dict, chromium: Chromium) -> Staged:
    figures = {c.id: c.figure for c in site.charts_of(view) if c.figure is not None}
    return Staged(view["code"], view, chromium.svgs(figures, PRINT_WIDTHS))


def staged(
    towns: Iterable[data.TownData],
    site_data: data.SiteData,
    polygons: Polygons,
    chromium: Chromium,
    on_view: Callable[[dict], object] | None = None,
) -> Iterator[Staged]:
    """The towns staged one ahead: the browser draws the next town's charts while it prints the
    current one. `on_view(view)` runs while a town's charts are being drawn (its HTML page is
    written from the same view)."""
    ahead = None
    for town in towns:
        current = stage(site.town_view(town, site_data, polygons), chromium)
        if on_view is not None:
            on_view(current.view)
        if ahead is not None:
            yield ahead
        ahead = current
    if ahead is not None:
        yield ahead


def identified_as_pdf_ua(printed: bytes) -> bytes:
    """Chromium's tagged PDF (structure tree, /Lang, alternative texts, DisplayDocTitle) with the
    XMP identification PDF/UA-1 asks for, which Chromium does not write: `pdfuaid:part` and the
    document title as `dc:title`. Its creator would be the browser's user-agent string."""
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        pdf.docinfo["/Creator"] = "gpect"
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp.load_from_docinfo(pdf.docinfo)
            xmp["pdfuaid:part"] = "1"
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def render_pdf(town: Staged, chromium: Chromium) -> bytes:
    page = site.render_town(town.view, town.images.result())
    return identified_as_pdf_ua(chromium.pdf(page).result())


def write_pdf(town: Staged, layout: site.Layout, chromium: Chromium) -> Path:
    path = layout.town_pdf(town.code)
    write_bytes(path, render_pdf(town, chromium))
    return path
