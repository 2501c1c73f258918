"""Small hand-made shortlist inputs (the shape `reports.shortlist.load_inputs` returns), so the
shortlist can be tested without a warehouse."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from reports.shortlist import Inputs

PROFILE_DEFAULTS = {
    "population": 30_000.0,
    "is_acv": True,
    "is_acv2": False,
    "is_territoire_industrie": False,
    "unemployment_rate": 0.15,
    "jobseekers_per_working_age": 0.15,
    "median_living_standard_eur": 20_000.0,
    "catchment_working_age_population": 50_000.0,
    "catchment_active_population": 40_000.0,
    "nearest_higher_education_minutes": 20.0,
    "catchment_higher_education_students": 500.0,
    "catchment_bts_places": 100.0,
    "has_urban_unit": True,
    "urban_unit_population": 40_000.0,
}


def profile(*towns: dict) -> pd.DataFrame:
    """One row per town: each dict needs town_code and town_label; the rest defaults."""
    rows = [{"departement_code": t["town_code"][:2], **PROFILE_DEFAULTS, **t} for t in towns]
    return pd.DataFrame(rows)


def ranking(scores: dict[str, list[tuple[str, float]]]) -> pd.DataFrame:
    """town_code → [(sector_code, score), …] in rank order."""
    rows = [
        (town, sector, f"Filière {sector}", rank, score)
        for town, sectors in scores.items()
        for rank, (sector, score) in enumerate(sectors, start=1)
    ]
    return pd.DataFrame(rows, columns=["town_code", "sector_code", "sector_label", "rank", "score"])


def lycees(*rows: tuple[str, str, str | None, bool, str]) -> pd.DataFrame:
    """(town_code, uai_code, establishment_label, is_lycee_des_metiers, sector_code) rows."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "town_code",
            "uai_code",
            "establishment_label",
            "is_lycee_des_metiers",
            "sector_code",
        ],
    )
    return frame.assign(lycee_type_code="LP", places=24.0)


def catchments(members: dict[str, dict[str, float]]) -> pd.DataFrame:
    """town_code → {commune_code: working-age population}."""
    rows = [
        (town, commune, wap)
        for town, communes in members.items()
        for commune, wap in communes.items()
    ]
    return pd.DataFrame(rows, columns=["town_code", "commune_code", "working_age_population"])


def four_towns() -> Inputs:
    """Four towns with distinct profiles: A (need everywhere, a partner lycée), B (its neighbour),
    C (comfortable, far from higher education), D (small catchment, high unemployment)."""
    return Inputs(
        profile=profile(
            {
                "town_code": "11001",
                "town_label": "Aville",
                "unemployment_rate": 0.24,
                "jobseekers_per_working_age": 0.22,
                "median_living_standard_eur": 17_000.0,
            },
            {"town_code": "11002", "town_label": "Bébourg", "unemployment_rate": 0.18},
            {
                "town_code": "22003",
                "town_label": "Cé-sur-Mer",
                "unemployment_rate": 0.10,
                "jobseekers_per_working_age": 0.10,
                "median_living_standard_eur": 24_000.0,
                "nearest_higher_education_minutes": 45.0,
                "catchment_higher_education_students": 0.0,
                "catchment_bts_places": 0.0,
            },
            {
                "town_code": "33004",
                "town_label": "Dé",
                "unemployment_rate": 0.21,
                "catchment_active_population": 20_000.0,
                "population": 9_000.0,
                "has_urban_unit": False,
                "urban_unit_population": None,
            },
        ),
        ranking=ranking(
            {
                "11001": [("MECA", 1.2), ("BTP", 0.9), ("COMM", 0.6), ("HRT", 0.1)],
                "11002": [("MECA", 0.8), ("LOGI", 0.5), ("GEST", 0.2)],
                "22003": [("HRT", 0.4), ("AGRI", 0.2), ("SANTE", 0.0)],
                "33004": [("SOCIAL", 0.5), ("SANTE", 0.3), ("LOGI", 0.1)],
            }
        ),
        lycees=lycees(
            ("11001", "0110001A", "LYCEE PROFESSIONNEL JEAN JAURES", False, "MECA"),
            ("11001", "0110001A", "LYCEE PROFESSIONNEL JEAN JAURES", False, "HRT"),
            ("11001", "0110002B", "LYCEE POLYVALENT LYCEE DES METIERS DU BATIMENT", True, "BTP"),
            ("22003", "0220003C", None, False, "MECA"),
            ("33004", "0330004D", "LYCEE PROFESSIONNEL <b>SOLIDAIRE</b>", False, "SOCIAL"),
        ),
        catchments=catchments(
            {
                "11001": {"11001": 30_000.0, "11002": 20_000.0, "11010": 10_000.0},
                "11002": {"11001": 30_000.0, "11002": 20_000.0},
                "22003": {"22003": 25_000.0, "22010": 5_000.0},
                "33004": {"33004": 8_000.0},
            }
        ),
        built_at="2026-01-01 00:00:00+00",
        build_parameters={"catchment_minutes": 30, "detour_factor": 1.3, "speed_kmh": 60},
    )


def small_warehouse(path, inputs: Inputs | None = None) -> None:
    """A warehouse holding only the marts the shortlist reads, made from `inputs` (four_towns by
    default)."""
    inputs = inputs or four_towns()
    con = duckdb.connect(str(path))
    try:
        p = inputs.profile
        con.register("p", p.drop(columns=["has_urban_unit", "urban_unit_population"]))
        con.execute("create table mart_town__profile as select * from p")
        con.register("s", p[["town_code", "has_urban_unit", "urban_unit_population"]])
        con.execute("create table mart_town__shortlist_inputs as select * from s")
        for name, frame in {
            "mart_town_sector__ranking": inputs.ranking.rename(
                columns={"rank": "recommendation_rank"}
            ),
            "mart_town_lycee_sector__shortlist_partners": inputs.lycees,
            "mart_town__catchment_communes": inputs.catchments,
        }.items():
            con.register("f", frame)
            con.execute(f"create table {name} as select * from f")  # noqa: S608
            con.unregister("f")
        con.execute("create table meta_build (built_at timestamptz, parameters json)")
        con.execute(
            "insert into meta_build values (?, ?)",
            ["2026-02-01 10:00:00+00", json.dumps(inputs.build_parameters)],
        )
    finally:
        con.close()
