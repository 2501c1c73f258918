"""Session fixtures for the real-data tier: the mirror served over local HTTP, ingested once."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows import ingest
from flows.settings import load


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
    from flows.build import build

    cfg, _ = ingested
    return build(cfg, cfg.build_parameters)
