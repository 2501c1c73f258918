"""Bad downloads never become current: a revision that does not parse or breaks its contract is
quarantined (kept aside, listed with its reason) and the previous one stays current, with its
parsed table byte-identical; a transfer that breaks the network policy stores nothing at all."""

from __future__ import annotations

import io
import re
import stat
import time
import zipfile

import pytest
from conftest import (
    AFFELNET,
    BMO,
    BMO_HEADER,
    FAST,
    ZE,
    bmo_rows,
    bmo_workbook,
    published_state,
)
from werkzeug import Response

from connectors import rawstore
from connectors.datagouv import resolve
from connectors.errors import DownloadError
from connectors.http import make_session
from connectors.registry import DataGouvResource
from flows.pipeline import ingest
from flows.pipeline.provenance import source_rows


def with_na(share: float) -> bytes:
    """BMO with `share` of its hiring counts written "n/a" (pandas' default NA strings would
    have turned them into NULLs without a trace)."""
    rows = bmo_rows()
    for i in range(0, len(rows), round(1 / share)):
        rows[i][11] = "n/a"
    return bmo_workbook(rows)


def duplicated(n: int) -> bytes:
    rows = bmo_rows()
    return bmo_workbook(rows + [list(r) for r in rows[:n]])


def renamed() -> bytes:
    return bmo_workbook(header=[("met_2024" if h == "met" else h) for h in BMO_HEADER])


def zip_of(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def duplicated_members() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("affelnet.csv", AFFELNET)
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("affelnet.csv", b"x;y\n1;2\n")
    return buf.getvalue()


# name → (dataset, answer on the second ingest, message fragment). Each is refused and quarantined.
QUARANTINED = {
    "html error page served as the workbook": (
        "bmo",
        lambda r: Response("<html><body>503 Service Unavailable</body></html>", 200),
        "cannot read as xlsx",
    ),
    "renamed column": ("bmo", lambda r: Response(renamed()), r"missing columns \['met'\]"),
    "missing sheet": (
        "bmo",
        lambda r: Response(bmo_workbook(sheet="Feuil1")),
        "no sheet 'BMO_2024_open_data'",
    ),
    "truncated workbook": ("bmo", lambda r: Response(BMO[: len(BMO) // 2]), "cannot read as xlsx"),
    "10 % of counts 'n/a'": (
        "bmo",
        lambda r: Response(with_na(0.1)),
        r"4 of 40 rows have values that do not fit.*met='n/a'",
    ),
    "duplicated rows": (
        "bmo",
        lambda r: Response(duplicated(5)),
        r"10 rows share their key \['metier_code', 'departement_code', 'bassin_code'\].*"
        r"'metier_code': 'A0X40'.*at source rows 2/42",
    ),
    "row count collapses": (
        "bmo",
        lambda r: Response(bmo_workbook(bmo_rows(15))),
        r"rows 15 against 40 in the accepted revision \(a 62 % change\), beyond the 50 %",
    ),
    "Windows-1252 instead of UTF-8": (
        "affelnet_capacities",
        lambda r: Response(AFFELNET.decode("utf-8").encode("cp1252")),
        "bytes are not valid utf-8",
    ),
    "UTF-16 instead of UTF-8": (
        "affelnet_capacities",
        lambda r: Response(AFFELNET.decode("utf-8").encode("utf-16")),
        "bytes are not valid utf-8",
    ),
    "a zip where a CSV is declared": (
        "affelnet_capacities",
        lambda r: Response(zip_of({"a.csv": AFFELNET, "b.csv": AFFELNET})),
        "archive member pattern None matches 0",
    ),
}


@pytest.mark.parametrize("fault", list(QUARANTINED))
def test_a_refused_revision_is_quarantined_and_the_previous_one_stays_current(pipeline, fault):
    dataset, answer, message = QUARANTINED[fault]
    cfg = pipeline.cfg
    vintage = next(v for d, v in [("bmo", "2024"), ("affelnet_capacities", "2022")] if d == dataset)
    before = published_state(cfg)
    current = rawstore.read_manifest(cfg.raw_dir, dataset, vintage)["parts"]

    pipeline.serve(**{dataset: answer})
    failed = pipeline.ingest(dataset)[dataset]

    assert failed.status == "failed"
    assert failed.message.startswith(f"[{dataset} {vintage}]"), failed.message
    assert re.search(message, failed.message), failed.message
    assert "was quarantined and the previous revision (sha256" in failed.message
    assert published_state(cfg) == before
    manifest = rawstore.read_manifest(cfg.raw_dir, dataset, vintage)
    assert manifest["parts"] == current
    (refused,) = manifest["quarantine"]
    assert re.search(message, refused["reason"])
    assert not (rawstore.vintage_dir(cfg.raw_dir, dataset, vintage) / rawstore.STAGED).exists()
    # `gpect sources` lists the refused revision with its reason
    row = next(
        r for r in ingest.inventory(cfg) if (r["dataset"], r["vintage"]) == (dataset, vintage)
    )
    assert row["sha256"] == current[""]["sha256"] and row["problem"] is None
    assert row["quarantined"][0]["sha256"] == [refused["parts"][""]["sha256"]]
    # the reports' sources section names the file actually used, not the refused one
    used = source_rows({dataset}, cfg.raw_dir, cfg.parsed_dir)
    assert [r["sha256"] for r in used if r["vintage"] == vintage] == [current[""]["sha256"]]


def test_a_refused_revision_served_again_is_refused_again_and_a_good_one_then_accepted(pipeline):
    cfg = pipeline.cfg
    pipeline.serve(bmo=lambda r: Response(duplicated(1)))
    assert pipeline.ingest("bmo")["bmo"].status == "failed"
    assert pipeline.ingest("bmo")["bmo"].status == "failed"
    # listed once, with the time it was last refused
    assert len(rawstore.read_manifest(cfg.raw_dir, "bmo", "2024")["quarantine"]) == 1
    rows = bmo_rows()
    rows[3][11] = "99"
    pipeline.serve(bmo=lambda r: Response(bmo_workbook(rows)))
    accepted = pipeline.ingest("bmo")["bmo"]
    assert (accepted.status, accepted.rows) == ("downloaded", 40)
    assert len(rawstore.read_manifest(cfg.raw_dir, "bmo", "2024")["history"]) == 1


def test_a_moderate_change_of_row_count_is_accepted_with_a_warning(pipeline):
    pipeline.serve(bmo=lambda r: Response(bmo_workbook(bmo_rows(34))))
    status = pipeline.ingest("bmo")["bmo"]
    assert (status.status, status.rows) == ("downloaded", 34)
    assert "[bmo 2024] warning: rows 34 against 40 in the accepted revision (a 15 % change)" in (
        status.message
    )
    assert "total of hiring_projects_count" in status.message


def test_a_publisher_going_back_to_an_older_revision_is_refused_unless_forced(pipeline):
    cfg = pipeline.cfg
    first = rawstore.read_manifest(cfg.raw_dir, "bmo", "2024")["parts"]
    rows = bmo_rows()
    rows[3][11] = "99"
    newer = bmo_workbook(rows)
    pipeline.serve(bmo=lambda r: Response(newer))
    assert pipeline.ingest("bmo")["bmo"].status == "downloaded"
    before = published_state(cfg)

    pipeline.serve(bmo=lambda r: Response(BMO))
    back = pipeline.ingest("bmo")["bmo"]
    assert back.status == "failed"
    assert "the publisher serves again the revision replaced on" in back.message
    assert "gpect fetch -d bmo -v 2024 --force" in back.message
    assert published_state(cfg) == before

    forced = pipeline.ingest("bmo", force=True)["bmo"]
    assert forced.status == "downloaded" and "accepted because of --force" in forced.message
    assert (
        rawstore.read_manifest(cfg.raw_dir, "bmo", "2024")["parts"][""]["sha256"]
        == (first[""]["sha256"])
    )


def bomb(ratio_bytes: int = 4 << 20) -> bytes:
    return zip_of({"affelnet.csv": AFFELNET + b"0" * ratio_bytes})


# name → (dataset, answer, message fragment). Refused before anything is stored or staged.
NOT_STORED = {
    "zip bomb by compression ratio": (
        "affelnet_capacities",
        lambda r: Response(bomb()),
        r"inflates [\d,]+ times .* over the ratio cap of 100",
    ),
    "nested archive": (
        "affelnet_capacities",
        lambda r: Response(zip_of({"inner.zip": zip_of({"a.csv": AFFELNET})})),
        "'inner.zip' is itself an archive",
    ),
    "symlink member": (
        "affelnet_capacities",
        lambda r: Response(zip_of({"a.csv": AFFELNET}, symlink="b.csv")),
        "'b.csv' is a symbolic link",
    ),
    "duplicated member names": (
        "affelnet_capacities",
        lambda r: Response(duplicated_members()),
        "'affelnet.csv' appears twice",
    ),
    "zip slip": (
        "affelnet_capacities",
        lambda r: Response(zip_of({"../../evil.csv": AFFELNET})),
        r"absolute or '\.\.' path",
    ),
    "redirect to an undeclared host": (
        "bmo",
        lambda r: Response(status=302, headers={"Location": "https://files.example.net/bmo.xlsx"}),
        "whose host 'files.example.net' is not a declared publisher host",
    ),
    "redirect to plain http on another host": (
        "bmo",
        lambda r: Response(status=302, headers={"Location": "http://localhost:1/bmo.xlsx"}),
        "redirected to http://localhost:1/bmo.xlsx, which is not https",
    ),
    "body larger than the cap": (
        "bmo",
        lambda r: Response(b"x" * 2_100_000),
        "exceeds the cap",
    ),
    "empty body": ("affelnet_capacities", lambda r: Response(b""), "empty body"),
    "malformed Content-Length": (
        "affelnet_capacities",
        lambda r: Response(
            iter([AFFELNET]), headers={"Content-Length": "12abc"}, direct_passthrough=True
        ),
        "invalid Content-Length header '12abc'",
    ),
}


@pytest.mark.parametrize("fault", list(NOT_STORED))
def test_a_transfer_breaking_the_policy_stores_nothing(pipeline, fault):
    dataset, answer, message = NOT_STORED[fault]
    cfg = pipeline.cfg
    vintage = {"bmo": "2024", "affelnet_capacities": "2022"}[dataset]
    manifest = rawstore.vintage_dir(cfg.raw_dir, dataset, vintage) / rawstore.MANIFEST
    before, manifest_bytes = published_state(cfg), manifest.read_bytes()
    stored = sorted(p for p in cfg.raw_dir.rglob("*") if p.is_file())

    pipeline.serve(**{dataset: answer})
    failed = pipeline.ingest(dataset)[dataset]

    assert failed.status == "failed" and failed.message.startswith(f"[{dataset} {vintage}]")
    assert re.search(message, failed.message), failed.message
    assert published_state(cfg) == before and manifest.read_bytes() == manifest_bytes
    assert sorted(p for p in cfg.raw_dir.rglob("*") if p.is_file()) == stored


def test_a_redirect_on_the_same_host_is_followed_and_recorded(pipeline):
    pipeline.server.expect_request("/moved/bmo.xlsx").respond_with_data(bmo_workbook(bmo_rows(38)))
    pipeline.serve(bmo=lambda r: Response(status=302, headers={"Location": "/moved/bmo.xlsx"}))
    assert pipeline.ingest("bmo")["bmo"].status == "downloaded"
    entry = rawstore.read_manifest(pipeline.cfg.raw_dir, "bmo", "2024")["parts"][""]
    assert entry["final_url"].endswith("/moved/bmo.xlsx") and entry["final_host"] == "127.0.0.1"
    assert entry["redirects"] == [entry["final_url"]]


def trickle(_request):
    """One byte every 0.25 s, for at most 3 s (the server thread ends on its own)."""

    def body():
        for _ in range(12):
            time.sleep(0.25)
            yield b"x"

    return Response(body(), direct_passthrough=True)


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(pipeline):
    cfg = pipeline.cfg
    pipeline.cfg = cfg.with_overrides(http=cfg.http.__class__(**{**vars(cfg.http), "deadline": 1}))
    before = published_state(cfg)
    pipeline.serve(bmo=trickle)
    start = time.monotonic()
    failed = pipeline.ingest("bmo")["bmo"]
    assert time.monotonic() - start < 2.5
    assert "not finished after the deadline of 1 s" in failed.message
    assert "GPECT_DOWNLOAD_DEADLINE" in failed.message
    assert published_state(cfg) == before


def test_retry_after_is_capped(pipeline):
    before = published_state(pipeline.cfg)
    pipeline.serve(bmo=lambda r: Response("busy", 503, headers={"Retry-After": "3600"}))
    start = time.monotonic()
    failed = pipeline.ingest("bmo")["bmo"]
    # One retry after at most max_retry_after (0.2 s), not after an hour.
    assert time.monotonic() - start < 3
    assert "HTTP 503" in failed.message
    assert published_state(pipeline.cfg) == before


def test_other_datasets_go_on_when_one_is_refused(pipeline):
    pipeline.serve(bmo=lambda r: Response(duplicated(2)))
    results = pipeline.ingest()
    assert results["bmo"].status == "failed"
    assert {results[d].status for d in ("affelnet_capacities", "ze2020_communes")} == {"unchanged"}


def test_zip_bomb_inside_an_xlsx_is_refused(pipeline):
    """An xlsx is a zip container: the ratio cap applies to its members too."""
    buf = io.BytesIO(ZE)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/padding.xml", b" " * (8 << 20))
    pipeline.serve(ze2020_communes=lambda r: Response(buf.getvalue()))
    failed = pipeline.ingest("ze2020_communes")["ze2020_communes"]
    assert "'xl/padding.xml' inflates" in failed.message


def test_a_datagouv_resource_on_an_undeclared_host_is_refused(httpserver, tmp_path):
    """The data.gouv.fr API's answer points the download somewhere: the redirect policy holds."""
    httpserver.expect_request("/api/1/datasets/acv/").respond_with_json(
        {"resources": [{"title": "liste-acv", "url": "https://files.example.net/acv.csv"}]}
    )
    with make_session(FAST) as session, pytest.raises(DownloadError) as error:
        resolve(
            session,
            httpserver.url_for("/api/1"),
            DataGouvResource("acv", "liste-acv"),
            FAST,
            dataset="acv",
            vintage="current",
        )
    assert "[acv current]" in str(error.value)
    assert "whose host 'files.example.net' is not a declared publisher host" in str(error.value)
