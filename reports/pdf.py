"""PDF of a town report for the jury dossier: the town page rendered with static charts (SVG
exported by kaleido with the system Chromium, inlined) and printed by WeasyPrint to
`<out>/pdf/<INSEE>.pdf`. Each section starts a new page (see report.css, @media print).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import kaleido
import plotly.io.json as plotly_json
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from connectors.shared.files import write_bytes
from reports import data, site
from reports.charts import Figure
from reports.geo import Polygons

# Layout pixels of a chart in the PDF: the A4 text width, scaled down by the SVG's viewBox.
CHART_WIDTH = 900


class StaticCharts:
    """A kaleido browser kept open for a run: ~4 s to start, then ~0.3 s per chart. MathJax is
    off, otherwise every export waits for a CDN (see STACK.md)."""

    def __enter__(self) -> StaticCharts:
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        return self

    def __exit__(self, *exc) -> None:
        kaleido.stop_sync_server(silence_warnings=True)

    def svg(self, figure: Figure) -> Markup:
        height = figure.layout.height or 400
        image = kaleido.calc_fig_sync(
            # Plain JSON values (the figures hold numpy scalars and NaN).
            json.loads(plotly_json.to_json_plotly(figure.to_plotly_json())),
            opts={"format": "svg", "width": CHART_WIDTH, "height": height, "scale": 1},
        )
        # plotly.js writes the SVG and escapes every text node; data was escaped before that.
        return Markup(image.decode("utf-8"))


def render_pdf(view: dict, charts: StaticCharts) -> bytes:
    svgs = {c.id: charts.svg(c.figure) for c in site.charts_of(view) if c.figure is not None}
    page = site.render_town(view, svgs)
    # The page is self-contained: WeasyPrint may read data: URLs only, nothing on disk or network.
    fetcher = URLFetcher(allowed_protocols=["data"])
    # Tagged PDF (structure tree, reading order, alt texts): PDF/UA-1 as far as WeasyPrint goes.
    return HTML(string=page, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def write_town_pdf(
    con: duckdb.DuckDBPyConnection,
    code: str,
    site_data: data.SiteData,
    polygons: Polygons,
    layout: site.Layout,
    charts: StaticCharts,
) -> Path:
    return write_pdf(data.load_town(con, code), site_data, polygons, layout, charts)


def write_pdf(
    town: data.TownData,
    site_data: data.SiteData,
    polygons: Polygons,
    layout: site.Layout,
    charts: StaticCharts,
) -> Path:
    path = layout.town_pdf(town.code)
    write_bytes(path, render_pdf(site.town_view(town, site_data, polygons), charts))
    return path


def write_pdfs(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    site_data: data.SiteData,
    polygons: Polygons,
    layout: site.Layout,
    charts: StaticCharts,
    on_pdf=None,
) -> list[Path]:
    """Every town's PDF: data loaded once for all towns, charts through the one open browser."""
    paths = []
    for code, town in data.load_towns(con, codes).items():
        paths.append(write_pdf(town, site_data, polygons, layout, charts))
        if on_pdf is not None:
            on_pdf(code)
    return paths
