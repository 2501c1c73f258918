"""Training offer and education datasets (MENJ/DEPP, ONISEP, Mission apprentissage, MESR).

Fixtures live in tests/fixtures/education/, written by hand in each source's real format (BOM or
not, CRLF or LF, ';', quoted fields); the apprenticeship JSON is zipped here into tmp_path, as the
catalogue serves it.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import parse_file

from connectors import parse, registry
from connectors.errors import ParseError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "education"
GROUP = {
    "esr_implantations",
    "parcoursup_bts_capacities",
    "affelnet_capacities",
    "constat_rentree",
    "actions_prioritaires",
    "ips_lycees",
    "lycee_pro_effectifs",
    "inserjeunes_cfa",
    "apprenticeship_centres",
    "annuaire_education",
    "onisep_formations",
}


def rows_by(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict("records")}


# --- catalogue consistency -----------------------------------------------------------------------


def test_group_is_registered_with_column_maps_for_every_vintage():
    cat = registry.catalog()
    assert GROUP <= set(cat)
    assert {cat[d].group for d in GROUP} == {"education", "esr"}
    for ds_id in GROUP:
        ds = cat[ds_id]
        with parse.column_map_path(ds.column_map).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert set(header[3:]) <= set(ds.vintages), f"{ds_id}: override columns {header[3:]}"
        for vintage in ds.vintages.values():
            assert vintage.fmt["kind"] in ("csv", "json")
            specs = parse.load_column_map(ds.column_map, vintage.name)
            assert any(s.source for s in specs), f"{ds_id} {vintage.name} maps nothing"


def test_redistributed_copies_are_pinned_to_a_commit():
    for ds_id in GROUP:
        for vintage in registry.get(ds_id).vintages.values():
            if vintage.name == "current":
                continue
            # Every mirror-backed vintage downloads the copy at its commit (the official export
            # differs in format or serves another edition).
            origin = "https://raw.githubusercontent.com/"
            assert vintage.url.startswith(origin), (ds_id, vintage.name)
            commit = vintage.url.split("/")[5]
            assert len(commit) == 40 and int(commit, 16) >= 0, (ds_id, vintage.name)
    assert "Ille-et-Vilaine" in registry.get("annuaire_education").vintage("2023-dep35").note
    current = registry.get("annuaire_education").vintage("current")
    assert current.url.startswith("https://data.education.gouv.fr/")


def test_vintage_specific_columns_are_absent_where_the_publisher_has_none():
    specs = {s.column: s.source for s in parse.load_column_map("parcoursup_bts_capacities", "2024")}
    assert specs["cfd_code"] is None and specs["mefstat11_old_code"] is None
    assert specs["mefstat11_code"] == "MEFSTAT11"
    old = {s.column: s.source for s in parse.load_column_map("ips_lycees", "2016-2021")}
    new = {s.column: s.source for s in parse.load_column_map("ips_lycees", "2022")}
    assert old["pupils_total_count"] is None
    assert new["pupils_total_count"] == "effectifs_ensemble_gt_pro"
    assert old["commune_code"] == "Code INSEE de la commune"
    onisep = {s.column: s.source for s in parse.load_column_map("onisep_formations", "current")}
    assert onisep["nsf_code"] == "code NSF"


# --- MESR ----------------------------------------------------------------------------------------


def test_esr_implantations_bom_crlf_labels_and_leading_zeros(tmp_path):
    table, record = parse_file(
        tmp_path, "esr_implantations", "2017", FIXTURES / "esr_implantations.csv"
    )
    assert record["rejected"] == 0 and len(table) == 3
    rows = rows_by(table, "uai_code")
    nice = rows["0061408Y"]
    assert nice["commune_code"] == "06088"
    assert nice["postal_code"] == "06206"
    assert nice["departement_esr_code"] == "D006"
    assert nice["geolocation"] == "43.7170, 7.2655"
    assert nice["students_count"] == 1250
    assert nice["head_institution_uai_code"] == "0060931E"
    assert pd.isna(rows["0352431F"]["students_count"])
    bare = rows["9740910W"]
    assert pd.isna(bare["commune_code"]) and bare["region_esr_code"] == "R04"
    # The list-valued 'Localisation' column is deliberately left out.
    assert "Localisation" in record["ignored_source_columns"]


def test_parcoursup_bts_with_and_without_bom_and_cfd_columns(tmp_path):
    t22, r22 = parse_file(
        tmp_path / "a", "parcoursup_bts_capacities", "2022", FIXTURES / "parcoursup_bts_2022.csv"
    )
    t24, r24 = parse_file(
        tmp_path / "b", "parcoursup_bts_capacities", "2024", FIXTURES / "parcoursup_bts_2024.csv"
    )
    assert r22["rejected"] == 0 and r24["rejected"] == 0
    rows22 = rows_by(t22, "uai_code")
    assert rows22["0010001W"]["cfd_code"] == "32025520"
    assert rows22["0010001W"]["is_cfd_rectified"] is False
    assert pd.isna(rows22["0690012K"]["capacity_count"])
    # A non-UAI establishment identifier is kept as published, not quarantined.
    assert rows22["C752887F"]["capacity_count"] == 24
    rows24 = rows_by(t24, "uai_code")
    assert set(rows24) == {"0010001W", "0690012K"}
    assert rows24["0690012K"]["status_label"] == "Apprentissage"
    assert t24["cfd_code"].isna().all()
    assert rows24["0010001W"]["mefstat11_code"] == "32211025520"


# --- MENJ / Mission apprentissage ----------------------------------------------------------------


def test_affelnet_codes_counts_and_census_flag(tmp_path):
    table, record = parse_file(
        tmp_path, "affelnet_capacities", "2022", FIXTURES / "affelnet_2022.csv"
    )
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    first = rows["0010001W"]
    assert first["mefstat11_code"] == "23810031211"
    assert first["capacity_count"] == 24 and first["first_wish_requests_count"] == 31
    assert first["is_census_wish"] is False
    assert pd.isna(rows["0130054T"]["final_year_mefstat11_code"])
    assert rows["0130054T"]["capacity_count"] == 999
    assert str(table["capacity_count"].dtype) == "Int64"


def test_affelnet_renamed_column_stops_with_dataset_vintage_and_column(tmp_path):
    with pytest.raises(ParseError) as info:
        parse_file(tmp_path, "affelnet_capacities", "2022", FIXTURES / "affelnet_2022_renamed.csv")
    err = info.value
    assert err.dataset == "affelnet_capacities" and err.vintage == "2022"
    assert "Capacité carte scolaire" in err.problem
    assert "affelnet_capacities 2022" in str(err)


def test_ips_lycees_old_labels_corsica_without_codes(tmp_path):
    table, record = parse_file(
        tmp_path, "ips_lycees", "2016-2021", FIXTURES / "ips_lycees_2016_2021.csv"
    )
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    assert rows["0010016M"]["commune_code"] == "01004"
    assert rows["0010016M"]["departement_code"] == "01"
    assert rows["0010016M"]["ips_gt"] == pytest.approx(108.4)
    assert pd.isna(rows["0010016M"]["ips_pro"])
    corsica = rows["6200002C"]
    assert pd.isna(corsica["commune_code"]) and pd.isna(corsica["departement_code"])
    assert rows["9740004L"]["departement_code"] == "974"
    assert table["pupils_total_count"].isna().all()


def test_ips_lycees_2022_field_names_three_char_departements_and_float_counts(tmp_path):
    table, record = parse_file(tmp_path, "ips_lycees", "2022", FIXTURES / "ips_lycees_2022.csv")
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    assert rows["0010001W"]["departement_code"] == "01"
    assert rows["6200002C"]["departement_code"] == "2A"
    assert rows["6200002C"]["commune_code"] == "2A004"
    assert rows["9740004L"]["pupils_total_count"] == 1030  # published as "1030.0"
    assert pd.isna(rows["0010001W"]["pupils_gt_count"])
    assert rows["9740004L"]["sector_label"] == "privé sous contrat"


def test_lycee_pro_effectifs_maps_levels_not_languages(tmp_path):
    table, record = parse_file(
        tmp_path, "lycee_pro_effectifs", "2019-2022", FIXTURES / "lycee_pro_effectifs.csv"
    )
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    commentry = rows["0031044U"]
    assert commentry["postal_code"] == "03600"
    assert commentry["bac_pro_2nde_count"] == 61
    split = commentry["bac_pro_2nde_production_count"] + commentry["bac_pro_2nde_services_count"]
    assert split == 61
    ajaccio = rows["6200002C"]
    assert pd.isna(ajaccio["pupils_count"]) and pd.isna(ajaccio["establishment_label"])
    assert ajaccio["postal_code"] == "#N/A"  # as published; geocode by commune name instead
    assert "2ndes_pro_lv1_anglais" in record["ignored_source_columns"]
    assert not any("filles" in c for c in table.columns)


def test_inserjeunes_rates_blanks_and_negative_value_added(tmp_path):
    table, record = parse_file(
        tmp_path, "inserjeunes_cfa", "cumuls-2018-2024", FIXTURES / "inserjeunes_cfa.csv"
    )
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    puy = rows["0631243J"]
    assert puy["cumul_label"] == "cumul 2023-2024"
    assert puy["employment_value_added_6m_pts"] == pytest.approx(-4.0)
    assert pd.isna(puy["employment_rate_24m_pct"]) and pd.isna(puy["interrupted_contracts_pct"])
    nice = rows["0062042H"]
    assert nice["further_study_rate_pct"] == pytest.approx(35.5)
    assert nice["interrupted_contracts_pct"] == pytest.approx(27.0)
    assert pd.isna(nice["outcome_employed_6m_pct"])
    assert str(table["employment_rate_6m_pct"].dtype) == "Float64"


def test_apprenticeship_centres_zip_json_records(tmp_path):
    archive = tmp_path / "rco.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(
            FIXTURES / "apprenticeship_centres.json",
            "catalogue_etablissement_apprentissage_20221012.json",
        )
    table, record = parse_file(tmp_path / "out", "apprenticeship_centres", "2022-10-12", archive)
    assert record["rejected"] == 0 and len(table) == 2
    rows = rows_by(table, "siret_code")
    nice = rows["01234567800015"]  # SIRET and SIREN keep their leading zero
    assert nice["siren_code"] == "012345678"
    assert nice["uai_code"] == "0062042H" and nice["commune_code"] == "06088"
    assert nice["legal_form_code"] == "9220"
    assert nice["is_quality_certified"] is True and nice["is_closed"] is False
    assert nice["catalogue_years_list"] == "2021|2022"
    assert nice["geo_coordinates"] == "43.7031,7.2661"
    corse = rows["79912345600021"]
    assert pd.isna(corse["uai_code"]) and pd.isna(corse["rco_uai_code"])
    assert corse["commune_code"] == "2A004" and corse["departement_code"] == "2A"
    assert corse["is_closed"] is True and corse["is_head_office"] is False
    assert pd.isna(corse["geo_coordinates"])


def test_annuaire_flags_coordinates_and_departement(tmp_path):
    table, record = parse_file(
        tmp_path, "annuaire_education", "2023-dep35", FIXTURES / "annuaire_dep35.csv"
    )
    assert record["rejected"] == 0
    rows = rows_by(table, "uai_code")
    lp = rows["0350030T"]
    assert lp["has_vocational_track"] is True and lp["has_general_track"] is False
    assert lp["is_lycee_des_metiers"] is True and lp["has_apprenticeship"] is True
    assert lp["has_post_bac"] is False
    assert lp["departement_code"] == "35" and lp["commune_code"] == "35238"
    assert lp["latitude"] == pytest.approx(48.0935) and lp["longitude"] == pytest.approx(-1.6906)
    assert lp["pupils_count"] == 612 and lp["siret_code"] == "19350030300014"
    school = rows["0350122T"]
    assert pd.isna(school["has_vocational_track"])  # blank for primary schools: unknown, not False


def test_onisep_quoted_fields_and_nsf_code(tmp_path):
    table, record = parse_file(
        tmp_path, "onisep_formations", "2022", FIXTURES / "onisep_formations_2022.csv"
    )
    assert record["rejected"] == 0 and len(table) == 2
    rows = rows_by(table, "rncp_code")
    social = rows["7426"]
    assert social["training_label"] == "Chargé d'accompagnement social; insertion"
    assert pd.isna(social["nsf_code"])
    assert social["certification_level_code"] == "3"
    bts = rows["35349"]
    assert bts["nsf_code"] == "255"
    assert bts["domain_list"].split("| ") == [
        "électricité, électronique/électrotechnique",
        "énergies/énergie",
    ]
    assert table["exit_level_label"].isna().all()
