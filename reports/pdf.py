"""PDF of a town report for the jury dossier: the town page rendered with static charts (SVG
exported by kaleido with the system Chromium, embedded as images) and printed by WeasyPrint to
`<out>/pdf/<INSEE>.pdf`. Each section starts a new page (see report.css, @media print).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb
import kaleido
import plotly.io.json as plotly_json
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from connectors.shared.files import write_bytes
from reports import data, site
from reports.charts import Figure
from reports.geo import Polygons

# Layout pixels of a chart in the PDF: the A4 text width, scaled down by the SVG's viewBox.
CHART_WIDTH = 900
# Browser tabs exporting at once: each tab loads plotly.js at start (~1.5 s more per tab on 2
# cores) and 2 tabs export a town's 8 charts ~25 % faster than 1; 4 are no faster than 2.
TABS = 2


class StaticCharts:
    """A kaleido browser kept open for a run, with `TABS` tabs. Entering returns at once: the
    browser (~4 s) starts in the background, so it overlaps whatever the caller does next; the
    first export waits for it. MathJax is off, otherwise every export waits for a CDN (see
    STACK.md)."""

    def __init__(self, tabs: int = TABS) -> None:
        self._tabs = tabs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._browser: Future[kaleido.Kaleido] | None = None

    def __enter__(self) -> StaticCharts:
        self._thread.start()
        self._browser = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _open(self) -> kaleido.Kaleido:
        # Made inside the loop that drives it: the browser's pipes and queues belong to it.
        browser = kaleido.Kaleido(n=self._tabs, mathjax=False)
        await browser.open()
        return browser

    async def _close(self) -> None:
        await asyncio.wrap_future(self._browser)
        await self._browser.result().close()

    async def _svgs(self, figures: dict[str, Figure]) -> dict[str, str]:
        browser = await asyncio.wrap_future(self._browser)
        images = await asyncio.gather(
            *(
                browser.calc_fig(
                    # Plain JSON values (the figures hold numpy scalars and NaN).
                    json.loads(plotly_json.to_json_plotly(figure.to_plotly_json())),
                    opts={
                        "format": "svg",
                        "width": CHART_WIDTH,
                        "height": figure.layout.height or 400,
                        "scale": 1,
                    },
                )
                for figure in figures.values()
            )
        )
        return dict(zip(figures, (_data_url(image) for image in images), strict=True))

    def export(self, figures: dict[str, Figure]) -> Future[dict[str, str]]:
        """Chart id → SVG as a data: URL, every chart of `figures` exported at once by the
        browser's tabs; the future is ready when the last one is."""
        return asyncio.run_coroutine_threadsafe(self._svgs(figures), self._loop)


def _data_url(svg: bytes) -> str:
    # An <img> rather than inline <svg>: WeasyPrint then parses the chart once, as an image,
    # instead of also cascading the page's stylesheet over its ~2,000 elements (~1 s per town).
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


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
