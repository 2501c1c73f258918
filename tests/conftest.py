"""Test tiers, by what a test needs and costs (markers registered in pyproject.toml):

- unit: everything unmarked — hand-made fixtures, a local HTTP server, bad input, offline;
  `pytest -m "not realdata and not browser and not prefect and not slow"`, under a minute.
- `realdata`: reads the real open-data files (GPECT_OPENDATA, default ../shared/opendata) and
  builds the session's real warehouse from them. A clone without them runs the other tiers and is
  told how to get the data; in CI (CI=true) missing data is an error, never a silent skip.
- `browser`: headless Chromium through Playwright (Debian's chromium, axe-core from npm).
- `prefect`: the session's ephemeral Prefect API (~15 s to start) or a Dask cluster.
- `slow`: seconds of its own beyond the other marks (properties over hundreds of examples, fresh
  interpreters, LibreOffice, PDF rendering).

The whole suite is plain `pytest`. A test that uses a fixture of a tier must carry its mark
(TIER_FIXTURES): collection fails otherwise, so the unit tier never starts a server or reads
the real data by accident.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# pytest-xdist's workers inherit COLUMNS=80, and rich fixes a console's width from it when the
# console is made (at the first import of the CLI): every CLI test says its own width instead.
os.environ.pop("COLUMNS", None)

from flows.pipeline import ingest  # noqa: E402
from flows.pipeline.settings import load  # noqa: E402

OPENDATA = load().opendata
HAVE_DATA = (OPENDATA / "README.md").is_file() and (OPENDATA / "bmo").is_dir()
MISSING_DATA_MESSAGE = (
    f"real open-data files not found at {OPENDATA}. The real-data tests were deselected. "
    "Get the mirror (the `shared/opendata` folder distributed with gpect, see README) and point "
    "GPECT_OPENDATA at it to run them."
)


# fixture → the mark a test using it (directly or through another fixture) must carry
TIER_FIXTURES = {
    "opendata": "realdata",
    "mirror_server": "realdata",
    "ingested": "realdata",
    "warehouse": "realdata",
    "prefect_harness": "prefect",
    "chromium": "browser",
}


def unmarked_tier_fixtures(items) -> list[str]:
    return [
        f"{item.nodeid} uses the {fixture} fixture: mark it {mark}"
        for item in items
        for fixture, mark in TIER_FIXTURES.items()
        if fixture in item.fixturenames and not item.get_closest_marker(mark)
    ]


def pytest_collection_modifyitems(config, items):
    unmarked = unmarked_tier_fixtures(items)
    if unmarked:
        raise pytest.UsageError("tests outside their tier:\n  " + "\n  ".join(unmarked))
    if HAVE_DATA:
        return
    real = [i for i in items if i.get_closest_marker("realdata")]
    if not real:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs the real data: {MISSING_DATA_MESSAGE}")
    items[:] = [i for i in items if not i.get_closest_marker("realdata")]
    config.hook.pytest_deselected(items=real)
    config._gpect_missing = len(real)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    missing = getattr(config, "_gpect_missing", 0)
    if missing:
        terminalreporter.write_line(f"{missing} tests not run: {MISSING_DATA_MESSAGE}", yellow=True)


@pytest.fixture(scope="session")
def opendata() -> Path:
    return OPENDATA


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def threaded_httpserver():
    """One threaded local HTTP server for the session (a slow answer for one dataset does not
    hold up the next ones); tests clear its handlers. Stopping a server waits out werkzeug's
    0.5 s poll: one per test cost the unit tier about 20 s."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (~15 s to start, see STACK.md)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


# --- Real-data session fixtures: the mirror served over local HTTP, ingested once per session and
# shared by the integration tier and the real-data fault cases.


class _QuietHandler(SimpleHTTPRequestHandler):
    statuses: list[int] = []

    def log_message(self, *args):  # keep pytest output readable
        pass

    def send_response(self, code, message=None):
        type(self).statuses.append(code)
        super().send_response(code, message)


@pytest.fixture(scope="session")
def mirror_server(opendata):
    handler = functools.partial(_QuietHandler, directory=str(opendata))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", _QuietHandler.statuses
    server.shutdown()


@pytest.fixture(scope="session")
def ingested(mirror_server, tmp_path_factory) -> tuple[Path, list]:
    """Every dataset fetched through the HTTP mirror into a fresh data dir: (settings, results)."""
    url, _ = mirror_server
    data_dir = tmp_path_factory.mktemp("gpect-data")
    cfg = load().with_overrides(data_dir=data_dir, mirror=url)
    return cfg, ingest.ingest(cfg)


@pytest.fixture(scope="session")
def warehouse(ingested):
    """The warehouse built from the real ingested files (published into the session's data dir)."""
    from flows.pipeline.build import build

    cfg, _ = ingested
    return build(cfg, cfg.build_parameters)
