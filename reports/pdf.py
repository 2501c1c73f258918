"""PDF of a town report for the jury dossier: the town page rendered with static charts (SVG
exported by kaleido with the system Chromium, inlined) and printed by WeasyPrint to
`<out>/pdf/<INSEE>.pdf`. Each section starts a new page (see report.css, @media print).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import kaleido
import plotly.graph_objects as go
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reports import data, site
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

    def svg(self, figure: go.Figure) -> Markup:
        height = figure.layout.height or 400
        image = kaleido.calc_fig_sync(
            figure.to_plotly_json(),
            opts={"format": "svg", "width": CHART_WIDTH, "height": height, "scale": 1},
        )
        # plotly.js writes the SVG and escapes every text node; data was escaped before that.
        return Markup(image.decode("utf-8"))


def render_pdf(view: dict, charts: StaticCharts) -> bytes:
    svgs = {c.id: charts.svg(c.figure) for c in site.charts_of(view) if c.figure is not None}
    page = site.render_town(view, svgs)
    # The page is self-contained: WeasyPrint may read data: URLs only, nothing on disk or network.
    fetcher = URLFetcher(allowed_protocols=["data"])
    return HTML(string=page, url_fetcher=fetcher).write_pdf()


def write_town_pdf(
    con: duckdb.DuckDBPyConnection,
    code: str,
    site_data: data.SiteData,
    polygons: Polygons,
    layout: site.Layout,
    charts: StaticCharts,
) -> Path:
    path = layout.town_pdf(code)
    view = site.town_view(con, code, site_data, polygons)
    site.write_atomic(path, render_pdf(view, charts))
    return path
