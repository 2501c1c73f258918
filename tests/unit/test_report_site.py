"""Town reports on a tiny warehouse written here: every query, section and template runs, values
with markup are escaped, the TOWN argument is resolved safely, missing data is said."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely
from sqlkit import run_model
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline import parameters
from flows.pipeline.provenance import map_polygons_path, record_sources
from flows.pipeline.settings import MODEL_DEFAULTS, load
from reports import data, geo, site

EVIL_TOWN = "<script>alert(1)</script>"
EVIL_COMMUNE = '<img src=x onerror="alert(2)">'
EVIL_METIER = "</script><script>alert(3)</script>"
SHA = "ab" * 32
VINTAGES = ["2023", "2024", "2025"]
BUILD_PARAMETERS = {**MODEL_DEFAULTS, "turnkey_learners": 80.0}


def square(x: float, y: float) -> bytes:
    return shapely.to_wkb(shapely.box(x, y, x + 0.05, y + 0.05))


EVIL_SECTOR = '<i>Logistique</i> & "transport"'
MINIMUM_MARKET = 106.67
# code, label, in catalogue, annual projects, reason codes, exclusion, partner need,
# recommendation rank (None: not recommendable).
SECTORS = [
    (
        "SANTE",
        "Santé",
        False,
        300.0,
        ["market", "specialisation", "tension"],
        "outside_catalogue",
        True,
        None,
    ),
    ("LOGI", EVIL_SECTOR, True, 250.0, ["specialisation", "supply_gap"], None, False, 1),
    ("BTP", "Bâtiment", True, 180.0, ["difficulty", "market"], None, False, 2),
    ("SECU", "Sécurité", True, 50.0, ["difficulty"], "market_too_small", False, None),
    ("BOIS", "Bois", True, 4.0, [], "unreadable", False, None),
]


def ranking_rows(town_code: str, town_label: str, tied: bool) -> list[dict]:
    """Five sectors; with `tied`, the two recommended ones share a tie group."""
    rows = []
    for rank, (code, label, catalogue, annual, reasons, exclusion, partner, rec) in enumerate(
        SECTORS, start=1
    ):
        rows.append(
            {
                "town_code": town_code,
                "town_label": town_label,
                "sector_code": code,
                "sector_label": label,
                "rank": rank,
                "rank_low": float(rank),
                "rank_high": rank + 1.4,
                "recommendation_rank": rec,
                "recommendation_rank_low": None if rec is None else float(rec),
                "recommendation_rank_high": None if rec is None else 2.05,
                "probability_first": None if rec is None else 0.6 / rec,
                "probability_recommended": None if rec is None else 0.97 / rec,
                "tie_group": None if rec is None else (1.0 if tied else float(rec)),
                "score": 0.5 - 0.2 * rank,
                "specialisation": 0.59,
                "difficulty": 0.25,
                "supply_gap": -0.001,
                "market": 0.9,
                "contribution_specialisation": 0.236,
                "contribution_difficulty": 0.025,
                "contribution_supply_gap": -0.0003,
                "contribution_market": 0.18,
                "reason_codes": reasons,
                "exclusion_code": exclusion,
                "is_eligible": exclusion is None,
                "is_partner_need": partner,
                "is_readable": exclusion != "unreadable",
                "is_market_sufficient": exclusion not in ("unreadable", "market_too_small"),
                "waves": 3,
                "hiring_projects": 3 * annual,
                "annual_hiring_projects": annual,
                "minimum_market_projects": MINIMUM_MARKET,
                "location_quotient": 1.9,
                "location_quotient_shrunk": 1.8,
                "location_quotient_low": 1.2,
                "location_quotient_high": 2.6,
                "region_location_quotient": 1.3,
                "difficulty_rate_shrunk": 0.62,
                "national_difficulty_rate": 0.48,
                "accessible_places_per_1000": 0.1,
                "national_median_places_per_1000": 0.45,
                "is_supply_data_thin": code == "SANTE",
                "tension_class": 4.0 if rank == 1 else None,
                "trend_first_year": 2023,
                "trend_last_year": 2025,
                "hiring_first_wave": annual,
                "hiring_last_wave": annual * 1.2,
                "hiring_change": 0.2 if exclusion != "unreadable" else None,
                "is_trend_break_affected": code == "BTP",
                "estimated_share": 0.02,
                "suggested_level": 5,
                "operator_levels": [5, 6] if catalogue else None,
                "is_in_operator_catalogue": catalogue,
                "operator_can_deliver_level": catalogue,
                "operator_distance_learning": catalogue,
                "operator_work_study": catalogue,
            }
        )
    return rows


def profile_row(code: str, label: str, income: float | None) -> dict:
    return {
        "town_code": code,
        "town_label": label,
        "departement_code": code[:2],
        "region_code": "32",
        "population": 20_000.0,
        "working_age_population": 12_000.0,
        "active_population": 9_000.0,
        "unemployment_rate": 0.12,
        "jobseekers_per_working_age": 0.1,
        "median_living_standard_eur": income,
        "epci_label": EVIL_COMMUNE,
        "is_acv": True,
        "is_acv2": False,
        "is_pvd": False,
        "is_territoire_industrie": True,
        "bassin_code": "0101",
        "bassin_label": "BASSIN",
        "ze2020_code": "0001",
        "ze2020_label": "Zone",
        "town_vocational_lycees": 1,
        "town_vocational_lycee_names": "LYCEE <b>PRO</b>",
        "catchment_communes": 2,
        "catchment_population": 30_000.0,
        "catchment_working_age_population": 18_000.0,
        "catchment_unemployment_rate": 0.1,
        "catchment_hiring_projects": 150.0,
        "catchment_estimated_share": 0.015,
        "latest_survey_year": 2025,
        "catchment_vocational_lycee_places": 48.0,
        "catchment_bts_places": 30.0,
        "catchment_higher_education_students": 200.0,
        "catchment_apprenticeship_centres": 2,
        "nearest_higher_education_minutes": 12.0,
        "latitude": 45.0,
        "longitude": 2.0,
    }


def tables() -> dict[str, pd.DataFrame]:
    towns = [("99001", EVIL_TOWN, None), ("02168", "Château-Thierry", 21_000.0)]
    # The first town's two recommended sectors are statistically tied, the second's are not.
    tied = {"99001": True, "02168": False}
    communes = pd.DataFrame(
        {
            "commune_code": ["99001", "99002", "02168", "02169", "19019", "87011"],
            "commune_label": [
                EVIL_TOWN,
                EVIL_COMMUNE,
                "Château-Thierry",
                "Essômes",
                "Beaulieu",
                "Beaulieu",
            ],
            "departement_code": ["99", "99", "02", "02", "19", "87"],
        }
    )
    catchment = pd.DataFrame(
        {
            "town_code": ["99001", "99001", "02168", "02168"],
            "commune_code": ["99001", "99002", "02168", "02169"],
            "commune_label": [EVIL_TOWN, EVIL_COMMUNE, "Château-Thierry", "Essômes"],
            "travel_minutes": [0.0, 15.0, 0.0, 8.0],
            "population": [20_000.0, 10_000.0, 15_000.0, 2_000.0],
            "working_age_population": [12_000.0, 6_000.0, 9_000.0, 1_200.0],
            "latitude": [45.0, 45.1, 49.0, 49.05],
            "longitude": [2.0, 2.1, 3.4, 3.45],
        }
    )
    indicators, metiers = [], []
    for code, _, _ in towns:
        for year in (2023, 2024, 2025):
            for sector, hiring in (("SANTE", 60.0), ("LOGI", 40.0), ("BTP", 30.0)):
                indicators.append(
                    {
                        "territory_type": "catchment",
                        "territory_code": code,
                        "survey_year": year,
                        "sector_code": sector,
                        "hiring_projects": hiring + (year - 2023) * 10,
                        "difficult_projects": hiring / 2,
                        "difficulty_rate_shrunk": 0.5,
                        "seasonal_share": 0.2,
                        "hiring_per_1000": 3.0,
                        "tension_class": 4.0,
                        "estimated_share": 0.01,
                    }
                )
        metiers.append(
            {
                "territory_type": "catchment",
                "territory_code": code,
                "survey_year": 2025,
                "metier_nomenclature": "FAP2021",
                "metier_code": "V0X60",
                "metier_label": EVIL_METIER,
                "sector_code": "SANTE",
                "hiring_projects": 70.0,
                "difficult_projects": 60.0,
                "difficulty_rate_shrunk": 0.85,
                "seasonal_share": 0.1,
                "estimated_share": 0.0,
            }
        )
    supply = pd.DataFrame(
        {
            "town_code": ["99001", "99001", "02168"],
            "sector_code": ["LOGI", "NC", "LOGI"],
            "qualification_level": [4, 6, 5],
            "places": [24.0, 200.0, 30.0],
            "lycee_pro_places": [24.0, 0.0, 0.0],
            "bts_school_places": [0.0, 0.0, 30.0],
            "bts_apprenticeship_places": [0.0, 0.0, 0.0],
            "higher_education_students": [0.0, 200.0, 0.0],
            "accessible_places_per_1000": [0.8, 6.0, 1.1],
            "national_median_per_1000": [0.5, 0.0, 0.2],
        }
    )
    passage = pd.DataFrame(
        {
            "old_code": list(catchment["commune_code"]),
            "current_code": list(catchment["commune_code"]),
        }
    )
    return {
        "mart_town__profile": pd.DataFrame([profile_row(c, n, i) for c, n, i in towns]),
        "mart_town_sector__ranking": pd.DataFrame(
            [r for c, n, _ in towns for r in ranking_rows(c, n, tied[c])]
        ),
        "mart_territory_sector__indicators": pd.DataFrame(indicators),
        "mart_territory_metier__indicators": pd.DataFrame(metiers),
        "mart_town__training_supply": supply,
        "mart_town__catchment_communes": catchment,
        "ref_sectors": pd.DataFrame(
            {
                "sector_code": ["SANTE", "LOGI", "BTP", "SECU", "BOIS", "NC"],
                "sector_label": [
                    "Santé",
                    EVIL_SECTOR,
                    "Bâtiment",
                    "Sécurité",
                    "Bois",
                    "Non classé",
                ],
            }
        ),
        "ref_standardisation": pd.DataFrame(
            {"sector_code": ["LOGI"], "indicator": ["log_access"], "median": ["0.7"]}
        ),
        # The real mart's SQL, run on a given offer: the report reads what the warehouse builds.
        "mart_town__training_sites": run_model(
            "mart_town__training_sites",
            {
                "mart_town__catchment_communes": catchment,
                "int_training__offer": pd.DataFrame(
                    {
                        "commune_code": ["99002", "02168"],
                        "uai_code": ["0990001A", "0020001B"],
                        "source": ["lycee_pro", "bts"],
                        "places": [24.0, 30.0],
                        "students": [None, None],
                        "places_or_students": [24.0, 30.0],
                    }
                ),
            },
        ),
        "mart_town__catchment_polygon_codes": run_model(
            "mart_town__catchment_polygon_codes",
            {"mart_town__catchment_communes": catchment, "int_geo__code_passage": passage},
        ),
        "mart_commune__names": run_model("mart_commune__names", {"int_geo__communes": communes}),
        "mart_quality__summary": pd.DataFrame(
            {"measure": ["BMO 2024: share estimated"], "value": [0.01], "unit": ["share"]}
        ),
        "meta_build": pd.DataFrame(
            {
                "built_at": ["2026-01-02 03:04:05+00:00"],
                "parameters": [json.dumps(BUILD_PARAMETERS)],
                "vintages": [
                    json.dumps(
                        [{"dataset": "bmo", "vintage": v} for v in VINTAGES]
                        + [{"dataset": "bmo_bassin_communes", "vintage": "2024"}]
                    )
                ],
            }
        ),
        "meta_parameters": pd.DataFrame(
            parameters.catalogue(BUILD_PARAMETERS), columns=parameters.COLUMNS
        ),
        "ref_vintages": pd.DataFrame(
            {
                "dataset": ["bmo"] * 4 + ["bmo_bassin_communes"] * 2,
                "vintage": ["2022", *VINTAGES, "2024", "2019"],
                "preference": [2, 1, 1, 1, 1, 2],
                "period": [None] * 6,
                "note": [""] * 6,
                "is_ingested": [True] * 6,
                "is_selected": [False, True, True, True, True, False],
            }
        ),
        "mart_diagnostic__evaluation": pd.DataFrame(
            {
                "family": ["refresh_stability", "refresh_stability", "convergent_validity"],
                "metric": ["top3_overlap", "top3_overlap", "spearman"],
                "comparison": [
                    "up to 2023 vs up to 2024",
                    "up to 2024 vs up to 2025",
                    "difficulty 2023-2025 vs Dares tension class",
                ],
                "value": [0.61, 0.874, 0.469],
                "target": [0.8, 0.8, 0.5],
                "count": [246, 246, 5694],
            }
        ),
    }


@pytest.fixture(scope="module")
def data_template(tmp_path_factory) -> Path:
    """A data dir with the tiny warehouse, commune polygons and one raw manifest (bmo 2024); the
    warehouse's provenance is recorded from them as the build does. Made once per module (half a
    second); each test gets its own copy in `data_dir`."""
    tmp_path = tmp_path_factory.mktemp("site-data")
    polygons = map_polygons_path(tmp_path / "parsed")
    polygons.parent.mkdir(parents=True)
    pd.DataFrame(
        {
            "commune_code": ["99001", "99002", "02168"],
            "geometry": [square(2.0, 45.0), square(2.1, 45.1), square(3.4, 49.0)],
        }
    ).to_parquet(polygons)
    # Parsed: bmo 2024 (read by the build) and the 2019 zonage (downloaded, left aside); a
    # parsed vintage is a table and a record of its row count (connectors/parse.py).
    for dataset, vintage in (("bmo", "2024"), ("bmo_bassin_communes", "2019")):
        record = tmp_path / "parsed" / dataset / vintage / "record.json"
        record.parent.mkdir(parents=True)
        pd.DataFrame({"x": [1]}).to_parquet(record.with_name("table.parquet"))
        record.write_text(json.dumps({"rows": 1, "rejected": 0, "key": "k"}))
    manifest = tmp_path / "raw" / "bmo" / "2024" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    part = {
        "sha256": SHA,
        "bytes": 10,
        "fetched_at": "2026-01-01T10:00:00+00:00",
        "path": f"{SHA[:16]}/bmo.xlsx",
    }
    manifest.write_text(json.dumps({"parts": {"": part}}))
    con = duckdb.connect(str(tmp_path / "gpect.duckdb"))
    for name, frame in tables().items():
        con.register("given", frame)
        con.execute(f"create table {name} as select * from given")  # noqa: S608
        con.unregister("given")
    con.execute("create view src_bmo as select 1 as x")
    con.execute("create view src_bmo_bassin_communes as select 1 as x")
    record_sources(con, tmp_path / "raw", tmp_path / "parsed")
    con.close()
    return tmp_path


@pytest.fixture
def data_dir(data_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(data_template, tmp_path / "data"))


@pytest.fixture
def con(data_dir):
    connection = duckdb.connect(str(data_dir / "gpect.duckdb"), read_only=True)
    yield connection
    connection.close()


def write(con, data_dir: Path, codes: list[str]) -> list[Path]:
    site_data = data.load_site(con)
    polygons = geo.Polygons(map_polygons_path(data_dir / "parsed"))
    return site.write_site(con, codes, site_data, polygons, site.Layout(data_dir / "out"))


def values(array) -> list:
    """A plotly JSON array: plain, or typed (base64 of a numpy array, plotly ≥ 6)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def figures_of(html: str) -> dict:
    figures = re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S)
    payload = figures.group(1)
    assert "<" not in payload and ">" not in payload
    return json.loads(payload)


def section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', html, re.S).group(1)


def test_markup_in_the_data_is_escaped_in_pages_and_figures(con, data_dir):
    (page,) = write(con, data_dir, ["99001"])
    html = page.read_text(encoding="utf-8")
    assert page.name == "99001.html"
    for evil in (EVIL_TOWN, EVIL_COMMUNE, EVIL_METIER, EVIL_SECTOR, "<b>PRO</b>"):
        assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "&lt;i&gt;Logistique&lt;/i&gt; &amp; &#34;transport&#34;" in html
    # Five script elements: plotly.js, the figures (JSON), the code drawing them, the live
    # diagnostic's data (JSON) and its code; no data text can open or close one.
    assert html.count("<script") == 5 and html.count("</script>") == 5
    live = json.loads(
        re.search(
            r'<script type="application/json" id="live-data">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert '<i>Logistique</i> & "transport"' in [i["label"] for i in live["items"]]
    decoded = figures_of(html)
    assert set(decoded) == {
        "chart-map",
        "chart-evolution",
        "chart-metiers-volume",
        "chart-metiers-difficulty",
        "chart-supply",
        "chart-access",
        "chart-specialisation",
        "chart-gaps",
    }
    # Chart labels are escaped for plotly.js too, which would otherwise read some tags.
    (town_label,) = decoded["chart-map"]["layout"]["annotations"]
    assert town_label["text"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    evolution = decoded["chart-evolution"]["data"]
    assert '&lt;i&gt;Logistique&lt;/i&gt; &amp; "transport"' in evolution[-1]["y"]
    points = [t for t in decoded["chart-specialisation"]["data"] if t.get("mode") == "markers+text"]
    # Point labels are wrapped, never cut, and escaped line by line: no half entity.
    assert points[0]["text"][0] == '&lt;i&gt;Logistique&lt;/i&gt; &amp;<br>"transport"'
    index = (data_dir / "out" / "site" / "index.html").read_text(encoding="utf-8")
    assert EVIL_TOWN not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert EVIL_SECTOR not in index
    # plotly.js, the shortlist's script, the towns (JSON) and the code filtering them.
    assert index.count("<script") == 4 and index.count("</script>") == 4
    towns = json.loads(
        re.search(
            r'<script type="application/json" id="index-data">(.*?)</script>', index, re.S
        ).group(1)
    )
    assert EVIL_TOWN in [t["label"] for t in towns]


def test_printed_page_is_static_and_each_chart_is_one_figure_with_its_alternative_text(
    con, data_dir
):
    view = site.town_view(
        data.load_town(con, "99001"),
        data.load_site(con),
        geo.Polygons(map_polygons_path(data_dir / "parsed")),
    )
    charts = [c for c in site.charts_of(view) if c.figure is not None]
    html = site.render_town(view, {c.id: f"data:image/svg+xml,{c.id}" for c in charts})
    # Printed with scripts off: nothing to run, no link out of the dossier, no slider.
    assert "<script" not in html and "../index.html" not in html and 'id="poids"' not in html
    images = re.findall(
        r'<img src="data:image/svg\+xml,([^"]+)" alt="([^"]+)"( data-print-fit)?>', html
    )
    assert [id_ for id_, _, _ in images] == [c.id for c in charts]
    assert all(alt.startswith("Graphique : ") for _, alt, _ in images)
    # Only the map may shrink to keep the Territoire on one page.
    assert [id_ for id_, _, fit in images if fit] == ["chart-map"]
    # One tagged Figure per chart (Chromium tags a <figure> as one): each frame is a group.
    assert html.count('<figure class="chart-block" role="group">') == html.count("<figure")
    assert EVIL_TOWN not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_is_self_contained_but_plotly_ships_once(con, data_dir):
    pages = write(con, data_dir, ["99001", "02168"])
    assets = data_dir / "out" / "site" / "assets"
    # plotly.js once, and the index's shortlist script saying there is no shortlist yet.
    assert sorted(p.name for p in assets.iterdir()) == ["plotly.min.js", "shortlist.js"]
    assert (assets / "plotly.min.js").stat().st_size > 3_000_000
    assert (assets / "shortlist.js").read_text() == "window.GPECT_SHORTLIST = null;\n"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<script src="../assets/plotly.min.js"></script>' in html
        assert "Plotly.newPlot" in html and "<style>" in html
        assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', html)
        assert page.stat().st_size < 1_500_000


def test_sections_sources_and_missing_values(con, data_dir):
    (page,) = write(con, data_dir, ["99001"])
    html = page.read_text(encoding="utf-8")
    for name in (
        "Synthèse",
        "Territoire",
        "Besoins des employeurs",
        "Offre de formation",
        "Écarts et filières recommandées",
        "Comparaison",
        "Méthode et sources",
    ):
        assert f">{name}" in html
    # The town's income is NULL: said, never filled.
    assert "<dt>Niveau de vie médian</dt><dd>n.d.</dd>" in html
    assert "Non disponible dans les sources pour cette commune : Niveau de vie médian" in html
    assert "20 000 à 30 000 habitants" in html and "Château-Thierry" in html
    # Provenance from the raw manifest, and the build parameters.
    assert SHA in html and "2026-01-01" in html and "catchment_minutes" in html
    assert "https://www.data.gouv.fr/fr/datasets/r/4319f5e8" in html
    assert '<details class="chart-data">' in html


def test_synthese_recommends_from_the_catalogue_and_says_a_tie_with_ou(con, data_dir):
    pages = write(con, data_dir, ["99001", "02168"])
    tied = section(pages[0].read_text(encoding="utf-8"), "synthese")
    logistique = "&lt;i&gt;Logistique&lt;/i&gt; &amp; &#34;transport&#34;"
    # Rank 1 of all sectors (Santé) is outside the catalogue: not recommended, but listed apart.
    recommended, partners = tied.split("À construire avec un partenaire")
    assert f'<span class="name">1. {logistique} ou Bâtiment</span>' in recommended
    assert "à égalité statistique" in recommended and "2. Bâtiment" not in recommended
    assert "Santé" not in recommended and "Sécurité" not in recommended
    assert '<span class="name">Santé</span> — 1er sur 5 toutes filières confondues' in partners
    # Reasons are worded from the codes and the row's figures, in French.
    assert (
        "Spécialisation : 1,80 fois la part nationale des projets de recrutement "
        "(intervalle 1,20–2,60)"
    ) in recommended
    assert (
        "Offre accessible : 0,10 place pour 1\u00a0000 habitants de 15–64 ans "
        "(médiane nationale 0,45)"
    ) in recommended
    assert "Difficulté : 62\u00a0% des projets jugés difficiles (France 48\u00a0%)" in recommended
    assert "Tension officielle 4/5" in partners
    assert "Rang parmi les filières recommandables : 1 (intervalle à 90 % : 1–2)" in recommended
    assert (
        "Rang parmi les filières recommandables : 2 (le même dans au moins 90 % des tirages)"
    ) in recommended
    untied = section(pages[1].read_text(encoding="utf-8"), "synthese")
    assert f'<span class="name">1. {logistique}</span>' in untied
    assert '<span class="name">2. Bâtiment</span>' in untied
    assert " ou Bâtiment" not in untied


def test_evolution_chart_draws_every_wave_and_flags_the_break(con, data_dir):
    (page,) = write(con, data_dir, ["99001"])
    html = page.read_text(encoding="utf-8")
    traces = figures_of(html)["chart-evolution"]["data"]
    waves = [t for t in traces if t["name"].startswith("BMO ")]
    assert [t["name"] for t in waves] == ["BMO 2023", "BMO 2024", "BMO 2025"]
    # Sorted by the latest wave, largest at the top (plotly draws categories bottom-up).
    assert values(waves[-1]["x"]) == [50.0, 60.0, 80.0]
    assert waves[-1]["y"][0] == "Bâtiment †"
    needs = section(html, "besoins")
    assert '<th scope="col" class="num">Projets 2025</th>' in needs
    assert "Évolution 2023 → 2025" in needs and "+20\u00a0% †" in needs
    assert "son évolution n&#39;est pas fiable. Filières concernées : Bâtiment." in needs


def test_specialisation_chart_and_gap_table(con, data_dir):
    (page,) = write(con, data_dir, ["99001"])
    html = page.read_text(encoding="utf-8")
    fig = figures_of(html)["chart-specialisation"]
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"
    line = fig["data"][0]
    assert line["x"] == [MINIMUM_MARKET, MINIMUM_MARKET] and "107 projets par an" in line["name"]
    inside, outside = (t for t in fig["data"] if t.get("mode") == "markers+text")
    assert inside["name"] == "Au catalogue de l'opérateur" and outside["name"] == "Hors catalogue"
    assert outside["text"] == ["Santé"] and values(outside["x"]) == [300.0]
    assert values(inside["x"]) == [250.0, 180.0, 50.0, 4.0]
    assert values(inside["error_y"]["array"])[0] == pytest.approx(0.8)
    assert values(inside["error_y"]["arrayminus"])[0] == pytest.approx(0.6)
    assert values(inside["marker"]["size"])[0] == pytest.approx(8 + 28 * 0.62)
    gaps = fig_gaps = figures_of(html)["chart-gaps"]
    assert [t["name"] for t in fig_gaps["data"][:4]] == [
        "Spécialisation",
        "Difficulté de recrutement",
        "Écart à l'offre de formation",
        "Taille du marché",
    ]
    assert gaps["data"][4]["y"][-1] == "1. Santé"
    ecarts = section(html, "ecarts")
    assert "marché trop petit pour une cohorte : 50 projets par an, minimum 107" in ecarts
    assert "trop peu de projets pour être lu (4 par an)" in ecarts
    assert "hors catalogue de l&#39;opérateur ; à construire avec un partenaire" in ecarts
    assert "recommandable, n° 1 (1–2)" in ecarts and "recommandable, n° 2</td>" in ecarts
    # Rank 2 of 5 with its interval; a contribution of -0.0003 is 0, not "-0,00".
    assert '<td class="num">2</td><td class="num">2–3</td>' in ecarts
    assert "-0,00" not in ecarts


def test_sources_show_what_the_build_read_after_the_manifest_changed(data_dir):
    manifest = data_dir / "raw" / "bmo" / "2024" / "manifest.json"
    later = "cd" * 32
    part = {"sha256": later, "bytes": 11, "fetched_at": "2026-06-01T10:00:00+00:00", "path": "x"}
    manifest.write_text(json.dumps({"parts": {"": part}}))
    connection = duckdb.connect(str(data_dir / "gpect.duckdb"), read_only=True)
    try:
        (page,) = write(connection, data_dir, ["99001"])
    finally:
        connection.close()
    sources = section(page.read_text(encoding="utf-8"), "methode").split("<h3>Sources</h3>")[1]
    assert f"sha256 {SHA}" in sources and "2026-01-01" in sources
    assert later not in sources and "2026-06-01" not in sources


def test_methode_shows_window_vintages_and_evaluation(con, data_dir):
    (page,) = write(con, data_dir, ["99001"])
    methode = section(page.read_text(encoding="utf-8"), "methode")
    assert "cumule les vagues BMO 2023 à 2025 (3 vagues)" in methode
    assert "107 projets de recrutement par an" in methode
    assert "<td>2023, 2024, 2025</td><td>2022</td>" in methode
    # The sources table marks the downloaded vintage the build left aside, only that one.
    assert "<td>2024</td>" in methode
    assert methode.count("non lu par cette construction") == 1
    assert "<td>2019<br><small>non lu par cette construction</small></td>" in methode
    # The headline figure is the latest comparison, with its target; every one is in the details.
    headline = methode.split("Toutes les comparaisons")[0]
    assert (
        'jusqu&#39;à 2024 contre jusqu&#39;à 2025</td><td class="num">0,87</td><td>≥ 0,80 : atteinte'
        in headline
    )
    assert "0,61" not in headline and "0,61" in methode
    assert "0,47</td><td>≥ 0,50 : non atteinte" in headline
    assert "Poids de la spécialisation" in methode


def test_index_links_only_the_pages_that_exist(con, data_dir):
    write(con, data_dir, ["02168"])
    index = (data_dir / "out" / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="towns/02168.html"' in index
    assert 'href="towns/99001.html"' not in index and "gpect report 99001" in index
    assert sorted(p.name for p in (data_dir / "out" / "site" / "towns").iterdir()) == ["02168.html"]


def test_index_lists_the_recommended_sectors_not_the_raw_rank(con, data_dir):
    write(con, data_dir, ["99001", "02168"])
    index = (data_dir / "out" / "site" / "index.html").read_text(encoding="utf-8")
    logistique = "&lt;i&gt;Logistique&lt;/i&gt; &amp; &#34;transport&#34;"
    rows = re.findall(r'<tr data-code="\d[\dAB]\d{3}">\s*<td[^>]*>(.*?)</tr>', index, re.S)
    tied = next(r for r in rows if "alert(1)" in r)
    untied = next(r for r in rows if "Château-Thierry" in r)
    assert f"<td>1. {logistique} ou Bâtiment</td>\n<td>Santé</td>" in tied
    assert f"<td>1. {logistique}<br>2. Bâtiment</td>\n<td>Santé</td>" in untied


@pytest.mark.parametrize(
    "text, code",
    [("02168", "02168"), ("château-thierry", "02168"), ("CHATEAU THIERRY ", "02168")],
)
def test_town_lookup_by_code_or_name(con, text, code):
    assert data.resolve_town(con, text).code == code


def test_town_lookup_errors(con):
    with pytest.raises(data.AmbiguousTown) as ambiguous:
        data.resolve_town(con, "beaulieu")
    assert [(c.code, c.departement_code) for c in ambiguous.value.matches] == [
        ("19019", "19"),
        ("87011", "87"),
    ]
    with pytest.raises(data.NotCandidate, match="Essômes .* is not a candidate town"):
        data.resolve_town(con, "Essomes")
    with pytest.raises(data.NotCandidate):
        data.resolve_town(con, "02169")
    with pytest.raises(data.TownNotFound):
        data.resolve_town(con, "../../etc/passwd")
    with pytest.raises(data.TownNotFound):
        data.resolve_town(con, "12345")


def test_file_names_come_from_insee_codes_only(tmp_path):
    layout = site.Layout(tmp_path)
    assert layout.town_page("2A004").name == "2A004.html"
    for bad in ("../x", "02168/../../evil", "<script>", "0216"):
        with pytest.raises(ValueError, match="not an INSEE commune code"):
            layout.town_page(bad)


@pytest.fixture
def cli(data_dir, monkeypatch):
    monkeypatch.setenv("GPECT_DATA_DIR", str(data_dir))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["report", *args])


@pytest.mark.parametrize(
    "town", ["../../../tmp/evil", "<script>alert(9)</script>", "02168/../../x", "[red]x[/red]"]
)
def test_cli_refuses_a_malicious_town_and_writes_nothing(cli, data_dir, town):
    result = cli(town)
    assert result.exit_code == 1
    assert "No report" in result.output and "no commune is named" in result.output
    assert not (data_dir / "out").exists()


def test_cli_names_the_file_after_the_insee_code_not_the_argument(cli, data_dir):
    result = cli(EVIL_TOWN)
    assert result.exit_code == 0, result.output
    out = data_dir / "out"
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        "site/assets/plotly.min.js",
        "site/assets/shortlist.js",
        "site/index.html",
        "site/towns/99001.html",
    ]


def test_cli_ambiguous_name_lists_the_matches(cli, data_dir):
    result = cli("Beaulieu")
    assert result.exit_code == 1
    assert "2 communes are named 'Beaulieu'" in result.output
    assert "Beaulieu (19, INSEE 19019)" in result.output
    assert "Beaulieu (87, INSEE 87011)" in result.output
    assert not (data_dir / "out").exists()


def test_cli_non_candidate_commune_is_said(cli):
    result = cli("Essômes")
    assert result.exit_code == 1 and "not a candidate town" in result.output


def test_cli_one_town_then_all(cli, data_dir):
    result = cli("chateau-thierry")
    assert result.exit_code == 0, result.output
    towns = data_dir / "out" / "site" / "towns"
    assert [p.name for p in towns.iterdir()] == ["02168.html"]
    result = cli("--all")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in towns.iterdir()) == ["02168.html", "99001.html"]
    assert "2 page(s) written" in result.output


def test_cli_needs_a_town_or_all(cli):
    assert cli().exit_code != 0
    assert cli("02168", "--all").exit_code != 0


def test_flow_task_writes_the_page(data_dir, con):
    from flows.pipeline import outputs
    from flows.reports_flow import town_page_task

    cfg = load().with_overrides(data_dir=data_dir)
    plan = outputs.plan_reports(cfg, ["02168"])
    path = town_page_task.fn("02168", plan)
    assert path == data_dir / "out" / "site" / "towns" / "02168.html"
    assert "Château-Thierry" in path.read_text(encoding="utf-8")
