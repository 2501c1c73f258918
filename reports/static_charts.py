"""Static charts for the PDF: plotly figures exported to SVG by kaleido with the system Chromium,
in a browser kept open for a whole run. Apart from `reports.pdf` so that a command can start the
browser before it imports WeasyPrint, pandas and the rest of the reports.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

import kaleido
import plotly.io.json as plotly_json

if TYPE_CHECKING:
    from reports.charts import Figure

# Layout pixels of a chart in the PDF: the A4 text width, scaled down by the SVG's viewBox.
CHART_WIDTH = 900
# One browser tab. Measured on 2 shared cores (3 rounds): each tab loads plotly.js when the browser
# starts, so 2 tabs are ready later (~4.8-6.2 s against ~3.4-4.5 s) and cost ~0.8 s more of
# Chromium's CPU, for 8 charts exported in ~2.0-2.4 s against ~2.3-2.8 s: the browser's start
# plus a town's charts is shorter with one. In bulk the charts export behind WeasyPrint anyway
# (see `pdf.staged`); 4 tabs start in ~8 s and export no faster.
TABS = 1


class StaticCharts:
    """A kaleido browser kept open for a run. Entering returns at once: the browser (~4 s) starts
    in the background, so it overlaps whatever the caller does next; the first export waits for
    it. MathJax is off, otherwise every export waits for a CDN (see STACK.md)."""

    def __init__(self) -> None:
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
        browser = kaleido.Kaleido(n=TABS, mathjax=False)
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
        """Chart id → SVG as a data: URL, every chart of `figures` queued at once on the
        browser; the future is ready when the last one is."""
        return asyncio.run_coroutine_threadsafe(self._svgs(figures), self._loop)


def _data_url(svg: bytes) -> str:
    # An <img> rather than inline <svg>: WeasyPrint then parses the chart once, as an image,
    # instead of also cascading the page's stylesheet over its ~2,000 elements (~1 s per town).
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
