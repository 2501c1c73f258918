"""Town reports on the real warehouse: the whole site, read by headless Chromium from disk (no
network), the PDF checked with poppler, and the Prefect flow `reports`."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from html import escape as _escape

import duckdb
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

from reports import data, geo, site

pytestmark = pytest.mark.realdata


def escape(text: str) -> str:
    """As Jinja's autoescape writes it."""
    return _escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECTIONS = [
    "Synthèse",
    "Territoire",
    "Besoins des employeurs",
    "Offre de formation accessible",
    "Écarts et filières recommandées",
    "Comparaison",
    "Méthode et sources",
]


@pytest.fixture(scope="module")
def real_site(ingested, warehouse, tmp_path_factory):
    """Every candidate town's page and the index, as `gpect report --all` writes them."""
    cfg, _ = ingested
    layout = site.Layout(tmp_path_factory.mktemp("reports"))
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        tulle = data.resolve_town(con, "tulle").code
        codes = data.town_codes(con)
        ranking = con.execute(
            "select town_code, sector_label, recommendation_rank, tie_group, is_partner_need, "
            "is_in_operator_catalogue, annual_hiring_projects, minimum_market_projects "
            "from mart_town_sector__ranking"
        ).df()
        waves = sorted(
            int(y)
            for (y,) in con.execute(
                "select distinct survey_year from mart_territory_sector__indicators"
            ).fetchall()
        )
        site_data = data.load_site(con, cfg.raw_dir, cfg.parsed_dir)
        started = time.perf_counter()
        pages = site.write_site(
            con, codes, site_data, geo.Polygons(data.polygon_path(cfg.parsed_dir), True), layout
        )
        seconds = time.perf_counter() - started
    finally:
        con.close()
    return {
        "layout": layout,
        "codes": codes,
        "pages": pages,
        "tulle": tulle,
        "seconds": seconds,
        "site_data": site_data,
        "warehouse": warehouse.path,
        "polygons": data.polygon_path(cfg.parsed_dir),
        "ranking": ranking,
        "waves": waves,
    }


def test_every_candidate_town_has_a_small_page(real_site):
    layout, codes = real_site["layout"], real_site["codes"]
    assert len(codes) >= 240
    assert sorted(p.stem for p in real_site["pages"]) == sorted(codes)
    sizes = [p.stat().st_size for p in real_site["pages"]]
    assert max(sizes) < 1_500_000
    index = layout.index.read_text(encoding="utf-8")
    assert all(f'href="towns/{code}.html"' in index for code in codes)
    print(f"{len(codes)} pages in {real_site['seconds']:.1f} s, largest {max(sizes) / 1e6:.2f} MB")


def test_tulle_reads_end_to_end(real_site):
    html = real_site["layout"].town_page(real_site["tulle"]).read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f">{section}</h2>" in html
    assert "<h1>Tulle</h1>" in html and "Action Cœur de Ville : oui" in html
    assert "Territoires d&#39;industrie (par l&#39;intercommunalité) : oui" in html
    assert all(f"BMO {y}" in html for y in real_site["waves"])
    assert "Base_open_data_BMO_2024" not in html  # publisher URL, not the mirror path
    assert "https://www.data.gouv.fr/fr/datasets/r/4319f5e8-a8e6-476c-8da0-c0d3439ebb55" in html
    assert "12983d7415493635e4e04bb1504f464ddbc3521c5e605d99010af1011e570ff1" in html


def browse(url: str, shot=None):
    """Load a page from disk in headless Chromium: (console errors, failed requests, charts)."""
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(url, wait_until="load")
        charts = page.evaluate(
            """() => Array.from(document.querySelectorAll('div.chart')).map(div => ({
                id: div.id,
                plotted: div.classList.contains('js-plotly-plot'),
                traces: (div.data || []).length,
                names: (div.data || []).map(t => t.name),
                drawn: div.querySelectorAll('svg.main-svg .trace, svg.main-svg .scatterlayer .trace').length,
                fallbackShown: div.querySelector('.chart-fallback') !== null
                    && div.querySelector('.chart-fallback').offsetParent !== null,
            }))"""
        )
        requested = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
        if shot is not None:
            page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return problems, charts, requested


def test_browser_shows_index_and_town_page_offline(real_site, tmp_path):
    layout = real_site["layout"]
    problems, charts, requested = browse(layout.index.as_uri())
    assert problems == [] and charts == []
    assert all(url.startswith("file://") for url in requested)

    shot = tmp_path / "tulle.png"
    problems, charts, requested = browse(layout.town_page(real_site["tulle"]).as_uri(), shot)
    assert problems == []
    assert all(url.startswith("file://") for url in requested)
    assert [c["id"] for c in charts] == [
        "chart-map",
        "chart-evolution",
        "chart-metiers-volume",
        "chart-metiers-difficulty",
        "chart-supply",
        "chart-access",
        "chart-specialisation",
        "chart-gaps",
    ]
    for chart in charts:
        assert chart["plotted"] and chart["traces"] > 0 and chart["drawn"] > 0, chart
        assert not chart["fallbackShown"], chart
    by_id = {c["id"]: c for c in charts}
    # The Évolution chart draws one trace per BMO wave (three since BMO 2025), plus their span.
    assert by_id["chart-evolution"]["names"][1:] == [f"BMO {y}" for y in real_site["waves"]]
    assert len(real_site["waves"]) >= 3
    assert by_id["chart-specialisation"]["names"][:2] == [
        "Marché minimal pour une cohorte (107 projets par an)",
        "Part nationale (quotient 1)",
    ]
    image = Image.open(shot).convert("L")
    assert image.height > 4000
    assert ImageStat.Stat(image).stddev[0] > 20  # not a blank page


def synthese(html: str) -> tuple[str, str]:
    """The Synthèse's recommended part and its "à construire avec un partenaire" part."""
    part = re.search(r'<section id="synthese">(.*?)</section>', html, re.S).group(1)
    recommended, partners = part.split("<h3>À construire avec un partenaire</h3>")
    return recommended, partners.split("<h3>Chiffres clés")[0]


@pytest.mark.parametrize("code", ["58194", "52448", "18279"])
def test_synthese_recommends_deliverable_sectors_with_ties_and_partners_apart(real_site, code):
    """Nevers, Saint-Dizier, Vierzon: the recommended sectors are the mart's recommendation
    ranks ≤ 3, each in the catalogue and above the minimum market; tied sectors share one
    numbered line joined by "ou"; partner needs are listed apart, and only there."""
    html = real_site["layout"].town_page(code).read_text(encoding="utf-8")
    recommended, partners = synthese(html)
    rows = real_site["ranking"][real_site["ranking"]["town_code"] == code]
    top = rows[rows["recommendation_rank"] <= 3].sort_values("recommendation_rank")
    assert len(top) == 3
    assert top["is_in_operator_catalogue"].all()
    assert (top["annual_hiring_projects"] >= top["minimum_market_projects"]).all()
    expected: list[tuple[int, list[str]]] = []
    previous = None
    for r in top.itertuples():
        if expected and r.tie_group == previous:
            expected[-1][1].append(escape(r.sector_label))
        else:
            expected.append((int(r.recommendation_rank), [escape(r.sector_label)]))
        previous = r.tie_group
    names = re.findall(r'<span class="name">(\d+)\. (.*?)</span>', recommended)
    assert names == [(str(n), " ou ".join(labels)) for n, labels in expected]
    for r in rows[rows["is_partner_need"]].itertuples():
        assert f'<span class="name">{escape(r.sector_label)}</span>' in partners
    outside = rows[~rows["is_in_operator_catalogue"]]["sector_label"]
    assert not any(escape(s) in " ".join(t for _, t in names) for s in outside)


def test_saint_dizier_no_longer_recommends_a_fifty_project_market(real_site):
    """Issue 10: Saint-Dizier's first sector was "Enseignement et formation" on 50 hiring
    projects a year; below the minimum market it is excluded, and the report says why."""
    html = real_site["layout"].town_page("52448").read_text(encoding="utf-8")
    recommended, _ = synthese(html)
    assert "Enseignement et formation" not in recommended
    rows = real_site["ranking"][real_site["ranking"]["town_code"] == "52448"]
    educ = rows[rows["sector_label"] == "Enseignement et formation"].iloc[0]
    assert educ["annual_hiring_projects"] < educ["minimum_market_projects"]
    ecarts = re.search(r'<section id="ecarts">(.*?)</section>', html, re.S).group(1)
    assert re.search(
        r"Enseignement et formation</td>.*?marché trop petit pour une cohorte : \d+ projets par "
        r"an, minimum 107",
        ecarts,
        re.S,
    )


def test_index_lists_the_recommended_sectors(real_site):
    index = real_site["layout"].index.read_text(encoding="utf-8")
    ranking = real_site["ranking"]
    for code in ("58194", "52448", "18279"):
        row = re.search(rf'href="towns/{code}.html">.*?</tr>', index, re.S).group(0)
        top = ranking[(ranking["town_code"] == code) & (ranking["recommendation_rank"] <= 3)]
        for label in top["sector_label"]:
            assert escape(label) in row
        first = ranking[(ranking["town_code"] == code) & (ranking["recommendation_rank"] == 1)]
        assert f"<td>1. {escape(first['sector_label'].iloc[0])}" in row
        # A sector outside the catalogue is never among the recommended: only in the partner column.
        recommended = row.split("</td>")[-3]
        outside = ranking[(ranking["town_code"] == code) & ~ranking["is_in_operator_catalogue"]]
        assert not any(escape(s) in recommended for s in outside["sector_label"])


def test_pdf_has_one_page_per_section_at_least(real_site):
    from reports import pdf

    layout, tulle = real_site["layout"], real_site["tulle"]
    con = duckdb.connect(str(real_site["warehouse"]), read_only=True)
    try:
        with pdf.StaticCharts() as charts:
            path = pdf.write_town_pdf(
                con,
                tulle,
                real_site["site_data"],
                geo.Polygons(real_site["polygons"]),
                layout,
                charts,
            )
    finally:
        con.close()
    assert path == layout.out_dir / "pdf" / f"{tulle}.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )
    assert len(SECTIONS) <= pages <= 25
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]
    assert texts[0].lstrip().startswith("Tulle")
    assert "Synthèse" in texts[0]
    # Every other section opens a page of its own, in order.
    openings = [t.lstrip().splitlines()[0].strip() for t in texts]
    starts = [openings.index(title) for title in SECTIONS[1:]]
    assert starts == sorted(starts)
    for n, text in enumerate(texts, start=1):
        assert f"page {n} / {pages}" in text
    # Static charts are real vector drawings with their labels.
    assert "Action sociale et services à la personne" in "".join(texts)
    assert "projets de recrutement dans la zone" in "".join(texts)


def test_reports_flow_maps_one_task_per_town(prefect_harness, ingested, warehouse, monkeypatch):
    from prefect.client.orchestration import get_client

    from flows.reports_flow import reports

    cfg, _ = ingested
    monkeypatch.setenv("GPECT_DATA_DIR", str(cfg.data_dir))
    state = reports(towns=["Tulle", "02168"], return_state=True)
    written = state.result()
    out = cfg.data_dir / "out" / "site"
    assert sorted(written) == sorted(
        [
            str(out / "towns" / "19272.html"),
            str(out / "towns" / "02168.html"),
            str(out / "index.html"),
        ]
    )

    async def task_names():
        async with get_client() as client:
            runs = await client.read_task_runs()
            return sorted(r.name for r in runs if r.flow_run_id == state.state_details.flow_run_id)

    assert asyncio.run(task_names()) == ["report-02168", "report-19272"]
