"""Faults at the `ingest` level, through a local HTTP mirror: one dataset vintage failing stops
neither the others nor the run, names itself, and leaves what it had ingested before intact.

The transport faults themselves (retries, 503 then success, the exact messages) are tested one by
one in test_download.py; here each fault hits the first of three datasets of the real catalogue
during a second ingest, after a first ingest that stored all three.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from connectors import parse, rawstore
from connectors.http import HttpConfig
from flows.pipeline import ingest
from flows.pipeline.settings import load

FIXTURES = Path(__file__).parent.parent / "fixtures"
AFFELNET = (FIXTURES / "education" / "affelnet_2022.csv").read_bytes()
ACV = (FIXTURES / "labour_anct" / "acv_current.csv").read_bytes()
ACV_ONE_MORE = ACV + b"97101,Les Abymes,acv-200,Les Abymes,01-01-2019\n"
FAST = HttpConfig(connect_timeout=2, read_timeout=1, retries=1, backoff=0, max_bytes=20_000)
PATHS = {
    ("affelnet_capacities", "2022"): "affelnet.csv",
    ("acv", "current"): "acv.csv",
    ("ze2020_communes", "cog2022"): "ze.xlsx",
}


def ze_workbook() -> bytes:
    """INSEE's layout: title lines above the row of variable codes used as header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Composition_communale"
    for line in ("Zones d'emploi 2020", "", "Source : Insee", "", "Libellés"):
        sheet.append([line])
    sheet.append(["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "ZE2020_PARTIE_REG", "DEP", "REG"])
    sheet.append(["01001", "L'Abergement-Clémenciat", "8405", "Bourg-en-Bresse", "", "01", "84"])
    sheet.append(["35238", "Rennes", "5307", "Rennes", "", "35", "53"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ZE = ze_workbook()


def slow(_request):
    time.sleep(2.5)
    return Response(AFFELNET)


def truncated(_request):
    return Response(
        (AFFELNET[:40] for _ in range(1)),
        headers={"Content-Length": str(len(AFFELNET))},
        direct_passthrough=True,
    )


def evil_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("../../evil.csv"), AFFELNET)
    return out.getvalue()


# (failing dataset, what its path answers on the second ingest, expected message fragment)
FAULTS = {
    "http 500": ("affelnet_capacities", lambda r: Response("boom", status=500), "HTTP 500"),
    "timeout": ("affelnet_capacities", slow, "timed out"),
    "truncated body": ("affelnet_capacities", truncated, "truncated|interrupted"),
    "404 for the vintage": ("affelnet_capacities", lambda r: Response("no", 404), "HTTP 404"),
    "oversized body": ("affelnet_capacities", lambda r: Response(b"x" * 30_000), "exceeds the cap"),
    "zip slip": ("affelnet_capacities", lambda r: Response(evil_zip()), r"absolute or '\.\.' path"),
    "corrupt xlsx": (
        "ze2020_communes",
        lambda r: Response(ZE[: len(ZE) // 2]),
        "cannot read as xlsx",
    ),
    "renamed columns": (
        "affelnet_capacities",
        lambda r: Response((FIXTURES / "education" / "affelnet_2022_renamed.csv").read_bytes()),
        r"missing columns \['Capacité carte scolaire'\]",
    ),
}


def parsed_files(cfg, dataset: str, vintage: str) -> tuple[bytes, bytes]:
    table, record, _ = parse.parsed_paths(cfg.parsed_dir, dataset, vintage)
    return table.read_bytes(), record.read_bytes()


def assert_previous_ingest_intact(cfg, dataset, vintage, parsed_before, manifest_before):
    """The parsed table and its record are untouched; the raw file they were parsed from is still
    stored, verifies against its sha256 and is still recorded in the manifest (as the current
    revision, or in the history when the failing download was stored and its parse failed)."""
    assert parsed_files(cfg, dataset, vintage) == parsed_before
    entry = manifest_before["parts"][""]
    assert rawstore.verify(cfg.raw_dir, dataset, vintage, entry).stat().st_size == entry["bytes"]
    manifest = rawstore.read_manifest(cfg.raw_dir, dataset, vintage)
    revisions = [manifest["parts"]] + [h["parts"] for h in manifest["history"]]
    assert manifest_before["parts"] in revisions


@pytest.fixture
def server(threaded_httpserver: HTTPServer):
    yield threaded_httpserver
    threaded_httpserver.clear()


@pytest.fixture
def mirror(server, tmp_path):
    """Settings reading the three datasets from the local server; `serve` sets each answer."""
    httpserver = server
    map_path = tmp_path / "mirror.csv"
    map_path.write_text(
        "dataset,vintage,path\n" + "".join(f"{d},{v},{p}\n" for (d, v), p in PATHS.items()),
        encoding="utf-8",
    )
    cfg = replace(
        load().with_overrides(
            data_dir=tmp_path / "data", mirror=httpserver.url_for("/"), mirror_map=map_path
        ),
        http=FAST,
    )
    answers = {}

    def serve(**by_dataset):
        answers.update(by_dataset)

    for (dataset, _), path in PATHS.items():
        httpserver.expect_request(f"/{path}").respond_with_handler(
            lambda request, d=dataset: answers[d](request)
        )
    return cfg, serve


def ingest_three(cfg, first: str) -> dict[str, ingest.SourceStatus]:
    order = [first] + [d for d, _ in PATHS if d != first]
    results = ingest.ingest(cfg, datasets=order)
    return {(r.dataset, r.vintage): r for r in results if (r.dataset, r.vintage) in PATHS}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_one_failing_dataset_stops_nothing_else_and_keeps_its_previous_files(mirror, fault):
    cfg, serve = mirror
    victim, answer, message = FAULTS[fault]
    vintage = next(v for d, v in PATHS if d == victim)
    serve(
        affelnet_capacities=lambda r: Response(AFFELNET),
        acv=lambda r: Response(ACV),
        ze2020_communes=lambda r: Response(ZE),
    )
    first = ingest_three(cfg, victim)
    assert {r.status for r in first.values()} == {"downloaded"}, first
    parsed_before = parsed_files(cfg, victim, vintage)
    manifest_before = rawstore.read_manifest(cfg.raw_dir, victim, vintage)

    serve(**{victim: answer}, acv=lambda r: Response(ACV_ONE_MORE))
    second = ingest_three(cfg, victim)

    failed = second[(victim, vintage)]
    assert failed.status == "failed"
    assert failed.message.startswith(f"[{victim} {vintage}]")
    assert re.search(message, failed.message), failed.message
    # The datasets after it were still fetched: the revised one is stored and parsed again.
    others = {k: r.status for k, r in second.items() if k[0] not in (victim, "acv")}
    assert set(others.values()) == {"unchanged"}, others
    assert second[("acv", "current")].status == "downloaded"
    assert second[("acv", "current")].rows == first[("acv", "current")].rows + 1
    assert_previous_ingest_intact(cfg, victim, vintage, parsed_before, manifest_before)
