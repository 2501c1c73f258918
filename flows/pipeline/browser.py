"""The PDFs' headless browser session, opened by a door as early as it can: the browser starts and
loads plotly.js (~2.5 s) while the door imports the reports, plans and writes the pages. Apart
from `outputs` so that opening it costs no settings or DuckDB import (~0.2 s earlier)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.pipeline.errors import OutputError

if TYPE_CHECKING:
    from reports import chromium


def open_browser() -> chromium.Chromium:
    """A session to enter (`with`); raises OutputError where no Chromium is on PATH."""
    from reports import chromium

    try:
        return chromium.Chromium()
    except chromium.ChromiumMissing as exc:
        raise OutputError(str(exc)) from exc


def check_browser() -> None:
    """Fails at once, not after a build, where no PDF can be printed."""
    open_browser()
