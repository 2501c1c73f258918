"""The real HTTP path against a local server: retries, timeouts, truncation, 304, caps, zip-slip,
data.gouv.fr resolution, checksum pins — and a failure never touches what was stored before."""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug import Response

from connectors import rawstore
from connectors.errors import DownloadError
from connectors.fetch import fetch_vintage
from connectors.http import HttpConfig, make_session
from connectors.registry import DataGouvResource, Vintage

FAST = HttpConfig(connect_timeout=2, read_timeout=2, retries=2, backoff=0, max_bytes=10_000)
CSV = b"code;value\n01001;12\n"


def vintage(url: str | None = None, *, datagouv=None, sha256=None, name="2024") -> Vintage:
    fmt = {"kind": "csv", "encoding": "utf-8", "sep": ";"}
    return Vintage("demo", name, url, datagouv, (), sha256, fmt, "")


def assert_nothing_stored(raw: Path) -> None:
    stored = [p for p in raw.rglob("*") if p.is_file()]
    assert stored == [], stored


def fetch(v: Vintage, raw: Path, cfg: HttpConfig = FAST, **kw):
    """Fetch, then publish the staged revision as an accepted parse would: these tests are about
    the transport (write–audit–publish is tested in tests/faults)."""
    with make_session(cfg) as session:
        out = fetch_vintage(v, raw_dir=raw, session=session, cfg=cfg, **kw)
    staged = rawstore.read_staged(raw, v.dataset, v.name)
    if staged is not None:
        rawstore.publish_staged(raw, v.dataset, v.name, staged)
    return out


def test_retries_503_then_succeeds(httpserver, tmp_path):
    httpserver.expect_ordered_request("/f.csv").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/f.csv").respond_with_data(CSV)
    out = fetch(vintage(httpserver.url_for("/f.csv")), tmp_path)
    assert out.status == "downloaded" and out.bytes == len(CSV)
    manifest = rawstore.read_manifest(tmp_path, "demo", "2024")
    stored = rawstore.vintage_dir(tmp_path, "demo", "2024") / manifest["parts"][""]["path"]
    assert stored.read_bytes() == CSV


def test_persistent_500_names_dataset_vintage_and_status(httpserver, tmp_path):
    httpserver.expect_request("/f.csv").respond_with_data("boom", status=500)
    with pytest.raises(DownloadError, match=r"\[demo 2024\].*HTTP 500"):
        fetch(vintage(httpserver.url_for("/f.csv")), tmp_path)


def test_404_for_a_vintage_not_published(httpserver, tmp_path):
    httpserver.expect_request("/2025.xlsx").respond_with_data("nope", status=404)
    with pytest.raises(DownloadError, match="HTTP 404.*does not serve this vintage"):
        fetch(vintage(httpserver.url_for("/2025.xlsx"), name="2025"), tmp_path)


def test_timeout(httpserver, tmp_path):
    def slow(_request):
        time.sleep(1.5)
        return Response(CSV)

    httpserver.expect_request("/slow.csv").respond_with_handler(slow)
    cfg = replace(FAST, read_timeout=0.3, retries=0)
    with pytest.raises(DownloadError, match="timed out"):
        fetch(vintage(httpserver.url_for("/slow.csv")), tmp_path, cfg)
    assert_nothing_stored(tmp_path)


def raw_server(payload: bytes) -> tuple[str, threading.Thread]:
    """A one-shot server that sends `payload` verbatim (to fake broken HTTP responses)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)

    def serve():
        for _ in range(4):
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(payload)
            conn.close()
        sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}/f.csv", thread


def test_truncated_body_is_refused(tmp_path):
    url, _ = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + CSV)
    cfg = replace(FAST, retries=0)
    with pytest.raises(DownloadError, match="truncated|interrupted"):
        fetch(vintage(url), tmp_path, cfg)
    assert_nothing_stored(tmp_path)


def test_size_cap_on_announced_and_streamed_bodies(httpserver, tmp_path):
    big = b"x" * 20_000
    httpserver.expect_request("/big.csv").respond_with_data(big)
    with pytest.raises(DownloadError, match="exceeds the cap"):
        fetch(vintage(httpserver.url_for("/big.csv")), tmp_path)

    def chunked(_request):
        return Response((b"x" * 1000 for _ in range(20)), direct_passthrough=True)

    httpserver.expect_request("/stream.csv").respond_with_handler(chunked)
    with pytest.raises(DownloadError, match="exceeds the cap"):
        fetch(vintage(httpserver.url_for("/stream.csv")), tmp_path / "b")


def test_conditional_refresh_downloads_nothing(httpserver, tmp_path):
    etag = '"v1"'

    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(
            CSV, headers={"ETag": etag, "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}
        )

    httpserver.expect_request("/f.csv").respond_with_handler(handler)
    v = vintage(httpserver.url_for("/f.csv"))
    assert fetch(v, tmp_path).status == "downloaded"
    first = rawstore.read_manifest(tmp_path, "demo", "2024")["parts"][""]
    assert first["etag"] == etag and first["sha256"]
    second = fetch(v, tmp_path)
    assert second.status == "unchanged"
    log = [
        (r.headers.get("If-None-Match"), r.headers.get("If-Modified-Since"))
        for r, _ in httpserver.log
    ]
    assert log[-1] == (etag, "Mon, 01 Jan 2024 00:00:00 GMT")
    assert (
        rawstore.read_manifest(tmp_path, "demo", "2024")["parts"][""]["fetched_at"]
        == first["fetched_at"]
    )


def test_new_revision_is_stored_beside_the_old_one(httpserver, tmp_path):
    httpserver.expect_ordered_request("/f.csv").respond_with_data(CSV)
    httpserver.expect_ordered_request("/f.csv").respond_with_data(CSV + b"01002;3\n")
    v = vintage(httpserver.url_for("/f.csv"))
    fetch(v, tmp_path)
    old = rawstore.read_manifest(tmp_path, "demo", "2024")["parts"][""]
    assert fetch(v, tmp_path).status == "downloaded"
    manifest = rawstore.read_manifest(tmp_path, "demo", "2024")
    assert manifest["history"][0]["parts"][""]["sha256"] == old["sha256"]
    old_path = rawstore.vintage_dir(tmp_path, "demo", "2024") / old["path"]
    assert old_path.read_bytes() == CSV  # immutable: never overwritten


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


@pytest.mark.parametrize("member", ["../../evil.csv", "/etc/evil.csv", "ok/../../evil.csv"])
def test_zip_slip_is_rejected(httpserver, tmp_path, member):
    httpserver.expect_request("/a.zip").respond_with_data(zip_bytes({member: CSV}))
    with pytest.raises(DownloadError, match="absolute or '..' path"):
        fetch(vintage(httpserver.url_for("/a.zip")), tmp_path)
    assert_nothing_stored(tmp_path)


def test_checksum_pin_mismatch_keeps_the_previous_file(httpserver, tmp_path):
    httpserver.expect_ordered_request("/f.csv").respond_with_data(CSV)
    httpserver.expect_ordered_request("/f.csv").respond_with_data(b"tampered\n")
    good = vintage(httpserver.url_for("/f.csv"))
    fetch(good, tmp_path)
    before = rawstore.read_manifest(tmp_path, "demo", "2024")
    pinned = replace(good, sha256=before["parts"][""]["sha256"])
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(pinned, tmp_path, force=True)
    assert rawstore.read_manifest(tmp_path, "demo", "2024") == before


def test_failed_refresh_leaves_the_previous_ingest_intact(httpserver, tmp_path):
    httpserver.expect_ordered_request("/f.csv").respond_with_data(CSV)
    httpserver.expect_request("/f.csv").respond_with_data("down", status=503)
    v = vintage(httpserver.url_for("/f.csv"))
    fetch(v, tmp_path)
    before = rawstore.read_manifest(tmp_path, "demo", "2024")
    with pytest.raises(DownloadError):
        fetch(v, tmp_path, force=True)
    assert rawstore.read_manifest(tmp_path, "demo", "2024") == before
    assert rawstore.verify(tmp_path, "demo", "2024", before["parts"][""]).read_bytes() == CSV


def test_datagouv_resolution_picks_the_latest_matching_resource(httpserver, tmp_path):
    resources = [
        {
            "title": "liste-acv-com2024-20240905.csv",
            "last_modified": "2024-09-05T10:00:00",
            "url": httpserver.url_for("/static/old.csv"),
        },
        {
            "title": "liste-acv-com2025-20250704.csv",
            "last_modified": "2025-09-24T15:42:00",
            "url": httpserver.url_for("/static/new.csv"),
        },
        {
            "title": "liste-acv-grpt2025-20250704.csv",
            "last_modified": "2025-09-25T00:00:00",
            "url": httpserver.url_for("/static/grpt.csv"),
        },
    ]
    httpserver.expect_request("/api/1/datasets/programme-action-coeur-de-ville/").respond_with_json(
        {"resources": resources}
    )
    httpserver.expect_request("/static/new.csv").respond_with_data(CSV)
    v = vintage(
        datagouv=DataGouvResource("programme-action-coeur-de-ville", r"liste-acv-com\d{4}"),
        name="current",
    )
    out = fetch(v, tmp_path, datagouv_api=httpserver.url_for("/api/1"))
    assert out.source.endswith("/static/new.csv")


def test_datagouv_without_a_matching_title_lists_what_exists(httpserver, tmp_path):
    httpserver.expect_request("/api/1/datasets/x/").respond_with_json(
        {"resources": [{"title": "other.csv", "url": "u"}]}
    )
    v = vintage(datagouv=DataGouvResource("x", "liste-acv"), name="current")
    with pytest.raises(DownloadError, match="other.csv"):
        fetch(v, tmp_path, datagouv_api=httpserver.url_for("/api/1"))


def test_user_agent_is_sent(httpserver, tmp_path):
    httpserver.expect_request("/f.csv", headers={"User-Agent": FAST.user_agent}).respond_with_data(
        CSV
    )
    assert fetch(vintage(httpserver.url_for("/f.csv")), tmp_path).status == "downloaded"
