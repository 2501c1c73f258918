"""INSEE and geography datasets: fixtures in the real formats.

Fixtures live in tests/fixtures/insee_geo/ (written in each source's encoding, BOM, separator and
line endings); the INSEE workbooks (four title lines + label line above the code header) and the
comparateur zip are built here in tmp_path.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from helpers import parse_file, store_file
from openpyxl import Workbook

from connectors import parse, registry
from connectors.errors import ParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "insee_geo"
GROUP = {
    "populations_legales_communes",
    "comparateur_communes",
    "ze2020_communes",
    "appartenance_geo_communes",
    "cog_passage_annuel",
    "aav2020_communes",
    "cog_communes",
    "etalab_communes",
    "etalab_epci_members",
    "etalab_departements",
    "etalab_regions",
    "commune_centroids",
    "commune_polygons",
    "departement_polygons",
    "postal_codes",
}


def fx(name: str) -> Path:
    return FIXTURES / name


def rows_by(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict("records")}


def with_format(dataset: str, vintage: str, **fmt) -> registry.Vintage:
    v = registry.get(dataset).vintage(vintage)
    return dataclasses.replace(v, fmt={**v.fmt, **fmt})


# --- catalogue consistency ------------------------------------------------------------------------


def test_group_is_registered_with_column_maps_for_every_vintage():
    cat = registry.catalog()
    assert GROUP <= set(cat)
    assert {cat[d].group for d in GROUP} == {"insee", "geo"}
    for ds_id in GROUP:
        ds = cat[ds_id]
        with parse.column_map_path(ds.column_map).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert set(header[3:]) <= set(ds.vintages), ds_id
        for vintage in ds.vintages:
            assert any(s.source for s in parse.load_column_map(ds.column_map, vintage)), ds_id


def test_commune_polygons_has_one_part_per_departement_file():
    v = registry.get("commune_polygons").vintage("cog2018")
    assert len(v.parts) == 101 and len(set(v.parts)) == 101
    assert {"2A-corse-du-sud", "2B-haute-corse", "976-mayotte", "75-paris"} <= set(v.parts)
    urls = v.part_urls()
    assert urls["2A-corse-du-sud"].endswith(
        "/departements/2A-corse-du-sud/communes-2A-corse-du-sud.geojson"
    )


# --- INSEE CSVs -----------------------------------------------------------------------------------


def test_populations_legales_keeps_codes_and_reads_integer_populations(tmp_path):
    table, record = parse_file(
        tmp_path, "populations_legales_communes", "2023", fx("populations_legales_communes.csv")
    )
    assert record["rows"] == 5 and record["rejected"] == 0
    rows = rows_by(table, "commune_code")
    assert rows["01001"]["departement_code"] == "01"
    assert rows["01001"]["commune_number"] == "001"
    assert rows["01001"]["canton_number"] == "08"
    assert rows["01001"]["municipal_population_count"] == 860
    assert rows["01001"]["total_population_count"] == 876
    assert rows["2A004"]["departement_code"] == "2A"
    assert rows["97411"]["region_code"] == "04" and rows["97411"]["departement_code"] == "974"
    # PLM arrondissements have no canton: blank → NULL, not ''.
    assert pd.isna(rows["75101"]["canton_number"])
    assert str(table["municipal_population_count"].dtype) == "Int64"


def test_cog_passage_reads_header_through_the_bom(tmp_path):
    table, record = parse_file(
        tmp_path, "cog_passage_annuel", "cog2025", fx("cog_passage_annuel.csv")
    )
    assert record["rejected"] == 0
    assert set(table["cog_year"]) == {2025}
    assert list(table["level_code"].unique()) == ["COM", "ARM", "DEP", "REG"]
    com = table[table["level_code"] == "COM"].set_index("old_code")["current_code"].to_dict()
    assert com == {"01015": "01015", "01340": "01015", "2A004": "2A004"}
    assert table.loc[table["old_code"] == "09", "current_code"].item() == "09"


def test_cog_passage_wrong_encoding_names_the_missing_column(tmp_path):
    # Encodings are declared, never guessed: read as cp1252 the header becomes 'ï»¿AnnÃ©e'.
    v = with_format("cog_passage_annuel", "cog2025", encoding="cp1252")
    with pytest.raises(ParseError) as err:
        parse_file(tmp_path, "cog_passage_annuel", "cog2025", fx("cog_passage_annuel.csv"), v)
    assert err.value.dataset == "cog_passage_annuel" and err.value.vintage == "cog2025"
    assert "'Année'" in err.value.problem


def test_aav2020_repads_commune_departement_region_but_not_aav_code(tmp_path):
    table, record = parse_file(tmp_path, "aav2020_communes", "2020", fx("aav2020_communes.csv"))
    assert record["rejected"] == 0 and record["rows"] == 6
    rows = rows_by(table, "commune_code")
    assert set(rows) == {"01001", "01002", "75056", "2A004", "97101", "97608"}
    assert rows["01001"]["departement_code"] == "01"
    assert rows["97101"]["region_code"] == "01" and rows["97101"]["departement_code"] == "971"
    assert rows["97608"]["region_code"] == "06"
    assert rows["2A004"]["departement_code"] == "2A"
    # Documented limitation: AAV codes stay as written ('0' = outside, official '000').
    assert rows["01002"]["aav2020_code"] == "0"
    assert rows["75056"]["aav2020_code"] == "1"
    assert rows["97101"]["aav2020_code"] == "9A1"
    assert rows["01001"]["aav2020_category_code"] == "20"


# --- comparateur zip ------------------------------------------------------------------------------


def comparateur_zip(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "base_cc_comparateur_csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("base_cc_comparateur.CSV", data)
        meta = "COD_VAR;LIB_VAR;LIB_VAR_LONG;COD_MOD;LIB_MOD;TYPE_VAR;LONG_VAR\r\n"
        meta += "MED19;Médiane du niveau vie en 2019;Médiane du niveau de vie en 2019;;;NUM;5\r\n"
        zf.writestr("meta_base_cc_comparateur.CSV", meta.encode("utf-8"))
    return path


def test_comparateur_reads_data_member_blanks_and_decimals(tmp_path):
    data = fx("comparateur_base_cc_comparateur.csv").read_bytes()
    table, record = parse_file(
        tmp_path, "comparateur_communes", "2022", comparateur_zip(tmp_path, data)
    )
    assert record["rows"] == 4 and record["rejected"] == 0
    rows = rows_by(table, "commune_code")
    a = rows["01001"]
    assert a["population_count"] == 771 and a["census_year"] == 2018 and a["filosofi_year"] == 2019
    assert a["area_km2"] == pytest.approx(15.95)
    assert a["households_count"] == pytest.approx(311.0)
    assert a["dwellings_count"] == pytest.approx(353.730434782608)
    assert a["median_living_standard_eur"] == pytest.approx(23970)
    assert pd.isna(a["poverty_rate_pct"]) and pd.isna(a["taxed_fiscal_households_pct"])
    assert a["establishments_count"] == 13
    # A split commune has apportioned (fractional) births and deaths: kept, not rejected.
    assert rows["14666"]["births_between_censuses_count"] == pytest.approx(69.8148148148148)
    assert pd.isna(rows["14666"]["establishments_count"])
    assert rows["2A004"]["poverty_rate_pct"] == pytest.approx(18.0)
    # Mayotte: civil-status columns only.
    may = rows["97601"]
    assert may["births_civil_status_count"] == 162 and pd.isna(may["population_count"])
    assert str(table["population_count"].dtype) == "Int64"
    assert str(table["jobs_count"].dtype) == "Float64"


def test_comparateur_missing_variable_names_dataset_vintage_and_column(tmp_path):
    text = fx("comparateur_base_cc_comparateur.csv").read_text(encoding="ascii")
    text = text.replace("MED19;", "MED20;", 1)
    with pytest.raises(ParseError) as err:
        archive = comparateur_zip(tmp_path, text.encode())
        parse_file(tmp_path, "comparateur_communes", "2022", archive)
    assert err.value.dataset == "comparateur_communes" and err.value.vintage == "2022"
    assert "'MED19'" in err.value.problem


# --- INSEE workbooks (skiprows=5) -----------------------------------------------------------------


def insee_workbook(path: Path, sheet: str, labels: list, codes: list, rows: list) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["Zones d'emploi 2020"])
    ws.append(["France - Composition communale"])
    ws.append(["Mise en ligne le 18/03/2022", "Géographie au 01/01/2022"])
    ws.append(["@Insee", "Source(s) : Insee, Code officiel géographique"])
    ws.append(labels)
    ws.append(codes)
    for row in rows:
        ws.append(row)
    wb.create_sheet("Variables").append(["VAR_ID", "VAR_LIB"])
    wb.save(path)
    return path


ZE_LABELS = [
    "Code géographique communal",
    "Libellé géographique",
    "Zone d'emploi 2020",
    "Libellé zone d'emploi 2020",
    "Partie régionale de la zone d’emploi trans-régionale",
    "Département",
    "Région",
]
ZE_CODES = ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "ZE2020_PARTIE_REG", "DEP", "REG"]
ZE_ROWS = [
    ["01001", "L'Abergement-Clémenciat", "8405", "Bourg en Bresse", None, "01", "84"],
    ["2A004", "Ajaccio", "9401", "Ajaccio", None, "2A", "94"],
    ["02001", "Abbécourt", "3213", "Compiègne", "3213-32", "02", "32"],
    # A numeric cell (as older INSEE workbooks had) is re-padded by the ZE dtype.
    ["97101", "Les Abymes", 104, "Centre-Agglomération", None, "971", "01"],
]


def test_ze2020_reads_code_header_under_four_title_lines(tmp_path):
    sheet = "Composition_communale"
    path = insee_workbook(tmp_path / "ze.xlsx", sheet, ZE_LABELS, ZE_CODES, ZE_ROWS)
    table, record = parse_file(tmp_path, "ze2020_communes", "cog2022", path)
    assert record["rows"] == 4 and record["rejected"] == 0
    rows = rows_by(table, "commune_code")
    assert rows["01001"]["ze2020_code"] == "8405" and rows["01001"]["departement_code"] == "01"
    assert rows["97101"]["ze2020_code"] == "0104" and rows["97101"]["region_code"] == "01"
    assert rows["02001"]["ze2020_regional_part_code"] == "3213-32"
    assert pd.isna(rows["2A004"]["ze2020_regional_part_code"])
    assert table["source_row"].tolist() == [7, 8, 9, 10]  # sheet rows, after 6 header lines


def test_ze2020_wrong_sheet_is_named(tmp_path):
    path = insee_workbook(tmp_path / "ze.xlsx", "ZE2020", ZE_LABELS, ZE_CODES, ZE_ROWS)
    with pytest.raises(ParseError) as err:
        parse_file(tmp_path, "ze2020_communes", "cog2022", path)
    assert "Composition_communale" in err.value.problem


APP_CODES = [
    "CODGEO",
    "LIBGEO",
    "DEP",
    "REG",
    "EPCI",
    "NATURE_EPCI",
    "ARR",
    "CV",
    "ZE2020",
    "UU2020",
    "TUU2017",
    "TDUU2017",
    "AAV2020",
    "TAAV2017",
    "TDAAV2017",
    "CATEAAV2020",
    "BV2012",
]
APP_ROWS = [
    [
        "01001",
        "L'Abergement-Clémenciat",
        "01",
        "84",
        "200069193",
        "CC",
        "012",
        "0108",
        "8405",
        "01000",
        "0",
        "00",
        "524",
        "1",
        "11",
        "20",
        "01093",
    ],
    [
        "01002",
        "L'Abergement-de-Varey",
        "01",
        "84",
        "240100883",
        "CC",
        "011",
        "0101",
        "8405",
        "01000",
        "0",
        "00",
        "000",
        "0",
        "00",
        "30",
        "01004",
    ],
    [
        "22016",
        "Île-de-Bréhat",
        "22",
        "53",
        "ZZZZZZZZZ",
        "ZZ",
        "224",
        "2211",
        "5306",
        "22000",
        "0",
        "00",
        "000",
        "0",
        "00",
        "30",
        "22162",
    ],
    [
        "2B096",
        "Corte",
        "2B",
        "94",
        "242000487",
        "CC",
        "2B3",
        "2B10",
        "9404",
        "2B301",
        "1",
        "12",
        "2B3",
        "1",
        "11",
        "11",
        "2B096",
    ],
]


def test_appartenance_from_official_zip_keeps_zz_and_leading_zeros(tmp_path):
    book = insee_workbook(tmp_path / "book.xlsx", "COM", APP_CODES, APP_CODES, APP_ROWS)
    archive = tmp_path / "table-appartenance-geo-communes-22.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(book, "table-appartenance-geo-communes-22_v2022-09-27.xlsx")
    table, record = parse_file(tmp_path, "appartenance_geo_communes", "cog2022", archive)
    assert record["rows"] == 4 and record["rejected"] == 0
    rows = rows_by(table, "commune_code")
    assert rows["01001"]["epci_code"] == "200069193"
    assert rows["01001"]["canton_ville_code"] == "0108"
    assert rows["01002"]["aav2020_code"] == "000"
    assert rows["01002"]["aav2020_size_band_detailed_code"] == "00"
    assert rows["22016"]["epci_code"] == "ZZZZZZZZZ" and rows["22016"]["epci_nature_code"] == "ZZ"
    assert rows["2B096"]["arrondissement_code"] == "2B3" and rows["2B096"]["bv2012_code"] == "2B096"
    assert rows["01001"]["uu2020_code"] == "01000" and rows["01001"]["bv2012_code"] == "01093"


def test_appartenance_missing_column_names_dataset_vintage_and_column(tmp_path):
    codes = APP_CODES[:-1]
    rows = [r[:-1] for r in APP_ROWS]
    book = insee_workbook(tmp_path / "book.xlsx", "COM", codes, codes, rows)
    with pytest.raises(ParseError) as err:
        parse_file(tmp_path, "appartenance_geo_communes", "cog2022", book)
    assert err.value.dataset == "appartenance_geo_communes" and err.value.vintage == "cog2022"
    assert "BV2012" in err.value.problem


# --- Etalab JSON ----------------------------------------------------------------------------------


def test_etalab_communes_keeps_types_lists_and_overseas_codes(tmp_path):
    table, record = parse_file(tmp_path, "etalab_communes", "cog2026", fx("etalab_communes.json"))
    assert record["rows"] == 7 and record["rejected"] == 0
    assert set(record["ignored_source_columns"]) == {"typeLiaison", "rangChefLieu"}
    actual = rows_by(table[table["commune_type"] == "commune-actuelle"], "commune_code")
    assert actual["01015"]["postal_codes"] == "01300|01510"
    assert actual["01015"]["former_commune_codes"] == "01340"
    assert actual["01001"]["siren"] == "210100012"
    assert actual["01001"]["municipal_population_count"] == 860
    assert actual["2A004"]["arrondissement_code"] == "2A1"
    # Overseas collectivities: 3-digit département/région codes are kept, not rejected.
    assert actual["98735"]["departement_code"] == "987" and actual["98735"]["region_code"] == "987"
    assert pd.isna(actual["97501"]["siren"])
    delegated = table[table["commune_type"] == "commune-deleguee"].iloc[0]
    assert delegated["commune_code"] == "01015" and delegated["chef_lieu_commune_code"] == "01015"
    assert pd.isna(delegated["municipal_population_count"]) and pd.isna(delegated["postal_codes"])
    arm = table[table["commune_type"] == "arrondissement-municipal"].iloc[0]
    assert arm["parent_commune_code"] == "13055"


def test_etalab_epci_explodes_members(tmp_path):
    table, record = parse_file(tmp_path, "etalab_epci_members", "cog2026", fx("etalab_epci.json"))
    assert record["rows"] == 3 and record["rejected"] == 0
    rows = rows_by(table, "commune_code")
    assert set(rows) == {"74042", "74164", "2A004"}
    assert rows["74164"]["epci_siren"] == "200000172" and rows["74164"]["epci_type_code"] == "CC"
    assert rows["74164"]["epci_municipal_population_count"] == 28363
    assert rows["74164"]["commune_municipal_population_count"] == 6432
    assert rows["2A004"]["commune_siren"] == "212000046"
    assert rows["2A004"]["epci_tax_regime_code"] == "FPU"


# --- geometry and points --------------------------------------------------------------------------


def test_commune_polygons_concatenates_parts(tmp_path):
    ds = registry.get("commune_polygons")
    v = ds.vintage("cog2018")
    raw_dir, parsed_dir = tmp_path / "raw", tmp_path / "parsed"
    for part in ("01-ain", "2A-corse-du-sud"):
        store_file(raw_dir, v, FIXTURES / f"communes-{part}.geojson", part=part)
    outcome = parse.parse_vintage(v, ds.column_map, raw_dir=raw_dir, parsed_dir=parsed_dir)
    assert outcome.rows == 3 and outcome.rejected == 0
    table = gpd.read_parquet(outcome.path)
    assert table.crs.to_epsg() == 4326
    assert dict(zip(table["commune_code"], table["source_part"], strict=True)) == {
        "01001": "01-ain",
        "01004": "01-ain",
        "2A004": "2A-corse-du-sud",
    }
    ajaccio = table[table["commune_code"] == "2A004"].geometry.iloc[0]
    assert ajaccio.geom_type == "Polygon" and math.isclose(ajaccio.bounds[0], 8.73)


def test_commune_centroids_ignore_the_index_column(tmp_path):
    table, record = parse_file(tmp_path, "commune_centroids", "2025", fx("commune_centroids.csv"))
    assert record["rows"] == 4 and record["rejected"] == 0
    assert "Unnamed: 0" in record["ignored_source_columns"]
    rows = rows_by(table, "commune_code")
    assert set(rows) == {"18287", "01001", "2A004", "97611"}
    assert rows["01001"]["latitude"] == pytest.approx(46.15372)
    assert rows["97611"]["latitude"] == pytest.approx(-12.7806)
    assert str(table["longitude"].dtype) == "Float64" and set(table["cog_year"]) == {2025}
