"""The PDFs' headless Chromium, kept open for a whole run: it draws a town's plotly charts to SVG
with plotly.js's own `Plotly.toImage` and prints the static town page (print stylesheet, tagged
structure, outline) with Chromium's print-to-PDF.

Playwright's asyncio API runs on a thread of its own, so that the browser starts and runs
plotly.js's initialisation (~2.4 s in all on this machine, ~1 s of it plotly.js) while the caller
imports, plans and renders; every call returns a future. Apart from `reports.pdf` so that a
command can start the browser before it imports pandas and the rest of the reports.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

if TYPE_CHECKING:
    from reports.charts import Figure

# Debian's package, then the names other systems give it; Playwright's own download is never used.
EXECUTABLES = ("chromium", "chromium-browser", "google-chrome")
# --no-sandbox: CI and containers run as root, where Chromium's sandbox cannot start.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Layout pixels of a chart in the PDF: the A4 text width, scaled down by the SVG's viewBox.
CHART_WIDTH = 900
# Found without importing plotly, so that the browser starts as early as it can.
PLOTLY_JS = (
    Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"
)

# The printed page's text box in CSS pixels: A4 less report.css's @page margins (16 mm top and
# bottom, 12 mm left and right).
PAGE_TEXT_PX = {
    "width": round((210 - 2 * 12) / 25.4 * 96),
    "height": int((297 - 2 * 16) / 25.4 * 96),
}
# A section a little taller than a page is fitted onto one (each section starts a page, so its
# last few lines would otherwise print alone): its `data-print-fit` images shrink first, to 75 %
# of their printed width at most, then the whole section zooms out, to 90 % at most (11 px text
# stays above 9.9 px). One that still does not fit keeps its size and runs over its pages.
# On the 246 ACV towns: the Synthèse fits its page for all (224 unfitted), the Territoire for
# 214 (105); the fewest words on any page went from 24 to 78.
SMALLEST_IMAGE = 0.75
SMALLEST_ZOOM = 0.9

# Laid out as printed (print media, in the text box of the paper). A section that cannot fit
# even at both limits is left alone after one measure; otherwise each limit is searched by
# halving (8 layouts at most), since a smaller image or zoom never makes a section taller.
FIT_TO_PAGE = """([pageHeight, smallestImage, smallestZoom]) => {
  document.querySelectorAll("main > section").forEach((section, n) => {
    // The first section shares its page with the report's header.
    const room = pageHeight - (n === 0 ? section.getBoundingClientRect().top : 0);
    const height = () => section.getBoundingClientRect().height;
    const fits = () => height() <= room;
    const images = Array.from(section.querySelectorAll("img[data-print-fit]"));
    const sizes = images.map((img) => img.getBoundingClientRect());
    const saving = sizes.reduce((sum, size) => sum + size.height * (1 - smallestImage), 0);
    const tall = height();
    if (tall <= room || (tall - saving) * smallestZoom > room) return;
    const share = (value) => images.forEach((img, n) => {
      img.style.width = value === 1 ? "" : `${Math.floor(sizes[n].width * value)}px`;
    });
    const zoom = (value) => { section.style.zoom = value === 1 ? "" : value.toFixed(3); };
    // The largest value in [low, 1] at which the section fits, applied; false if none.
    const largest = (apply, low) => {
      apply(low);
      if (!fits()) return false;
      let high = 1;
      for (let step = 0; step < 6; step++) {
        const middle = (low + high) / 2;
        apply(middle);
        if (fits()) low = middle; else high = middle;
      }
      apply(low);
      return true;
    };
    if (largest(share, smallestImage) || largest(zoom, smallestZoom)) return;
    share(1);
    zoom(1);
  });
}"""

# Every chart of a town at once; the figures arrive as one JSON text (numpy scalars and NaN
# already made plain by plotly's encoder), which the page parses faster than Playwright would.
DRAW_SVGS = """async ([text, widths, defaultWidth]) => {
  const figures = JSON.parse(text);
  const ids = Object.keys(figures);
  const images = await Promise.all(ids.map((id) => Plotly.toImage(
    {data: figures[id].data, layout: figures[id].layout},
    {format: "svg", width: widths[id],
     height: Math.round((figures[id].layout.height || 400) * widths[id] / defaultWidth)})));
  return Object.fromEntries(ids.map((id, n) => [id, images[n]]));
}"""


class ChromiumError(RuntimeError):
    pass


class ChromiumMissing(ChromiumError):
    pass


def _first_line(exc: Exception) -> str:
    # Playwright's messages go on with the browser's whole log.
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def executable() -> str:
    for name in EXECUTABLES:
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumMissing(
        f"no Chromium on PATH (looked for {', '.join(EXECUTABLES)}): install Debian's "
        "`chromium` package (`sudo apt install chromium`) or put a Chromium on PATH"
    )


@dataclass
class _Session:
    playwright: Playwright
    browser: Browser
    charts: Page
    # One page prints every town in turn (a new page costs ~0.1 s); the lock keeps two prints
    # from sharing it.
    printing: Page
    printing_lock: asyncio.Lock


class Chromium:
    """Made only where a Chromium is on PATH (else `ChromiumMissing`, before any work is done).
    Entering returns at once; the first call waits for the browser."""

    def __init__(self) -> None:
        self._executable = executable()

    def __enter__(self) -> Chromium:
        self._dir = tempfile.TemporaryDirectory(prefix="gpect-charts-")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chromium", daemon=True)
        self._thread.start()
        self._session: Future[_Session] = self._submit(self._open())
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._submit(self._close()).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            self._dir.cleanup()

    def _submit(self, coroutine) -> Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _open(self) -> _Session:
        playwright = await async_playwright().start()
        try:
            try:
                browser = await playwright.chromium.launch(
                    executable_path=self._executable, args=ARGS
                )
            except PlaywrightError as exc:
                raise ChromiumError(
                    f"Chromium ({self._executable}) did not start: {_first_line(exc)}; "
                    f"check that `{self._executable} --headless --no-sandbox --version` runs"
                ) from exc
            # The chart page reads plotly.js from the installed package (file://, hence a page
            # on disk) and nothing else: the context is offline. The printed page is
            # self-contained and static: no script of its own, no network; its viewport is the
            # paper's text box, so that it is measured as it will print.
            page_file = Path(self._dir.name) / "charts.html"
            page_file.write_text(
                f'<!doctype html><script src="{PLOTLY_JS.as_uri()}"></script>', encoding="utf-8"
            )
            contexts = await asyncio.gather(
                browser.new_context(offline=True),
                browser.new_context(offline=True, java_script_enabled=False, viewport=PAGE_TEXT_PX),
            )
            charts, printing = await asyncio.gather(*(c.new_page() for c in contexts))
            await asyncio.gather(
                charts.goto(page_file.as_uri(), wait_until="load"),
                printing.emulate_media(media="print"),
            )
        except BaseException:
            await playwright.stop()
            raise
        return _Session(playwright, browser, charts, printing, asyncio.Lock())

    async def _close(self) -> None:
        try:
            session = await asyncio.wrap_future(self._session)
        except (ChromiumError, PlaywrightError, OSError):
            return  # the browser never started: the first call raised why
        await session.browser.close()
        await session.playwright.stop()

    async def _svgs(self, text: str, widths: dict[str, int]) -> dict[str, str]:
        session = await asyncio.wrap_future(self._session)
        try:
            return await session.charts.evaluate(DRAW_SVGS, [text, widths, CHART_WIDTH])
        except PlaywrightError as exc:
            raise ChromiumError(f"plotly.js could not draw the charts: {_first_line(exc)}") from exc

    async def _pdf(self, html: str) -> bytes:
        session = await asyncio.wrap_future(self._session)
        page = session.printing
        try:
            async with session.printing_lock:
                await page.set_content(html, wait_until="load")
                await page.evaluate(
                    FIT_TO_PAGE, [PAGE_TEXT_PX["height"], SMALLEST_IMAGE, SMALLEST_ZOOM]
                )
                return await page.pdf(
                    format="A4",
                    prefer_css_page_size=True,
                    print_background=True,
                    tagged=True,
                    outline=True,
                )
        except PlaywrightError as exc:
            raise ChromiumError(f"Chromium could not print the page: {_first_line(exc)}") from exc

    def svgs(
        self, figures: dict[str, Figure], widths: dict[str, int] | None = None
    ) -> Future[dict[str, str]]:
        """Chart id → SVG as a data: URL, every chart of `figures` drawn at once, `widths[id]`
        layout pixels wide (default CHART_WIDTH), its height in proportion."""
        import plotly.io.json as plotly_json

        text = plotly_json.to_json_plotly(
            {id_: figure.to_plotly_json() for id_, figure in figures.items()}
        )
        drawn = {id_: (widths or {}).get(id_, CHART_WIDTH) for id_ in figures}
        return self._submit(self._svgs(text, drawn))

    def pdf(self, html: str) -> Future[bytes]:
        """The page `html` printed to A4 (its own @page rules win)."""
        return self._submit(self._pdf(html))
