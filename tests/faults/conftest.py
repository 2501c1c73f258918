"""The fault suite: bad input from a hostile network, publisher or operator never replaces good
data. Each case first ingests good files of three real catalogue datasets (BMO 2024, Affelnet
2022, ZE2020) through a local HTTP server, records the published state, then feeds one fault and
asserts the refusal (its message names the dataset, the vintage and what to do) and that the
published state is byte-identical.

The files are small fixtures in the publishers' real formats: the BMO workbook's sheet and
headers, Affelnet's `;`-separated UTF-8 CSV, INSEE's ZE2020 workbook with its title lines.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from helpers import BMO_HEADER_2024
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from connectors.http import HttpConfig
from flows.pipeline import ingest
from flows.pipeline.settings import Settings, load

FIXTURES = Path(__file__).parent.parent / "fixtures"
AFFELNET = (FIXTURES / "education" / "affelnet_2022.csv").read_bytes()
FAST = HttpConfig(
    connect_timeout=2,
    read_timeout=2,
    retries=1,
    backoff=0,
    max_bytes=2_000_000,
    deadline=5,
    max_retry_after=0.2,
)
PATHS = {
    ("bmo", "2024"): "bmo/Base_open_data_BMO_2024.xlsx",
    ("affelnet_capacities", "2022"): "affelnet.csv",
    ("ze2020_communes", "cog2022"): "ze.xlsx",
}
BMO_HEADER = BMO_HEADER_2024
BMO_ROWS = 40


def bmo_rows(n: int = BMO_ROWS) -> list[list]:
    """Distinct bassin × département × métier cells; every fifth count is secret ('*')."""
    rows = []
    for i in range(n):
        metier = f"A{i % 10}X4{i // 10}"
        bassin, dept = (8457, "63") if i % 2 else (5307, "35")
        met = "*" if i % 5 == 0 else str(10 + i)
        rows.append(
            [
                2024,
                metier,
                f"Métier {metier}",
                "A",
                "Agriculture",
                "84" if dept == "63" else "53",
                "Auvergne-Rhône-Alpes" if dept == "63" else "Bretagne",
                dept,
                "Puy-de-Dôme" if dept == "63" else "Ille-et-Vilaine",
                bassin,
                "CLERMONT" if dept == "63" else "RENNES",
                met,
                "*" if met == "*" else "5",
                "*" if met == "*" else "0",
            ]
        )
    return rows


def workbook(sheet: str, header: list, rows: list[list], titles: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for line in titles:
        ws.append([line])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return frozen(out.getvalue())


FROZEN_AT = (2024, 1, 1, 0, 0, 0)


def frozen(xlsx: bytes) -> bytes:
    """The same bytes whatever the second the workbook is saved: openpyxl stamps
    docProps/core.xml and every zip entry with the time of saving, so one "revision" built twice
    a second apart would get two sha256 (and tests of a revision served again would flake)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2024-01-01T00:00:00Z",
                    data,
                )
            target.writestr(zipfile.ZipInfo(info.filename, FROZEN_AT), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bmo_workbook(rows: list[list] | None = None, header: list | None = None, sheet=None) -> bytes:
    return workbook(
        sheet or "BMO_2024_open_data",
        header or BMO_HEADER,
        bmo_rows() if rows is None else rows,
    )


def ze_workbook() -> bytes:
    """INSEE's layout: title lines above the row of variable codes used as header."""
    return workbook(
        "Composition_communale",
        ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "ZE2020_PARTIE_REG", "DEP", "REG"],
        [
            ["01001", "L'Abergement-Clémenciat", "8405", "Bourg-en-Bresse", "", "01", "84"],
            ["35238", "Rennes", "5307", "Rennes", "", "35", "53"],
        ],
        titles=("Zones d'emploi 2020", "", "Source : Insee", "", "Libellés"),
    )


BMO = bmo_workbook()
ZE = ze_workbook()
GOOD: dict[str, Callable[[Request], Response]] = {
    "bmo": lambda r: Response(BMO),
    "affelnet_capacities": lambda r: Response(AFFELNET),
    "ze2020_communes": lambda r: Response(ZE),
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def published_state(cfg: Settings) -> dict[str, str]:
    """What the rest of gpect reads, as path → sha256: every parsed file (tables, records,
    rejects), the current and replaced revisions of every raw manifest (its quarantine list is
    where refusals are recorded, so it is left out), the warehouse and the shortlist outputs."""
    state = {}
    for path in sorted(cfg.parsed_dir.rglob("*")):
        if path.is_file():
            state[str(path.relative_to(cfg.data_dir))] = sha(path.read_bytes())
    for path in sorted(cfg.raw_dir.rglob("manifest.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        # `checked_at` is when the publisher was last asked, not what is published.
        parts = {
            p: {k: v for k, v in e.items() if k != "checked_at"} for p, e in doc["parts"].items()
        }
        published = {"parts": parts, "history": doc.get("history", [])}
        state[str(path.relative_to(cfg.data_dir))] = sha(json.dumps(published).encode())
    for path in [cfg.warehouse, *sorted((cfg.data_dir / "out" / "shortlist").glob("*"))]:
        if path.is_file():
            state[str(path.relative_to(cfg.data_dir))] = sha(path.read_bytes())
    return state


@pytest.fixture
def server(threaded_httpserver: HTTPServer):
    yield threaded_httpserver
    threaded_httpserver.clear()


class Pipeline:
    """Settings reading the three datasets from the local server; `serve` sets each answer."""

    def __init__(self, server: HTTPServer, tmp_path: Path):
        self.server = server
        map_path = tmp_path / "mirror.csv"
        map_path.write_text(
            "dataset,vintage,path\n" + "".join(f"{d},{v},{p}\n" for (d, v), p in PATHS.items()),
            encoding="utf-8",
        )
        self.cfg = replace(
            load().with_overrides(
                data_dir=tmp_path / "data", mirror=server.url_for("/"), mirror_map=map_path
            ),
            http=FAST,
        )
        self.answers = dict(GOOD)
        for (dataset, _), path in PATHS.items():
            server.expect_request(f"/{path}").respond_with_handler(
                lambda request, d=dataset: self.answers[d](request)
            )

    def serve(self, **answers: Callable[[Request], Response]) -> None:
        self.answers.update(answers)

    def ingest(self, *datasets: str, force: bool = False) -> dict[str, ingest.SourceStatus]:
        results = ingest.ingest(self.cfg, datasets=list(datasets or GOOD), force=force)
        return {r.dataset: r for r in results if (r.dataset, r.vintage) in PATHS}


@pytest.fixture
def pipeline(server, tmp_path) -> Pipeline:
    """A data directory where the three datasets were ingested once, from good files."""
    pipe = Pipeline(server, tmp_path)
    first = pipe.ingest()
    assert {r.status for r in first.values()} == {"downloaded"}, first
    return pipe
