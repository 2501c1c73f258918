"""Town reports on the real warehouse: the whole site, read by headless Chromium from disk (no
network), the PDF checked with poppler, and the Prefect flow `reports`."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from html import escape as _escape
from pathlib import Path

import duckdb
import pikepdf
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

from flows.pipeline.provenance import map_polygons_path
from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import data, geo, site
from reports.chromium import PAGE_TEXT_PX

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


# The towns the site tier renders: a dozen that differ in the ways pages can break, instead of all
# 246 (`gpect report --all` and its page sizes are bench/run.py's `reports_all`).
DOZEN = {
    "58194": "Nevers: the browser tests' town (weight sliders, one partner need)",
    "52448": "Saint-Dizier: a sector below the minimum market (issue 10)",
    "18279": "Vierzon: a town of Centre-Val de Loire, the index's région filter",
    "19272": "Tulle: Territoires d'industrie through its EPCI; the PDF",
    "2A004": "Ajaccio: Corse-du-Sud, a département code that is not a number",
    "2B033": "Bastia: Haute-Corse",
    "97416": "Saint-Pierre (La Réunion): overseas, and a name eight other communes share",
    "97611": "Mamoudzou (Mayotte): the thinnest data, no partner need",
    "87085": "Limoges: the biggest candidate",
    "31300": "Lieoux: the smallest, an ACV code re-based to a new commune, no partner lycée",
    "02691": "Saint-Quentin: a big town with two partner needs and many partner lycées",
    "62193": "Calais: the most partner lycées",
}


@pytest.fixture(scope="module")
def real_site(ingested, warehouse, tmp_path_factory):
    """The DOZEN towns' pages and the index, as `gpect report` writes them."""
    cfg, _ = ingested
    layout = site.Layout(tmp_path_factory.mktemp("reports"))
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        tulle = data.resolve_town(con, "tulle").code
        codes = list(DOZEN)
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
        site_data = data.load_site(con)
        pages = site.write_site(
            con, codes, site_data, geo.Polygons(map_polygons_path(cfg.parsed_dir), True), layout
        )
    finally:
        con.close()
    return {
        "layout": layout,
        "codes": codes,
        "pages": pages,
        "tulle": tulle,
        "site_data": site_data,
        "warehouse": warehouse.path,
        "polygons": map_polygons_path(cfg.parsed_dir),
        "ranking": ranking,
        "waves": waves,
    }


def test_the_dozen_are_what_they_stand_for(warehouse):
    """If the candidate list or the data change, the dozen must still differ where pages break."""
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        towns = con.execute(
            """select p.town_code, p.population,
                      (select count(*) from int_geo__communes as c
                       where c.commune_label = p.town_label) as namesakes,
                      (select count(*) from mart_town_sector__ranking as r
                       where r.town_code = p.town_code and r.is_partner_need) as partner_needs,
                      (select count(*) from mart_town_lycee_sector__shortlist_partners as l
                       where l.town_code = p.town_code) as partner_rows
               from mart_town__profile as p"""
        ).df()
        rebased = {
            r[0]
            for r in con.execute(
                "select m.current_code from int_programme__communes as a "
                "join int_geo__code_passage as m on m.old_code = a.commune_code "
                "where a.programme in ('ACV', 'ACV2') and m.current_code <> a.commune_code"
            ).fetchall()
        }
    finally:
        con.close()
    by_code = towns.set_index("town_code")
    dozen = by_code.loc[list(DOZEN)]  # raises if one is no longer a candidate
    assert {c[:2] for c in DOZEN} >= {"2A", "2B", "97"}
    assert dozen.loc["97416", "namesakes"] > 1
    assert dozen["population"].max() == towns["population"].max()
    assert dozen["population"].min() == towns["population"].min()
    assert "31300" in rebased
    assert dozen.loc["97611", "partner_needs"] == 0 and dozen.loc["02691", "partner_needs"] >= 2
    assert dozen.loc["31300", "partner_rows"] == 0
    assert dozen.loc["62193", "partner_rows"] == towns["partner_rows"].max()


def test_every_town_of_the_dozen_has_a_small_page_linked_from_the_index(real_site):
    layout, codes = real_site["layout"], real_site["codes"]
    assert sorted(p.stem for p in real_site["pages"]) == sorted(codes)
    sizes = [p.stat().st_size for p in real_site["pages"]]
    assert max(sizes) < 1_500_000
    index = layout.index.read_text(encoding="utf-8")
    assert all(f'href="towns/{code}.html"' in index for code in codes)
    # every candidate town is a row of the index; only towns with a page are links
    towns = real_site["site_data"].towns
    assert len(towns) >= 240
    assert sorted(re.findall(r'href="towns/([0-9AB]{5})\.html"', index)) == sorted(codes)


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


@pytest.mark.browser
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
        # Columns after it: partners, shortlist score, concept.
        recommended = row.split("</td>")[-5]
        outside = ranking[(ranking["town_code"] == code) & ~ranking["is_in_operator_catalogue"]]
        assert not any(escape(s) in recommended for s in outside["sector_label"])


@pytest.fixture(scope="module")
def dozen_pdfs(real_site, ingested):
    """The dozen's pages and PDFs as `gpect report --all --pdf` writes them: one browser session,
    one view per town for its page and its PDF, each town's charts drawn while the previous town
    prints."""
    from flows.pipeline import outputs

    cfg, _ = ingested
    plan = outputs.ReportPlan(cfg, real_site["codes"], real_site["site_data"], real_site["layout"])
    written = {page: page.read_bytes() for page in real_site["pages"]}
    pages, pdfs = outputs.write_pages_and_pdfs(plan)
    # The very pages `gpect report --all` (real_site) wrote, rewritten from the PDFs' views.
    assert {page: page.read_bytes() for page in pages} == written
    return dict(zip(real_site["codes"], pdfs, strict=True))


def page_texts(path: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    # Tagged (structure tree for screen readers); the rest of PDF/UA in assert_pdf_ua_structure.
    assert "Tagged:          yes" in info.stdout
    pages = int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]


@pytest.mark.slow
def test_every_pdf_of_the_dozen_is_a_paginated_accessible_dossier(real_site, dozen_pdfs):
    layout = real_site["layout"]
    assert dozen_pdfs == {c: layout.out_dir / "pdf" / f"{c}.pdf" for c in real_site["codes"]}
    labels = real_site["site_data"].towns.set_index("town_code")["town_label"]
    for code, path in dozen_pdfs.items():
        label = labels[code]
        texts = page_texts(path)
        assert len(SECTIONS) <= len(texts) <= 25, code
        assert_pdf_ua_structure(path, label)
        # Bookmarks: the town, then its sections in order.
        with pikepdf.open(path) as printed, printed.open_outline() as outline:
            (town,) = outline.root
            assert town.title == label
            assert [s.title for s in town.children] == SECTIONS
        assert texts[0].lstrip().startswith(label)
        assert "Synthèse" in texts[0]
        # Every other section opens a page of its own, in order.
        openings = [t.lstrip().splitlines()[0].strip() for t in texts]
        starts = [openings.index(title) for title in SECTIONS[1:]]
        assert starts == sorted(starts), code
        for n, text in enumerate(texts, start=1):
            assert f"page {n} / {len(texts)}" in text
        # No near-empty page: each carries a real share of text (a chart page has its labels).
        words = [len(t.split()) for t in texts]
        assert min(words) >= 40, (code, words)
        # Chart labels are wrapped, never cut: the only ellipsis is the prose's "(IFSI, IFAS…)".
        assert "".join(texts).count("…") == "".join(texts).count("IFAS…"), code


@pytest.mark.slow
def test_pdf_charts_are_vector_drawings_with_searchable_labels(real_site, dozen_pdfs):
    text = "".join(page_texts(dozen_pdfs[real_site["tulle"]]))
    assert "Action sociale et services à la personne" in text
    assert "projets de recrutement dans la zone" in text


def structure_elements(root: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """Every element of a structure tree (marked-content ids and object references left out)."""
    found, todo = [], [root.get("/K")]
    while todo:
        kid = todo.pop()
        if isinstance(kid, pikepdf.Array):
            todo.extend(kid)
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(kid)
            todo.append(kid.get("/K"))
    return found


def assert_pdf_ua_structure(path: Path, town: str) -> None:
    """The machine-checkable PDF/UA-1 conditions of the Matterhorn protocol that no validator
    here checks for us (veraPDF cannot be installed): tagged, structured, French, titled,
    identified as PDF/UA, figures with alternative text, fonts embedded."""
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        elements = structure_elements(root.StructTreeRoot)
        assert len(elements) > 100
        assert str(root.Lang).startswith("fr")
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title).startswith(town)
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
            assert xmp["dc:title"] == str(pdf.docinfo.Title)
        figures = [e for e in elements if e.S == "/Figure"]
        assert len(figures) == 8
        assert all(str(f.get("/Alt", "")).strip() for f in figures)
        fonts = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
        ]
        assert fonts
        for font in fonts:
            if font.Subtype == "/Type3":
                continue  # Type 3 glyphs are drawn by the PDF's own content streams
            if font.Subtype == "/Type0":
                font = font.DescendantFonts[0]
            descriptor = font.FontDescriptor
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font.BaseFont


@pytest.mark.prefect
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


# --- the analyst's browser: index, live diagnostic, phones, accessibility ------------------------

# axe-core from npm (see .ci/run); its folder can be moved with GPECT_AXE_DIR.
AXE_JS = (
    Path(os.environ.get("GPECT_AXE_DIR", Path.home() / ".cache" / "gpect-axe"))
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
NEVERS, SAINT_DIZIER, VIERZON = "58194", "52448", "18279"


@pytest.fixture(scope="module")
def browser_site(real_site, warehouse):
    """The real site with the jury page and the index's shortlist script, as `gpect run` leaves
    it, and the figures the tests compare the pages with."""
    from reports import shortlist as sl
    from reports.shortlist import page as shortlist_page

    layout = real_site["layout"]
    result = sl.make_shortlist(sl.load_inputs(warehouse.path), dict(SHORTLIST_DEFAULTS), select=10)
    shortlist_page.write_page(result, layout.site_dir)
    site.write_index(real_site["site_data"], layout)
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        ranking = con.execute(
            "select town_code, sector_code, sector_label, rank, specialisation, difficulty, "
            "supply_gap, market from mart_town_sector__ranking order by town_code, rank"
        ).df()
        profile = con.execute(
            "select town_code, town_label, region_code, population from mart_town__profile"
        ).df()
    finally:
        con.close()
    return {"layout": layout, "shortlist": result, "ranking": ranking, "profile": profile}


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(chromium, url: str, width: int = 1280):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url}"))
    page.goto(url, wait_until="load")
    return page


def visible_codes(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#towns tbody tr'))"
        ".filter(tr => !tr.hidden).map(tr => tr.dataset.code)"
    )


def map_codes(page) -> list[str]:
    return page.evaluate(
        "() => [].concat(...document.getElementById('index-map').data.map(t => t.customdata || []))"
    )


@pytest.mark.browser
def test_index_searches_filters_sorts_and_maps_the_towns(browser_site, chromium):
    layout, profile = browser_site["layout"], browser_site["profile"]
    page = open_page(chromium, layout.index.as_uri())
    assert len(visible_codes(page)) == len(profile) == len(map_codes(page))
    # Search by name (accents and case ignored) or by INSEE code.
    page.fill("#q", "NEVERS")
    assert visible_codes(page) == [NEVERS] and map_codes(page) == [NEVERS]
    assert page.text_content("#shown") == f"1 ville sur {len(profile)}"
    page.fill("#q", "52448")
    assert visible_codes(page) == [SAINT_DIZIER]
    page.fill("#q", "")
    # Filter by région: exactly the mart's towns of Centre-Val de Loire, on the map too.
    page.select_option("#region", "Centre-Val de Loire")
    centre = set(profile.loc[profile["region_code"] == "24", "town_code"])
    assert set(visible_codes(page)) == centre == set(map_codes(page))
    assert VIERZON in centre
    # Sort by population, largest first (two clicks: ascending, then descending).
    header = page.locator("#towns thead th", has_text="Population").locator("button")
    header.click()
    header.click()
    assert page.get_attribute("#towns thead th:nth-child(4)", "aria-sort") == "descending"
    expected = profile[profile["town_code"].isin(centre)].sort_values("population", ascending=False)
    assert visible_codes(page) == list(expected["town_code"])
    # Colour by shortlist score: one trace of points with a colour scale.
    page.check("#colour-score")
    traces = page.evaluate(
        "() => document.getElementById('index-map').data.map(t => !!t.marker.colorscale)"
    )
    assert traces and all(traces)
    # A click on a town's point opens its report.
    page.fill("#q", "Vierzon")
    point = page.locator("#index-map .scatterlayer .point").first
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # plotly.js picks the point under the pointer when it moves there, as a user's mouse does.
    page.mouse.move(x, y)
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url.endswith(f"towns/{VIERZON}.html")
    assert page.problems == []
    page.close()


def live_rows(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#live tbody tr th')).map(th => th.textContent)"
    )


@pytest.mark.browser
def test_town_weight_sliders_rerank_from_the_published_components(browser_site, chromium):
    layout, ranking = browser_site["layout"], browser_site["ranking"]
    nevers = ranking[ranking["town_code"] == NEVERS]
    page = open_page(chromium, layout.town_page(NEVERS).as_uri())
    # At the published weights the page's ranking is the mart's.
    assert live_rows(page) == list(nevers["sector_label"])
    assert "Poids publiés" in page.text_content(".live-state")
    # Market only: the order of the market component (ties to the sector code, like the build).
    page.evaluate(
        """() => { for (const [k, v] of [["specialisation", 0], ["difficulty", 0],
              ["supply_gap", 0], ["market", 100]]) {
            const s = document.getElementById("w-" + k); s.value = v;
            s.dispatchEvent(new Event("input")); } }"""
    )
    by_market = nevers.sort_values(["market", "sector_code"], ascending=[False, True])
    assert live_rows(page) == list(by_market["sector_label"])
    assert page.get_attribute("a.live-link", "href") == "#poids=0-0-0-100"
    # The link opens the same view for a partner; "reset" gives the published ranking back.
    shared = open_page(chromium, layout.town_page(NEVERS).as_uri() + "#poids=0-0-0-100")
    assert live_rows(shared) == list(by_market["sector_label"])
    assert shared.locator("button.live-reset").is_visible()
    shared.click("button.live-reset")
    assert live_rows(shared) == list(nevers["sector_label"])
    assert page.problems == [] and shared.problems == []
    page.close()
    shared.close()


@pytest.mark.browser
def test_shortlist_weight_sliders_rerank_the_towns(browser_site, chromium):
    layout, result = browser_site["layout"], browser_site["shortlist"]
    table = result.table

    def order(page):
        return page.evaluate(
            "() => Array.from(document.querySelectorAll('#ranking-body tr')).map(tr => tr.id.slice(1))"
        )

    page = open_page(chromium, (layout.site_dir / "shortlist.html").as_uri())
    assert order(page) == list(table.sort_values("rank")["town_code"])
    page.goto(page.url + "#poids=100-0-0-0-0")
    page.wait_for_function(
        "() => /modifiés/.test(document.querySelector('.live-state').textContent)"
    )
    first = table.sort_values(["criterion_higher_education", "rank"], ascending=[False, True])
    assert order(page)[:5] == list(first["town_code"])[:5]
    page.click("button.live-reset")
    assert order(page) == list(table.sort_values("rank")["town_code"])
    assert page.problems == []
    page.close()


PHONE_PAGES = [
    "index.html",
    "shortlist.html",
    *(f"towns/{c}.html" for c in (NEVERS, SAINT_DIZIER, VIERZON)),
]


@pytest.mark.browser
@pytest.mark.parametrize("path", PHONE_PAGES)
def test_pages_fit_a_phone_and_pass_axe(browser_site, chromium, path):
    """390 px: no sideways scroll of the page (wide tables scroll in their own box); axe-core
    finds no WCAG 2 A/AA violation on a phone nor on a desktop."""
    assert AXE_JS.exists(), (
        f"axe-core is missing at {AXE_JS}: run `npm install axe-core` there (.ci/run)"
    )
    url = (browser_site["layout"].site_dir / path).as_uri()
    for width in (390, 1280):
        page = open_page(chromium, url, width)
        page.wait_for_timeout(300)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa"]}))
                .violations.map(v => v.id + ": " + v.nodes.length + " × " + v.nodes[0].target)"""
        )
        assert violations == [], f"{path} at {width} px"
        assert page.problems == []
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("code", [NEVERS, SAINT_DIZIER, VIERZON])
def test_printed_page_fits_the_paper(browser_site, real_site, chromium, code):
    """The static page as Chromium prints it (print stylesheet, A4 text width): nothing wider than
    the paper and no box that would clip what it holds, since paper does not scroll."""
    con = duckdb.connect(str(real_site["warehouse"]), read_only=True)
    try:
        view = site.town_view(
            data.load_town(con, code), real_site["site_data"], geo.Polygons(real_site["polygons"])
        )
    finally:
        con.close()
    blank = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='900' height='400'/>"
    html = site.render_town(view, {c.id: blank for c in site.charts_of(view)})
    page = chromium.new_page(viewport=PAGE_TEXT_PX)
    page.emulate_media(media="print")
    page.set_content(html)
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll("main *"))
            .filter(e => e.scrollWidth > e.clientWidth + 1
                && getComputedStyle(e).overflowX !== "visible")
            .map(e => e.tagName + " " + (e.getAttribute("aria-label") || e.className))"""
    )
    assert clipped == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PAGE_TEXT_PX["width"]
    page.close()


def fitted(chromium, body: str) -> list[tuple[float, float, str]]:
    """Each section's (height, zoom, image width) once FIT_TO_PAGE has run on `body`, laid out
    in the paper's text box as the PDF's pages are."""
    from reports import chromium as printing

    page = chromium.new_page(viewport=printing.PAGE_TEXT_PX)
    page.emulate_media(media="print")
    page.set_content(f"<style>body {{ margin: 0 }} section {{ display: flow-root }}</style>{body}")
    page.evaluate(
        printing.FIT_TO_PAGE,
        [printing.PAGE_TEXT_PX["height"], printing.SMALLEST_IMAGE, printing.SMALLEST_ZOOM],
    )
    found = page.evaluate(
        """() => Array.from(document.querySelectorAll("main > section")).map((s) => [
            s.getBoundingClientRect().height, Number(s.style.zoom || 1),
            (s.querySelector("img") || {style: {}}).style.width || ""])"""
    )
    page.close()
    return [tuple(f) for f in found]


@pytest.mark.browser
def test_a_section_a_little_taller_than_its_page_is_fitted_onto_it(chromium):
    from reports.chromium import PAGE_TEXT_PX, SMALLEST_ZOOM

    room = PAGE_TEXT_PX["height"]
    block = '<div style="height: {}px"></div>'
    image = (
        '<img data-print-fit style="width: 400px; height: auto; display: block" src="data:'
        "image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='400' height='400'/>\">"
    )
    given = [
        block.format(room - 10),  # fits: left alone
        block.format(room + 50),  # 5 % over: zoomed out
        block.format(room - 300) + image,  # 10 % over, with an image: the image shrinks
        block.format(3 * room),  # runs over pages anyway: left alone
        block.format(room) + block.format(room // 5),  # 20 % over: past the zoom's limit
    ]
    sections = fitted(
        chromium, "<main>" + "".join(f"<section>{b}</section>" for b in given) + "</main>"
    )
    heights, zooms, widths = zip(*sections, strict=True)
    assert zooms[0] == 1 and zooms[3] == 1 and zooms[4] == 1
    assert SMALLEST_ZOOM <= zooms[1] < 1 and heights[1] <= room
    assert zooms[2] == 1 and widths[2].endswith("px") and heights[2] <= room
    assert 300 <= float(widths[2].removesuffix("px")) < 400
    assert heights[3] == 3 * room and heights[4] == room + room // 5
    # The first section shares its page with whatever precedes it.
    header = f'<header style="height: {room // 2}px"></header>'
    ((height, zoom, _),) = fitted(
        chromium, header + f"<main><section>{block.format(room // 2 + 30)}</section></main>"
    )
    assert zoom < 1 and height <= room - room // 2
