"""PDF of a town report for the jury dossier: the town page rendered with static charts (SVG
exported by `static_charts`, embedded as images) and printed by WeasyPrint to
`<out>/pdf/<INSEE>.pdf`. Each section starts a new page (see report.css, @media print).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from connectors.shared.files import write_bytes
from reports import data, site
from reports.geo import Polygons
from reports.static_charts import StaticCharts


@dataclass
class Staged:
    """A town ready to print: its view and its charts, already exporting."""

    code: str
    view: dict
    images: Future[dict[str, str]]


def stage(view: dict, charts: StaticCharts) -> Staged:
    figures = {c.id: c.figure for c in site.charts_of(view) if c.figure is not None}
    return Staged(view["code"], view, charts.export(figures))


def staged(
    towns: Iterable[data.TownData],
    site_data: data.SiteData,
    polygons: Polygons,
    charts: StaticCharts,
) -> Iterator[Staged]:
    """The towns staged one ahead: the browser exports the next town's charts while WeasyPrint
    prints the current one."""
    ahead = None
    for town in towns:
        current = stage(site.town_view(town, site_data, polygons), charts)
        if ahead is not None:
            yield ahead
        ahead = current
    if ahead is not None:
        yield ahead


def render_pdf(town: Staged) -> bytes:
    page = site.render_town(town.view, town.images.result())
    # The page is self-contained: WeasyPrint may read data: URLs only, nothing on disk or network.
    fetcher = URLFetcher(allowed_protocols=["data"])
    # Tagged PDF (structure tree, reading order, alt texts): PDF/UA-1 as far as WeasyPrint goes.
    return HTML(string=page, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def write_pdf(town: Staged, layout: site.Layout) -> Path:
    path = layout.town_pdf(town.code)
    write_bytes(path, render_pdf(town))
    return path


def write_town_pdf(
    con: duckdb.DuckDBPyConnection,
    code: str,
    site_data: data.SiteData,
    polygons: Polygons,
    layout: site.Layout,
    charts: StaticCharts,
) -> Path:
    view = site.town_view(data.load_town(con, code), site_data, polygons)
    return write_pdf(stage(view, charts), layout)
