"""Nomenclatures and crosswalks (Dares FAP, ROME, Certif Info, RNCP, BCN, education referentials).

Fixtures live in tests/fixtures/nomenclatures/, written in each source's real format (BOM, CRLF,
cp1252, header-less, quoted multi-line fields); the Dares XLS layout is rebuilt here with openpyxl
(the reader opens it by content, so the sheet layout and positional mapping are what is tested).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import parse_file

from connectors import parse, registry
from connectors.errors import ParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "nomenclatures"
GROUP = {
    "fap2009": "Dares",
    "fap2021": "Dares",
    "dares_rome_fap2009": "Dares",
    "fap2009_pcs_rome": "Dares",
    "rome_v4": "France Travail",
    "rome_v4_appellations": "France Travail",
    "rome_domaines": "France Travail",
    "certif_info": "Carif-Oref (Réseau Intercarif, Certif Info)",
    "rncp_rome": "France Compétences",
    "rncp_nsf": "France Compétences",
    "rncp_info": "France Compétences",
    "nsf_groups": "Ministère de l'Éducation nationale (BCN)",
    "nsf_domains": "Ministère de l'Éducation nationale (BCN)",
    "bcn_mef": "Ministère de l'Éducation nationale (BCN)",
    "bcn_formation_diplome": "Ministère de l'Éducation nationale (BCN)",
    "bcn_v_formation_diplome": "Ministère de l'Éducation nationale (BCN)",
    "bcn_niveau_formation": "Ministère de l'Éducation nationale (BCN)",
    "bcn_dispositif_formation": "Ministère de l'Éducation nationale (BCN)",
    "diplomes_professionnels": "Ministère de l'Éducation nationale (DGESCO)",
    "mefstat11_groups": "Ministère de l'Éducation nationale (DGESCO A2-2)",
    "familles_metiers_2nde_pro": "Ministère de l'Éducation nationale (DGESCO)",
    "academies": "Ministère de l'Éducation nationale",
}
PINNED = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/")


def by(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict("records")}


# --- catalogue consistency -----------------------------------------------------------------------


def test_group_is_registered_with_its_publishers_and_column_maps():
    cat = registry.catalog()
    assert set(GROUP) <= set(cat)
    for ds_id, publisher in GROUP.items():
        ds = cat[ds_id]
        assert ds.group == "nomenclatures"
        assert ds.publisher == publisher
        with parse.column_map_path(ds.column_map).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header[:3] == ["column", "dtype", "source"]
        for vintage in ds.vintages.values():
            specs = parse.load_column_map(ds.column_map, vintage.name)
            assert all(s.source for s in specs), f"{ds_id} {vintage.name}"
            # Every mirror copy differs in format from the publisher's file: pinned origin URL.
            assert PINNED.match(vintage.url), f"{ds_id} {vintage.name}: {vintage.url}"


def test_json_and_duplicate_tables_are_not_registered():
    cat = registry.catalog()
    # NAF → ROME is a JSON object keyed by NAF division: the reader only takes lists of records.
    assert "naf_rome_sectors" not in cat
    # Same content as registered tables (see the catalogue comments).
    assert not {"rome_fap2009_processed", "nsf_index", "dares_nomenclature_fap2021"} & set(cat)


# --- Dares FAP -----------------------------------------------------------------------------------


def test_fap2021_bom_crlf_and_lower_case_fap341_suffix(tmp_path):
    table, record = parse_file(tmp_path, "fap2021", "2021", FIXTURES / "fap2021.csv")
    assert record["rows"] == 4 and record["rejected"] == 0
    rows = by(table, "fap341_code")
    # `str`, not `code`: the Dares suffix letter stays lower-case.
    assert set(rows) == {"A0X40", "A0X41a", "A0X41b", "X0X01"}
    assert rows["A0X41a"]["fap228_code"] == "A0X41"
    assert rows["A0X41a"]["fap86_label"] == "Agriculteurs, éleveurs, sylviculteurs, bûcherons"
    # BOM stripped from the first header, CR stripped from the last column.
    assert rows["X0X01"]["fap22_label"] == "Politique, religion"
    assert list(table["source_row"]) == [2, 3, 4, 5]


def test_fap2021_missing_column_names_dataset_vintage_and_column(tmp_path):
    text = (FIXTURES / "fap2021.csv").read_bytes().replace(b"Code_FAP228", b"Code_FAP229")
    broken = tmp_path / "broken.csv"
    broken.write_bytes(text)
    with pytest.raises(ParseError) as err:
        parse_file(tmp_path, "fap2021", "2021", broken)
    message = str(err.value)
    assert "[fap2021 2021]" in message and "Code_FAP228" in message


def _write_dares_table(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Titre"
    ws = wb.create_sheet("Table")
    rows = [
        [
            "FAP",
            "Familles professionnelles",
            "PCS",
            "Professions et catégories",
            "ROME",
            "Qualification",
            "Répertoire Opérationnel des Métiers et des Emplois",
        ],
        [None, " FAP-2009", None, " PCS 2003", None, None, "ROME version 3"],
        [None] * 7,
        [None] * 7,
        ["A", "Agriculture, marine, pêche", None, None, None, None, None],
        [None] * 7,
        ["A0Z", "Agriculteurs, éleveurs, sylviculteurs, bûcherons", None, None, None, None, None],
        [
            "A0Z40",
            "Agriculteurs salariés",
            "691e",
            "Ouvriers agricoles",
            "A1416",
            "Q_0123456",
            "Polyculture, élevage",
        ],
        [
            "A0Z41",
            "Éleveurs salariés",
            "691b",
            "Ouvriers de l'élevage",
            "A1403",
            None,
            "Aide d'élevage agricole et aquacole",
        ],
        [None, None, None, None, "A1407", None, "Élevage bovin ou équin"],
        [
            '* (FAP A0Z43) LES "CONDUCTEURS D\'ENGINS" SONT CLASSÉS ICI',
            None,
            None,
            None,
            None,
            None,
            None,
        ],
    ]
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_dares_xls_layout_positional_columns_and_source_rows(tmp_path):
    path = tmp_path / "Rome-V3 vers Fap-2009.xlsx"
    _write_dares_table(path)
    table, record = parse_file(tmp_path, "dares_rome_fap2009", "2009", path)
    assert record["rejected"] == 0
    # Four header/blank lines skipped; blank separator lines kept; source_row = sheet row.
    assert record["rows"] == 7
    assert list(table["source_row"]) == list(range(5, 12))
    heading = table[table["source_row"] == 8].iloc[0]
    codes = (heading["fap_code"], heading["pcs_code"], heading["rome_code"])
    assert codes == ("A0Z40", "691e", "A1416")
    assert heading["qualification_code"] == "Q_0123456"
    continuation = table[table["source_row"] == 10].iloc[0]
    assert pd.isna(continuation["fap_code"]) and continuation["rome_code"] == "A1407"
    # Footnotes stay text as published (not upper-cased or rejected as codes).
    assert table.iloc[-1]["fap_code"].startswith('* (FAP A0Z43) LES "CONDUCTEURS')
    # Forward fill in source_row order rebuilds the FAP225 × ROME pairs.
    fap225 = table["fap_code"].where(table["fap_code"].str.len() == 5).ffill()
    pairs = set(zip(fap225[table["rome_code"].notna()], table["rome_code"].dropna(), strict=True))
    assert pairs == {("A0Z40", "A1416"), ("A0Z41", "A1403"), ("A0Z41", "A1407")}


def test_dares_xls_wrong_sheet_is_refused(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active.title = "Feuil1"
    wb.save(path)
    with pytest.raises(ParseError, match=r"\[dares_rome_fap2009 2009\].*no sheet 'Table'"):
        parse_file(tmp_path, "dares_rome_fap2009", "2009", path)


def test_mobiville_headerless_table_keeps_continuation_rows_and_footnotes(tmp_path):
    fixture = FIXTURES / "fap2009_pcs_rome.csv"
    table, record = parse_file(tmp_path, "fap2009_pcs_rome", "2009", fixture)
    assert record["rows"] == 8 and record["rejected"] == 0
    # No header: the first physical line is data, source_row 1.
    assert table.iloc[0][["source_row", "fap_code", "pcs_code", "rome_code"]].tolist() == [
        1,
        "A0Z40",
        "691e",
        "A1416",
    ]
    assert pd.isna(table.iloc[1]["fap_code"]) and pd.isna(table.iloc[1]["rome_code"])
    assert table.iloc[3]["rome_code"] == "A1407" and pd.isna(table.iloc[3]["fap_code"])
    assert table.iloc[4]["pcs_code"].startswith("Ouvriers qualifiés")  # FAP87 heading line
    # The quoted footnote (doubled quotes inside) stays in one cell.
    assert table.iloc[6]["fap_code"] == (
        '**  (ROME H1207) Les "rédacteurs de notices techniques" analysent le produit.'
    )


# --- France Travail ROME -------------------------------------------------------------------------


def test_rome_v4_o_n_flags_become_booleans_and_empty_is_unknown(tmp_path):
    table, record = parse_file(tmp_path, "rome_v4", "tjp-f1c9eb23", FIXTURES / "rome_v4.csv")
    assert record["rejected"] == 0
    rows = by(table, "rome_code")
    assert rows["A1201"]["is_digital_transition"] is False
    assert rows["A1201"]["is_demographic_transition"] is True
    assert pd.isna(rows["A1101"]["is_regulated"])
    assert rows["M1805"]["is_executive"] is True
    assert rows["A1201"]["ecological_transition_label"] == "Emploi Vert"
    assert pd.isna(rows["A1201"]["parent_rome_code"])
    assert rows["A1101"]["ogr_code"] == "6"


# --- Certif Info ---------------------------------------------------------------------------------


def test_certif_info_codes_years_and_quotes_inside_fields(tmp_path):
    table, record = parse_file(tmp_path, "certif_info", "2024", FIXTURES / "certif_info.csv")
    assert record["rows"] == 3 and record["rejected"] == 0
    assert "`Options`" in record["ignored_source_columns"]
    rows = by(table, "certif_info_code")
    assert rows["85199"]["certification_label"] == 'Test Bright Anglais "level A"'
    assert [rows["85199"][f"rome_{i}_code"] for i in (1, 2, 3)] == ["D1402", "H1401", "N1201"]
    mc = rows["20633"]
    assert mc["cfd_code"] == "01022001"  # leading zero kept
    assert (mc["rncp_code"], mc["nsf_code"], mc["formacode_code"]) == ("955", "220", "31652")
    assert (mc["first_session_year"], mc["last_session_year"]) == (1996, 2024)
    assert rows["12725"]["rome_3_code"] == "M1805" and pd.isna(rows["12725"]["rome_4_code"])
    assert rows["12725"]["ideo_code"] == "FOR.1437"


# --- France Compétences RNCP ---------------------------------------------------------------------


def test_rncp_rome_cp1252_trailing_columns_and_literal_doubled_apostrophes(tmp_path):
    table, record = parse_file(tmp_path, "rncp_rome", "v1.4", FIXTURES / "rncp_rome.csv")
    assert record["rows"] == 3 and record["rejected"] == 0
    assert set(record["ignored_source_columns"]) == {"Unnamed: 4", "Unnamed: 5"}
    assert list(table["rome_code"]) == ["A1101", "N2201", "H12"]
    # The publisher's SQL-style '' is text, not a CSV quote: nothing shifted, kept as published.
    assert table.iloc[1]["rome_label"] == "Personnel d''escale aéroportuaire"
    assert table["fiche_status_label"].isna().all()


def test_rncp_nsf_quoted_label_with_separator_and_lower_case_letter(tmp_path):
    table, record = parse_file(tmp_path, "rncp_nsf", "v1.4", FIXTURES / "rncp_nsf.csv")
    assert record["rows"] == 3 and record["rejected"] == 0
    rows = by(table, "rncp_code")
    assert rows["RNCP10035"]["nsf_code"] == "200n"
    assert rows["RNCP10035"]["nsf_label"] == (
        "Conception de produits (sans autre indication); design industriel"
    )
    assert rows["RNCP1000"]["nsf_label"] == "Bâtiment : construction et couverture"


def test_rncp_info_multiline_quoted_title_is_one_record(tmp_path):
    table, record = parse_file(tmp_path, "rncp_info", "v1.4", FIXTURES / "rncp_info.csv")
    assert record["rows"] == 3 and record["rejected"] == 0
    rows = by(table, "rncp_code")
    master = rows["RNCP10016"]
    assert master["certification_label"].startswith("Master \nDomaine : SCIENCES")
    # cp1252, not latin-1: byte 0x92 is a typographic apostrophe; the trailing CR is stripped.
    assert master["certification_label"].endswith("Systèmes d’information (MRSI)")
    assert master["registration_end_on"] == "10/31/19"
    assert master["european_level_code"] == "NIVEAU7"
    assert rows["RNCP1174"]["activity_status_code"] == "ACTIVE"
    assert rows["RNCP1174"]["previous_rncp_code"] == "RNCP18982"
    assert rows["RNCP1000"]["certification_label"] == "Métiers de la pierre"


# --- BCN and education referentials --------------------------------------------------------------


def test_bcn_formation_diplome_cp1252_leading_zeros_and_lineage(tmp_path):
    table, record = parse_file(
        tmp_path, "bcn_formation_diplome", "2025", FIXTURES / "bcn_formation_diplome.csv"
    )
    assert record["rows"] == 3 and record["rejected"] == 0
    rows = by(table, "cfd_code")
    mc = rows["01025118"]
    codes = (mc["diploma_level_code"], mc["nsf_group_code"], mc["nsf_letter_code"])
    assert codes == ("010", "251", "S")
    assert mc["previous_cfd_1_code"] == "01025117" and mc["next_cfd_1_code"] == "56125118"
    assert mc["comment"] == "REMPLACE LA MC5 DE MÊME INTITULE (01025117S)."
    assert (mc["first_session_year"], mc["last_session_year"]) == (2003, 2024)
    assert mc["rncp_level_code"] == "03" and mc["cite_detailed_domain_code"] == "0715"
    assert rows["46321218"]["manager_label"] == "DGER AGRI"


def test_bcn_v_formation_diplome_refuses_windows_bytes(tmp_path):
    # The N_ table copy is cp1252 but the V_ view copy is UTF-8 with BOM: never guessed.
    with pytest.raises(ParseError, match=r"\[bcn_v_formation_diplome 2025\].*not valid utf-8-sig"):
        parse_file(
            tmp_path, "bcn_v_formation_diplome", "2025", FIXTURES / "bcn_formation_diplome.csv"
        )


def test_academies_keep_bcn_departement_codes_and_academie_only_rows(tmp_path):
    table, record = parse_file(tmp_path, "academies", "tjp-282273ad", FIXTURES / "academies.csv")
    assert record["rows"] == 5 and record["rejected"] == 0
    assert list(table["departement_bcn_code"].fillna("")) == ["001", "02A", "971", "985", ""]
    assert list(table["region_code"]) == ["84", "94", "01", "06", "99"]
    assert list(table["academie_code"]) == ["10", "27", "32", "43", "#"]
    assert table.iloc[0]["region_label"] == "Auvergne-Rhône-Alpes"


def test_diplomes_professionnels_codes_as_published(tmp_path):
    table, record = parse_file(
        tmp_path, "diplomes_professionnels", "2024", FIXTURES / "diplomes_professionnels.csv"
    )
    assert record["rows"] == 3 and record["rejected"] == 0
    rows = by(table, "diploma_code")
    assert set(rows) == {"400-24202 V", "500-31117 U", "400-25410 S"}
    assert rows["500-31117 U"]["specialty_label"] == 'Conducteur routier "marchandises"'
    assert rows["400-25410 S"]["rncp_code"] == "EN COURS"
    assert rows["400-25410 S"]["extra_session_year"] == 2027
    assert pd.isna(rows["400-24202 V"]["last_session_year"])
    assert rows["400-24202 V"]["created_on"] == "1998-07-29"
