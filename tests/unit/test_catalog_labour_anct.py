"""Labour-market (France Travail / Dares) and ANCT programme datasets: fixtures in the real formats.

Fixtures live in tests/fixtures/labour_anct/ (written by hand in each source's encoding, separator,
decimal mark and line endings); xlsx workbooks and the GeoPackage are written here into tmp_path.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from helpers import BMO_HEADER_2024 as HEADER_2024
from helpers import parse_file
from openpyxl import Workbook
from shapely.geometry import Point

from connectors import parse, registry
from connectors.errors import ParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "labour_anct"
GROUP = {
    "bmo",
    "bmo_bassin_communes",
    "tension_rome_bassin",
    "jobseekers_commune",
    "jobseekers_bassin_sector",
    "acv",
    "acv2",
    "pvd",
    "territoires_industrie",
}


def rows_by(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict("records")}


# --- catalogue consistency -----------------------------------------------------------------------


def test_group_is_registered_with_column_maps_for_every_vintage():
    cat = registry.catalog()
    assert GROUP <= set(cat)
    for ds_id in GROUP:
        ds = cat[ds_id]
        with parse.column_map_path(ds.column_map).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        overrides = set(header[3:])
        assert overrides <= set(ds.vintages), f"{ds_id}: override columns {overrides}"
        for vintage in ds.vintages:
            specs = parse.load_column_map(ds.column_map, vintage)
            assert any(s.source for s in specs), f"{ds_id} {vintage} maps nothing"


def test_current_vintages_resolve_through_datagouv_with_declared_csv_format():
    acv = registry.get("acv").vintage("current")
    assert acv.datagouv.slug == "programme-action-coeur-de-ville"
    assert acv.datagouv.title_pattern == "liste-acv-com"
    assert acv.fmt == {"kind": "csv", "encoding": "utf-8-sig", "sep": ","}
    pvd = registry.get("pvd").vintage("current")
    assert pvd.datagouv.slug == "programme-petites-villes-de-demain"
    # The ACV pattern must not pick the ACV 2 list of the same dataset.
    assert not re.search(acv.datagouv.title_pattern, "liste-acv2-com2023-20230922.csv")


# --- BMO (existing dataset): 2024 and 2023 column orders -----------------------------------------

BMO_ROWS = [
    # annee, code, nom, famille, lbl_fam, REG, NOM_REG, Dept, NomDept, BE, NOMBE, met, xmet, smet
    (
        2024,
        "A0X40",
        "Agriculteurs salariés",
        "A",
        "Agriculture",
        "01",
        "Guadeloupe",
        "971",
        "Guadeloupe",
        101,
        "BASSIN BASSE-TERRE",
        "12",
        "5",
        "3",
    ),
    (
        2024,
        "T4X60",
        "Agents d'entretien",
        "T",
        "Services",
        "84",
        "Auvergne-Rhône-Alpes",
        "63",
        "Puy-de-Dôme",
        8457,
        "CLERMONT FERRAND",
        "430",
        "*",
        "40",
    ),
    (
        2024,
        "J1X80",
        "Ouvriers de la manutention",
        "J",
        "Transport",
        "84",
        "Auvergne-Rhône-Alpes",
        "01",
        "Ain",
        8401,
        "BOURG EN BRESSE",
        "*",
        "*",
        "0",
    ),
]


def write_bmo(path: Path, sheet: str, header: list[str], rows: list[tuple]) -> Path:
    wb = Workbook()
    wb.active.title = "Description des variables"
    wb.active.append(["Variable", "Libellé"])
    ws = wb.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        record = dict(zip(HEADER_2024, row, strict=True))
        ws.append(
            [record[h if not h.startswith(("BE", "NOMBE")) else h[:-2] + "24"] for h in header]
        )
    wb.save(path)
    return path


def check_bmo(table: pd.DataFrame, nomenclature: str) -> None:
    by_bassin = rows_by(table, "bassin_code")
    assert set(by_bassin) == {"0101", "8457", "8401"}  # integers 101/8457 → 4 characters
    assert by_bassin["0101"]["departement_code"] == "971"
    assert by_bassin["8401"]["departement_code"] == "01"
    assert by_bassin["0101"]["region_code"] == "01"
    assert by_bassin["8457"]["metier_code"] == "T4X60"
    assert by_bassin["8457"]["hiring_projects_count"] == 430
    assert pd.isna(by_bassin["8457"]["difficult_projects_count"])
    assert by_bassin["8457"]["difficult_projects_count_is_secret"]
    assert pd.isna(by_bassin["8401"]["hiring_projects_count"])
    assert by_bassin["8401"]["hiring_projects_count_is_secret"]
    assert not by_bassin["0101"]["hiring_projects_count_is_secret"]
    assert by_bassin["8401"]["seasonal_projects_count"] == 0
    assert set(table["metier_nomenclature"]) == {nomenclature}
    assert set(table["survey_year"]) == {2024}


def test_bmo_2024_column_order(tmp_path):
    path = write_bmo(
        tmp_path / "Base_open_data_BMO_2024.xlsx", "BMO_2024_open_data", HEADER_2024, BMO_ROWS
    )
    table, record = parse_file(tmp_path, "bmo", "2024", path)
    check_bmo(table, "FAP2021")
    assert record["rows"] == 3 and record["rejected"] == 0
    assert record["secret_cells"] == {
        "hiring_projects_count": 1,
        "difficult_projects_count": 2,
        "seasonal_projects_count": 0,
    }


def test_bmo_2023_column_order(tmp_path):
    header = [
        "annee",
        "Code métier BMO",
        "Nom métier BMO",
        "Famille_met",
        "Lbl_fam_met",
        "BE23",
        "NOMBE23",
        "Dept",
        "NomDept",
        "REG",
        "NOM_REG",
        "met",
        "xmet",
        "smet",
    ]
    path = write_bmo(tmp_path / "Base_open_data_23.xlsx", "BMO_2023_open_data", header, BMO_ROWS)
    table, record = parse_file(tmp_path, "bmo", "2023", path)
    check_bmo(table, "FAP2009")
    assert record["rejected"] == 0


def test_bmo_2023_workbook_with_2024_bassin_header_names_the_missing_column(tmp_path):
    path = write_bmo(tmp_path / "b.xlsx", "BMO_2023_open_data", HEADER_2024, BMO_ROWS)
    with pytest.raises(ParseError) as exc:
        parse_file(tmp_path, "bmo", "2023", path)
    assert "[bmo 2023]" in str(exc.value) and "BE23" in str(exc.value)


# --- commune → bassin BMO ------------------------------------------------------------------------


def test_bassin_communes_2024_pads_unpadded_integer_codes(tmp_path):
    table, record = parse_file(
        tmp_path, "bmo_bassin_communes", "2024", FIXTURES / "bassin_communes_2024.csv"
    )
    by_commune = rows_by(table, "commune_code")
    assert by_commune["97129"]["bassin_code"] == "0101"
    assert by_commune["97129"]["region_code"] == "01"
    assert by_commune["03185"]["departement_code"] == "03"
    assert by_commune["01053"]["departement_code"] == "01"
    assert by_commune["2A004"]["departement_code"] == "2A"
    assert by_commune["63113"]["bassin_label"] == "CLERMONT FERRAND"
    assert table["commune_label"].isna().all()  # the 2024 copy has no commune names
    assert record["rejected"] == 0


def test_bassin_communes_2019_reads_be19_header(tmp_path):
    table, record = parse_file(
        tmp_path, "bmo_bassin_communes", "2019", FIXTURES / "bassin_communes_2019.csv"
    )
    by_commune = rows_by(table, "commune_code")
    assert by_commune["01001"]["commune_label"] == "L' Abergement-Clémenciat"
    assert by_commune["01001"]["bassin_code"] == "8401"
    assert by_commune["97105"]["departement_code"] == "971"
    assert by_commune["2B033"]["bassin_label"] == "BASTIA"
    assert set(record["ignored_source_columns"]) == {"REG_CREDOC", "CCOMMUNE"}


# --- tension indicators --------------------------------------------------------------------------


def test_tension_2021_decimal_comma_and_empty_indicator(tmp_path):
    table, record = parse_file(
        tmp_path, "tension_rome_bassin", "2021", FIXTURES / "tension_rome_bassin_2021.csv"
    )
    assert record["rejected"] == 0 and len(table) == 4
    by_bassin = rows_by(table, "bassin_code")
    assert by_bassin["0203"]["job_offers_avg"] == pytest.approx(16.61538462)
    assert by_bassin["0203"]["jobseekers_abc_avg"] == pytest.approx(28.25)
    assert by_bassin["8457"]["job_offers_avg"] == pytest.approx(1234.5)
    assert pd.isna(by_bassin["8457"]["training_specificity_class"])
    assert by_bassin["0101"]["labour_shortage_class"] == 5
    assert table["bassin_label"].isna().all()
    assert str(table["tension_class"].dtype) == "Int64"


def test_tension_2020_lowercase_rome_unpadded_bassin_and_declared_na(tmp_path):
    # The 2020 file writes a missing indicator as 'NA', declared in the catalogue: NULL, no reject.
    table, record = parse_file(
        tmp_path, "tension_rome_bassin", "2020", FIXTURES / "tension_rome_bassin_2020.csv"
    )
    assert record["rejected"] == 0
    na_row = table[table["rome_code"] == "M1301"].iloc[0]
    assert pd.isna(na_row["training_specificity_class"])
    assert na_row["tension_class"] > 0
    by_bassin = rows_by(table[table["rome_code"] != "M1301"], "bassin_code")
    assert by_bassin["0101"]["rome_code"] == "A1203"
    assert by_bassin["0101"]["rome_label"] == "Entretien des espaces verts"
    assert by_bassin["0101"]["bassin_label"] == "BASSIN BASSE-TERRE"
    assert by_bassin["8457"]["job_offers_avg"] == 11


def test_undeclared_na_marker_is_refused_past_the_default_share(tmp_path):
    v = registry.get("tension_rome_bassin").vintage("2020")
    strict = dataclasses.replace(v, fmt={k: x for k, x in v.fmt.items() if k != "na_values"})
    with pytest.raises(ParseError) as exc:
        parse_file(
            tmp_path,
            "tension_rome_bassin",
            "2020",
            FIXTURES / "tension_rome_bassin_2020.csv",
            vintage_obj=strict,
        )
    assert "ind_specif_form_empl_d='NA'" in str(exc.value)


def test_tension_2019_cp1252_and_nbsp_thousands(tmp_path):
    table, record = parse_file(
        tmp_path,
        "tension_rome_bassin",
        "2019",
        FIXTURES / "tension_fap_rome_bassin_2019_extract.csv",
    )
    assert record["rejected"] == 0
    by_bassin = rows_by(table, "bassin_code")
    assert by_bassin["1126"]["fap_label"] == "A0Z41 : Éleveurs salariés"
    assert by_bassin["1126"]["job_offers_avg"] == 1036
    assert by_bassin["5218"]["job_offers_avg"] == 17030
    assert by_bassin["5218"]["jobseekers_abc_avg"] == 1284
    assert by_bassin["3202"]["fap_code"] == "A0Z43" and by_bassin["3202"]["rome_code"] == "A1101"
    assert table["rome_label"].isna().all() and table["hiring_intensity_class"].isna().all()


# --- jobseekers ----------------------------------------------------------------------------------


def test_jobseekers_commune_keeps_codes_and_period_labels(tmp_path):
    table, record = parse_file(
        tmp_path, "jobseekers_commune", "2020-2024", FIXTURES / "jobseekers_commune.csv"
    )
    assert list(table["geo_code"]) == ["01053", "01344", "2A004", "01", "971"]
    assert list(table["period_label"])[-1] == "decembre_2024"
    assert list(table["jobseekers_abc_count"]) == [4840, 390, 0, 50060, 51230]
    assert record["rejected"] == 0


def test_jobseekers_bassin_sector_blank_bassin_is_null(tmp_path):
    table, record = parse_file(
        tmp_path, "jobseekers_bassin_sector", "2023", FIXTURES / "jobseekers_bassin_sector.csv"
    )
    assert list(table["bassin_code"].fillna("<NA>")) == ["9411", "0101", "<NA>"]
    assert list(table["jobseekers_count"]) == [101, 79, 26]
    assert table["sector_label"][1] == "Commerce -  réparation d'automobiles et de motocycles"
    assert record["rejected"] == 0


# --- ANCT ----------------------------------------------------------------------------------------


def test_acv_current_csv_with_bom(tmp_path):
    table, record = parse_file(tmp_path, "acv", "current", FIXTURES / "acv_current.csv")
    by_commune = rows_by(table, "commune_code")
    assert set(by_commune) == {"01004", "15012", "2A004", "97105"}
    assert by_commune["15012"]["programme_code"] == "acv-017"  # ids kept as published
    assert by_commune["15012"]["programme_label"] == "Aurillac-Arpajon-sur-Cère"
    assert by_commune["01004"]["signature_date"] == "28-09-2018"
    assert table["geometry"].isna().all()
    assert record["rejected"] == 0


def test_acv_current_missing_column_names_dataset_vintage_and_column(tmp_path):
    with pytest.raises(ParseError) as exc:
        parse_file(tmp_path, "acv", "current", FIXTURES / "acv_current_missing_column.csv")
    err = exc.value
    assert (err.dataset, err.vintage) == ("acv", "current")
    assert "lib_acv" in err.problem


def test_acv_2024_geojson_points_and_member_list(tmp_path):
    table, record = parse_file(tmp_path, "acv", "2024", FIXTURES / "acv_2024.geojson")
    by_code = rows_by(table, "programme_code")
    assert by_code["acv-017"]["member_list"] == "Arpajon-sur-Cère (15012); Aurillac (15014)"
    assert by_code["acv-004"]["member_list"] == "Ajaccio (2A004)"
    assert table["signature_date"].isna().all()
    geo = gpd.read_parquet(tmp_path / "parsed" / "acv" / "2024" / "table.parquet")
    assert list(geo.geom_type) == ["Point", "MultiPoint", "Point"]
    assert geo.crs.to_epsg() == 4326
    assert record["rejected"] == 0


def test_acv_2023_geopackage_layer_reprojected_from_lambert93(tmp_path):
    laureat = gpd.GeoDataFrame(
        {
            "insee_com": ["01004", "2A004"],
            "id_acv": ["acv-008", "acv-004"],
            "lib_com_qgis": ["Ambérieu-en-Bugey", "Ajaccio"],
            "lib_com": ["Ambérieu-en-Bugey", "Ajaccio"],
            "pop": [14288, 70659],
            "insee_dep": ["01", "2A"],
            "insee_reg": ["84", "94"],
            "siren_epci": ["240100883", "242010056"],
        },
        geometry=[Point(879000, 6539000), Point(1177000, 6102000)],
        crs="EPSG:2154",
    )
    path = tmp_path / "acv-cog2023.gpkg"
    laureat.to_file(path, layer="laureat", driver="GPKG")
    gpd.GeoDataFrame({"cate_aav": ["11"]}, geometry=[Point(0, 0)], crs="EPSG:2154").to_file(
        path, layer="aav", driver="GPKG"
    )
    table, record = parse_file(tmp_path, "acv", "2023", path)
    by_commune = rows_by(table, "commune_code")
    assert by_commune["01004"]["population_count"] == 14288
    assert by_commune["01004"]["departement_code"] == "01"
    assert by_commune["2A004"]["epci_code"] == "242010056"
    assert by_commune["2A004"]["programme_code"] == "acv-004"
    assert record["ignored_source_columns"] == ["lib_com_qgis"]
    geo = gpd.read_parquet(tmp_path / "parsed" / "acv" / "2023" / "table.parquet")
    lon, lat = geo.geometry.x.iloc[0], geo.geometry.y.iloc[0]
    assert 5.0 < lon < 5.6 and 45.7 < lat < 46.2  # Ambérieu, in WGS84 degrees


def test_territoires_industrie_2026_group_lists_kept_as_text(tmp_path):
    table, record = parse_file(
        tmp_path, "territoires_industrie", "2026", FIXTURES / "ti_2026.geojson"
    )
    by_code = rows_by(table, "programme_code")
    assert by_code["ti-2706"]["groupement_siren_list"] == "215800467, 200067700, 200067916"
    assert by_code["ti-0101"]["groupement_label_list"] == "CA CAP Excellence"
    assert table["member_list"].isna().all()
    geo = gpd.read_parquet(tmp_path / "parsed" / "territoires_industrie" / "2026" / "table.parquet")
    assert list(geo.geom_type) == ["MultiPolygon", "Polygon", "Point"]
    assert record["rejected"] == 0
