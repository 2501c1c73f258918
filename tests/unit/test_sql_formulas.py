"""Given/expect tests of the warehouse formulas (sql/), each on a few hand-made rows.

Every expected value is worked out by hand from the givens (the arithmetic is written out next to
it); none is copied from a model's output.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest
from sqlkit import run_model

approx = pytest.approx


def frame(dtypes: dict[str, str], *rows: tuple) -> pd.DataFrame:
    """A small table: column -> dtype, then one tuple per row (None for a missing value)."""
    return pd.DataFrame(list(rows), columns=list(dtypes)).astype(dtypes)


def row(result: pd.DataFrame, **key) -> pd.Series:
    """The one row of `result` matching `key` (fails if there are none or several)."""
    mask = pd.Series(True, index=result.index)
    for column, value in key.items():
        mask &= result[column] == value
    matched = result[mask]
    assert len(matched) == 1, (key, matched)
    return matched.iloc[0]


# --- 1. Apportionment of BMO cells to communes and territories ---------------------------------

GEO_FOR_WEIGHTS = frame(
    {
        "commune_code": "str",
        "bassin_code": "str",
        "departement_code": "str",
        "working_age_population": "float",
    },
    ("A", "B1", "01", 300.0),
    ("B", "B1", "01", 100.0),
    ("C", "B1", "02", 50.0),  # same bassin, other département: a cell of its own
    ("D", "B2", "01", None),  # a cell with no working-age figure at all
    ("E", "B2", "01", None),
    ("F", None, "01", 999.0),  # no bassin: not apportioned
)


def test_apportionment_weights_follow_working_age_population_within_the_cell():
    w = run_model("int_bmo__apportionment_weights", {"int_geo__communes": GEO_FOR_WEIGHTS})
    assert sorted(w.commune_code) == ["A", "B", "C", "D", "E"]
    assert row(w, commune_code="A").weight == approx(300 / (300 + 100))  # 0.75
    assert row(w, commune_code="B").weight == approx(100 / (300 + 100))  # 0.25
    assert row(w, commune_code="C").weight == approx(1.0)  # alone in (B1, 02)
    # no population in (B2, 01): equal shares 1/2
    assert row(w, commune_code="D").weight == approx(0.5)
    assert row(w, commune_code="E").weight == approx(0.5)
    # every cell's weights sum to 1
    assert w.groupby(["bassin_code", "departement_code"]).weight.sum().tolist() == approx([1, 1, 1])


def test_cell_is_split_between_territories_and_conserved():
    weights = run_model("int_bmo__apportionment_weights", {"int_geo__communes": GEO_FOR_WEIGHTS})
    territories = frame(
        {"territory_type": "str", "territory_code": "str", "commune_code": "str"},
        ("bassin", "B1", "A"),
        ("bassin", "B1", "B"),
        ("bassin", "B1", "C"),
        ("zone_emploi", "Z1", "A"),
        ("zone_emploi", "Z2", "B"),
        ("zone_emploi", "Z2", "C"),
        ("catchment", "A", "A"),  # the catchment of town A holds commune A only
        ("catchment", "B", "B"),  # town B: a candidate without métier detail
    )
    shares = run_model(
        "int_territory__cell_shares",
        {"int_territory__communes": territories, "int_bmo__apportionment_weights": weights},
    )
    assert row(shares, territory_code="A", departement_code="01").share == approx(0.75)
    assert row(shares, territory_code="B1", departement_code="01").share == approx(1.0)
    assert row(shares, territory_code="Z2", departement_code="01").share == approx(0.25)

    cells = frame(
        {
            "survey_year": "int",
            "metier_nomenclature": "str",
            "metier_code": "str",
            "metier_label": "str",
            "sector_code": "str",
            "bassin_code": "str",
            "departement_code": "str",
            "hiring_projects": "float",
            "difficult_projects": "float",
            "seasonal_projects": "float",
            "is_hiring_estimated": "bool",
            "is_difficult_estimated": "bool",
        },
        # 100 projects in (B1, 01), its difficult count an estimate
        (2024, "FAP2021", "M1", "Métier 1", "S", "B1", "01", 100.0, 40.0, 8.0, False, True),
        # a secret cell in (B1, 02): hiring estimated at B/2 = 2.5
        (2024, "FAP2021", "M1", "Métier 1", "S", "B1", "02", 2.5, 1.0, 0.0, True, True),
    )
    towns = frame({"town_code": "str", "has_metier_detail": "bool"}, ("A", True), ("B", False))
    projects = run_model(
        "int_territory__metier_projects",
        {
            "int_bmo__cells": cells,
            "int_territory__cell_shares": shares,
            "int_towns__candidates": towns,
        },
    )
    assert "B" not in set(projects[projects.territory_type == "catchment"].territory_code)
    town = row(projects, territory_type="catchment", territory_code="A")
    assert town.hiring_projects == approx(100 * 0.75)  # 75
    assert town.difficult_projects == approx(40 * 0.75)  # 30
    assert town.seasonal_projects == approx(8 * 0.75)  # 6
    assert town.hiring_estimated == approx(0.0)  # its only cell's hiring is published
    assert town.difficult_estimated == approx(40 * 0.75)  # the estimated part is carried: 30

    bassin = row(projects, territory_type="bassin", territory_code="B1")
    assert bassin.hiring_projects == approx(100 + 2.5)
    assert bassin.hiring_estimated == approx(2.5)
    assert bassin.difficult_estimated == approx(40 + 1)

    # Conservation: the zones d'emploi partition the bassin's communes, so they hold the cells whole.
    zones = projects[projects.territory_type == "zone_emploi"]
    assert row(zones, territory_code="Z1").hiring_projects == approx(75.0)
    assert row(zones, territory_code="Z2").hiring_projects == approx(100 * 0.25 + 2.5 * 1.0)
    assert zones.hiring_projects.sum() == approx(100 + 2.5)
    assert zones.difficult_projects.sum() == approx(40 + 1)
    assert zones.hiring_estimated.sum() == approx(2.5)

    # The same cells apportioned at sector grain, for every territory (town B included).
    population = frame(
        {"territory_type": "str", "territory_code": "str", "working_age_population": "float"},
        *[
            (t, c, 1000.0)
            for t, c in {(r.territory_type, r.territory_code) for r in shares.itertuples()}
        ],
    )
    sectors = run_model(
        "int_territory__sector_projects",
        {
            "int_bmo__sector_cells": run_model("int_bmo__sector_cells", {"int_bmo__cells": cells}),
            "int_territory__cell_shares": shares,
            "int_territory__population": population,
        },
    )
    assert row(sectors, territory_code="B").hiring_projects == approx(100 * 0.25)  # 25
    assert row(sectors, territory_code="B").difficult_projects == approx(40 * 0.25)  # 10
    bassin = row(sectors, territory_type="bassin", territory_code="B1")
    assert bassin.hiring_projects == approx(100 + 2.5)
    assert bassin.hiring_estimated == approx(2.5)
    # the secret cell held whole: variance (1 × B)² / 12 = 25 / 12; Z2 holds it whole too
    assert bassin.hiring_censored_variance == approx(25 / 12)
    assert row(sectors, territory_code="Z2").hiring_censored_variance == approx(25 / 12)
    assert row(sectors, territory_code="A").hiring_censored_variance == approx(0.0)
    # where both grains exist they agree (check_int_territory__sector_projects__metier_totals)
    for r in projects.itertuples():
        s = row(sectors, territory_type=r.territory_type, territory_code=r.territory_code)
        assert s.hiring_projects == approx(r.hiring_projects)
        assert s.hiring_censored_variance == approx(r.hiring_censored_variance)


# --- 2. Censoring: estimates for secret BMO cells ----------------------------------------------

BMO_COLUMNS = {
    "survey_year": "int",
    "metier_nomenclature": "str",
    "metier_code": "str",
    "metier_label": "str",
    "fap_family_code": "str",
    "region_code": "str",
    "departement_code": "str",
    "bassin_code": "str",
    "bassin_label": "str",
    "hiring_projects_count": "float",
    "difficult_projects_count": "float",
    "seasonal_projects_count": "float",
    "is_hiring_secret": "bool",
    "is_difficult_secret": "bool",
    "is_seasonal_secret": "bool",
}


def _bmo(metier, dept, bassin, hiring, difficult, seasonal):
    """One stg BMO row; a None count is a secret cell."""
    return (
        2024,
        "FAP2021",
        metier,
        f"Métier {metier}",
        metier[:3],
        "R" + dept,
        dept,
        bassin,
        f"Bassin {bassin}",
        hiring,
        difficult,
        seasonal,
        hiring is None,
        difficult is None,
        seasonal is None,
    )


BMO = frame(
    BMO_COLUMNS,
    # métier M1, département 01: difficult rate of the published cells (18 + 12) / (60 + 40) = 0.3
    _bmo("M1", "01", "B1", None, None, None),  # all secret
    _bmo("M1", "01", "B2", 60.0, 18.0, 6.0),
    _bmo("M1", "01", "B3", 40.0, 12.0, 4.0),
    _bmo("M1", "01", "B4", 10.0, None, 0.0),  # hiring 10 known, difficult secret
    _bmo("M1", "01", "B5", 20.0, None, 0.0),  # 20 x 0.3 = 6 >= B
    # département 02 publishes no difficult count for M1: the national rate applies
    _bmo("M1", "02", "B6", 10.0, None, 0.0),
    _bmo("M1", "03", "B7", 100.0, 60.0, 10.0),
    # métier M2: an inconsistent published rate 15 / 10 = 1.5 > 1
    _bmo("M2", "01", "B1", None, None, None),
    _bmo("M2", "01", "B2", 10.0, 15.0, 0.0),
)

CROSSWALK = frame(
    {"metier_nomenclature": "str", "metier_code": "str", "sector_code": "str"},
    ("FAP2021", "M1", "IND_PROD"),
    ("FAP2021", "M2", "MAINT"),
)


def _cells(params=None, crosswalk=CROSSWALK):
    return run_model(
        "int_bmo__cells",
        {"stg_france_travail__bmo": BMO, "int_crosswalk__metier_sector": crosswalk},
        params,
    )


def test_secret_hiring_cell_is_the_censoring_midpoint():
    cells = _cells()
    assert len(cells) == len(BMO)
    c = row(cells, metier_code="M1", bassin_code="B1")
    assert c.hiring_projects == approx(5 / 2)  # B / 2
    assert c.is_hiring_estimated and c.is_difficult_estimated and c.is_seasonal_estimated
    assert c.estimate_method == "censored_midpoint"
    assert c.sector_code == "IND_PROD"
    # its difficult / seasonal counts: 2.5 x the département rates of published cells
    assert c.difficult_projects == approx(2.5 * (18 + 12) / (60 + 40))  # 0.75
    assert c.seasonal_projects == approx(2.5 * (6 + 4 + 0 + 0) / (60 + 40 + 10 + 20))


def test_secret_difficult_cell_uses_the_departement_rate_within_the_censoring_bound():
    cells = _cells()
    c = row(cells, metier_code="M1", bassin_code="B4")
    assert c.hiring_projects == approx(10.0)
    assert not c.is_hiring_estimated and c.is_difficult_estimated and not c.is_seasonal_estimated
    assert c.difficult_projects == approx(10 * 0.3)  # 3.0 < B
    assert c.estimate_method == "rate_within_censoring"
    # 20 x 0.3 = 6 >= B = 5: the value must lie below B, so B / 2
    assert row(cells, metier_code="M1", bassin_code="B5").difficult_projects == approx(5 / 2)
    # published cells are untouched and carry no method
    published = row(cells, metier_code="M1", bassin_code="B2")
    assert (published.hiring_projects, published.difficult_projects) == (60.0, 18.0)
    assert pd.isna(published.estimate_method) and not published.is_difficult_estimated


def test_national_rate_when_the_departement_publishes_none():
    cells = _cells()
    # national M1 rate over published cells: (18 + 12 + 60) / (60 + 40 + 100) = 0.45
    c = row(cells, metier_code="M1", bassin_code="B6")
    assert c.difficult_projects == approx(10 * (18 + 12 + 60) / (60 + 40 + 100))  # 4.5


def test_estimate_never_exceeds_hiring():
    # M2 rate 1.5: 2.5 x 1.5 = 3.75 < B, but a cell cannot have more difficult than hiring projects
    cells = _cells()
    c = row(cells, metier_code="M2", bassin_code="B1")
    assert c.hiring_projects == approx(2.5)
    assert c.difficult_projects == approx(min(2.5 * 1.5, 2.5))  # 2.5
    estimated = cells[cells.is_difficult_estimated]
    assert len(estimated) == 5
    assert (estimated.difficult_projects <= estimated.hiring_projects).all()
    # the published M2 cell keeps its inconsistent 15 > 10: only estimates are bounded
    assert row(cells, metier_code="M2", bassin_code="B2").difficult_projects == 15


def test_censoring_bound_is_a_parameter():
    cells = _cells({"secret_upper_bound": 4})
    assert row(cells, metier_code="M1", bassin_code="B1").hiring_projects == approx(4 / 2)
    assert row(cells, metier_code="M1", bassin_code="B4").difficult_projects == approx(3.0)  # < 4
    assert row(cells, metier_code="M1", bassin_code="B6").difficult_projects == approx(
        2.0
    )  # 4.5>=4


# --- 3. Shrinkage: empirical-Bayes priors and the shrunk difficulty rate -----------------------


def test_prior_level_and_method_of_moments_prior_strength():
    cells = frame(
        {
            "survey_year": "int",
            "sector_code": "str",
            "departement_code": "str",
            "region_code": "str",
            "hiring_projects": "float",
            "difficult_projects": "float",
        },
        (2024, "S", "01", "R1", 30.0, 12.0),  # département 01: n = 50, x = 20
        (2024, "S", "01", "R1", 20.0, 8.0),
        (2024, "S", "02", "R1", 10.0, 1.0),  # n = 10 < 30; région R1: n = 60, x = 21
        (2024, "S", "03", "R2", 20.0, 9.0),  # n = 20 < 30; région R2: n = 20 < 30 -> national
        (2024, "S", "04", "R3", 30.0, 3.0),  # exactly 30: département level
        (2024, "S", "05", "R3", 10.0, 10.0),  # région R3: n = 40, x = 13
        (2024, "T", "01", "R1", 2000.0, 1000.0),
        (2024, "U", "01", "R1", 100.0, 50.0),
        (2024, "W", "01", "R1", 100.0, 50.0),
    )
    bassins = frame(
        {
            "territory_type": "str",
            "territory_code": "str",
            "survey_year": "int",
            "sector_code": "str",
            "hiring_projects": "float",
            "difficult_projects": "float",
        },
        ("bassin", "b1", 2024, "S", 40.0, 10.0),
        ("bassin", "b2", 2024, "S", 30.0, 18.0),
        ("bassin", "b3", 2024, "S", 10.0, 2.0),
        ("bassin", "b4", 2024, "S", 0.0, 0.0),  # no projects: left out
        ("catchment", "t1", 2024, "S", 50.0, 50.0),  # not a bassin: left out
        ("bassin", "b1", 2024, "T", 1000.0, 520.0),
        ("bassin", "b2", 2024, "T", 1000.0, 480.0),
        ("bassin", "b1", 2024, "U", 50.0, 0.0),
        ("bassin", "b2", 2024, "U", 50.0, 50.0),
        ("bassin", "b1", 2024, "W", 50.0, 25.0),
        ("bassin", "b2", 2024, "W", 50.0, 25.0),
    )
    priors = run_model(
        "int_bmo__prior_rates",
        {"int_bmo__cells": cells, "int_territory__sector_projects": bassins},
    )
    assert len(priors) == 5 + 3

    p = (12 + 8 + 1 + 9 + 3 + 10) / (30 + 20 + 10 + 20 + 30 + 10)  # national rate of S: 43 / 120
    d01 = row(priors, sector_code="S", departement_code="01")
    assert (d01.prior_level, d01.prior_rate) == ("département", approx(20 / 50))
    d02 = row(priors, sector_code="S", departement_code="02")
    assert (d02.prior_level, d02.prior_rate) == ("région", approx((12 + 8 + 1) / (30 + 20 + 10)))
    d03 = row(priors, sector_code="S", departement_code="03")
    assert (d03.prior_level, d03.prior_rate) == ("national", approx(p))
    d04 = row(priors, sector_code="S", departement_code="04")
    assert (d04.prior_level, d04.prior_rate) == ("département", approx(3 / 30))
    d05 = row(priors, sector_code="S", departement_code="05")
    assert (d05.prior_level, d05.prior_rate) == ("région", approx((3 + 10) / (30 + 10)))
    assert d01.national_rate == approx(p)

    # κ for S over its 3 bassins with projects: n = 40, 30, 10; p_b = 0.25, 0.6, 0.2
    n_total = 40 + 30 + 10
    v = (40 * (0.25 - p) ** 2 + 30 * (0.6 - p) ** 2 + 10 * (0.2 - p) ** 2) / n_total  # 0.03090
    tau2 = v - p * (1 - p) * 3 / n_total  # 0.03090 - 0.00862 = 0.02228
    kappa = p * (1 - p) / tau2 - 1  # 9.32
    assert 2 < kappa < 500
    assert priors[priors.sector_code == "S"].prior_strength.tolist() == approx([kappa] * 5)

    # T: p = 0.5, V = 0.02² = 0.0004, τ² = 0.0004 − 0.25·2/2000 = 0.00015, κ = 1665.7 -> 500
    assert row(priors, sector_code="T").prior_strength == approx(500)
    # U: p = 0.5, V = 0.25, τ² = 0.25 − 0.25·2/100 = 0.245, κ = 0.0204 -> 2
    assert row(priors, sector_code="U").prior_strength == approx(2)
    # W: bassins all at p̄, τ² < 0 (no extra-binomial spread) -> 500
    assert row(priors, sector_code="W").prior_strength == approx(500)

    # The thresholds are parameters: from 10 projects a département is its own prior (02: n = 10,
    # 03: n = 20), and κ is clipped to [5, 1000] (T: 1665.7 -> 1000, U: 0.0204 -> 5, W -> 1000).
    loose = run_model(
        "int_bmo__prior_rates",
        {"int_bmo__cells": cells, "int_territory__sector_projects": bassins},
        {"prior_min_hiring_projects": 10, "prior_strength_min": 5, "prior_strength_max": 1000},
    )
    d02 = row(loose, sector_code="S", departement_code="02")
    assert (d02.prior_level, d02.prior_rate) == ("département", approx(1 / 10))
    d03 = row(loose, sector_code="S", departement_code="03")
    assert (d03.prior_level, d03.prior_rate) == ("département", approx(9 / 20))
    assert row(loose, sector_code="T").prior_strength == approx(1000)
    assert row(loose, sector_code="U").prior_strength == approx(5)
    assert row(loose, sector_code="W").prior_strength == approx(1000)


def test_territory_sector_indicators_shrink_and_standardise():
    projects = frame(
        {
            "territory_type": "str",
            "territory_code": "str",
            "survey_year": "int",
            "sector_code": "str",
            "hiring_projects": "float",
            "difficult_projects": "float",
            "seasonal_projects": "float",
            "hiring_estimated": "float",
            "working_age_population": "float",
        },
        ("bassin", "B1", 2024, "S", 40.0, 10.0, 4.0, 2.5, 8000.0),
        ("catchment", "C1", 2024, "S", 0.0, 0.0, 0.0, 0.0, 1000.0),
    )
    departement = frame(
        {"territory_type": "str", "territory_code": "str", "departement_code": "str"},
        ("bassin", "B1", "01"),
        ("catchment", "C1", "01"),
    )
    priors = frame(
        {
            "survey_year": "int",
            "sector_code": "str",
            "departement_code": "str",
            "prior_rate": "float",
            "prior_level": "str",
            "prior_strength": "float",
        },
        (2024, "S", "01", 0.35, "département", 20.0),
        (2024, "S", "02", 0.9, "région", 3.0),  # another département: not used
    )
    tension = frame(
        {"bassin_code": "str", "sector_code": "str", "tension_class": "float"},
        ("B1", "S", 4.0),
        ("B2", "S", 1.0),
    )
    geo = frame(
        {"commune_code": "str", "bassin_code": "str"},
        ("C1", "B1"),
        ("C2", "B1"),
        ("C3", "B2"),
    )
    reference = frame(
        {
            "indicator": "str",
            "sector_code": "str",
            "mean": "str",
            "sd": "str",
            "median": "str",
            "national_total": "str",
        },
        ("log_hiring", "S", "3.0", "1.5", None, None),
        ("log_intensity", "S", "1.0", "0.5", None, None),
        ("log_difficult_intensity", "S", "0.5", "0.4", None, None),
    )
    shrunk_rates = run_model(
        "int_territory__sector_shrunk",
        {
            "int_territory__sector_projects": projects,
            "int_territory__departement": departement,
            "int_bmo__prior_rates": priors,
        },
    )
    out = run_model(
        "mart_territory_sector__indicators",
        {
            "int_territory__sector_shrunk": shrunk_rates,
            "int_tension__bassin_sector": tension,
            "int_geo__communes": geo,
            "int_reference__by_sector": run_model(
                "int_reference__by_sector", {"ref_standardisation": reference}
            ),
        },
    )
    assert len(out) == 2
    b = row(out, territory_type="bassin")
    shrunk = (10 + 20 * 0.35) / (40 + 20)  # (x + κ·prior) / (n + κ) = 17 / 60
    assert b.difficulty_rate == approx(10 / 40)
    assert b.difficulty_rate_shrunk == approx(shrunk)
    assert (b.prior_rate, b.prior_level, b.prior_strength) == (0.35, "département", 20.0)
    assert b.estimated_share == approx(2.5 / 40)
    assert b.seasonal_share == approx(4 / 40)
    assert b.hiring_per_1000 == approx(1000 * 40 / 8000)  # 5
    assert b.difficult_per_1000 == approx(5 * shrunk)
    assert b.tension_class == 4
    assert b.z_hiring == approx((math.log(1 + 40) - 3.0) / 1.5)
    assert b.z_intensity == approx((math.log(1 + 5) - 1.0) / 0.5)
    assert b.z_demand_pressure == approx((math.log(1 + 5 * shrunk) - 0.5) / 0.4)

    c = row(out, territory_type="catchment")
    # no projects: the shrunk rate is the prior, (0 + 20·0.35) / (0 + 20)
    assert c.difficulty_rate_shrunk == approx(0.35)
    assert pd.isna(c.difficulty_rate) and pd.isna(c.estimated_share)
    assert c.tension_class == 4  # the catchment takes its town's bassin B1
    assert c.z_hiring == approx((math.log(1) - 3.0) / 1.5)  # -2


# --- 4. Commune pairs and travel time ----------------------------------------------------------

GEO_POINTS = frame(
    {"commune_code": "str", "latitude": "float", "longitude": "float"},
    ("A", 45.0, 5.0),
    ("B", 45.2, 5.0),  # 0.2° north of A
    ("C", 45.25, 5.0),  # 0.25° north of A: 27.8 km -> 36 min, beyond 30
    ("D", 47.0, 5.0),  # far away
)


def pairs_of(towns: list[str], supply: list[str], params: dict | None = None) -> pd.DataFrame:
    """int_geo__commune_pairs over GEO_POINTS with these candidate towns and supply communes."""
    inputs = {
        "int_geo__communes": GEO_POINTS,
        "int_towns__candidates": frame({"town_code": "str"}, *[(t,) for t in towns]),
        "int_access__supply": frame({"commune_code": "str"}, *[(c,) for c in supply]),
    }
    return run_model("int_geo__commune_pairs", inputs, params)


EVERY_POINT = ["A", "B", "C", "D"]


def test_commune_pairs_travel_time_and_limit():
    pairs = pairs_of(towns=EVERY_POINT, supply=[])
    km = 6371.0 * math.radians(0.2)  # same meridian: arc length R·Δφ ≈ 22.239 km
    minutes = km * 1.3 / 60 * 60  # × detour / speed (km/h) × 60 ≈ 28.91
    ab = row(pairs, origin_code="A", destination_code="B")
    assert ab.distance_km == approx(km, rel=1e-9)
    assert ab.travel_minutes == approx(minutes, rel=1e-9)
    ba = row(pairs, origin_code="B", destination_code="A")
    assert ba.travel_minutes == approx(minutes, rel=1e-9)
    # A -> C: 6371·radians(0.25)·1.3 = 36.1 min > 30
    assert pairs[(pairs.origin_code == "A") & (pairs.destination_code == "C")].empty
    assert set(pairs[pairs.origin_code == "D"].destination_code) == {"D"}  # only its self pair
    selfs = pairs[pairs.origin_code == pairs.destination_code]
    assert sorted(selfs.origin_code) == ["A", "B", "C", "D"]
    assert (selfs.travel_minutes == 0).all() and (selfs.distance_km == 0).all()
    # B -> C: 0.05° = 5.56 km -> 7.2 min
    bc = row(pairs, origin_code="B", destination_code="C")
    assert bc.travel_minutes == approx(6371.0 * math.radians(0.05) * 1.3, rel=1e-9)
    assert len(pairs) == 4 + 2 + 2  # self pairs, A<->B, B<->C


def test_commune_pairs_keep_what_catchments_and_e2sfca_read():
    # Town A's catchment (A, B) and every pair reaching supply commune C (B, C); nothing else:
    # not C -> B nor B -> A (neither leaves a town nor reaches supply), not D's self pair.
    pairs = pairs_of(towns=["A"], supply=["C"])
    kept = set(zip(pairs.origin_code, pairs.destination_code, strict=True))
    assert kept == {("A", "A"), ("A", "B"), ("B", "C"), ("C", "C")}
    # The kept pairs are those of the full table, travel times included.
    key = ["origin_code", "destination_code"]
    kept_rows = pairs.set_index(key)
    full = pairs_of(towns=EVERY_POINT, supply=[]).set_index(key)
    assert kept_rows.equals(full.loc[kept_rows.index])


def test_commune_pairs_follow_the_parameters():
    # 20 minutes: A <-> B (28.9 min) drops out
    pairs = pairs_of(EVERY_POINT, [], {"catchment_minutes": 20})
    assert pairs[(pairs.origin_code == "A") & (pairs.destination_code == "B")].empty
    # 80 km/h: A -> B takes 22.239 × 1.3 / 80 × 60 ≈ 21.7 min
    pairs = pairs_of(EVERY_POINT, [], {"speed_kmh": 80})
    ab = row(pairs, origin_code="A", destination_code="B")
    assert ab.travel_minutes == approx(6371.0 * math.radians(0.2) * 1.3 / 80 * 60, rel=1e-9)


# --- 5. E2SFCA accessibility -------------------------------------------------------------------


def test_e2sfca_by_hand():
    geo = frame(
        {"commune_code": "str", "working_age_population": "float"},
        ("A", 1000.0),
        ("B", 2000.0),
        ("C", 4000.0),
    )
    minutes = {("A", "A"): 0, ("B", "B"): 0, ("C", "C"): 0}
    minutes |= {("A", "B"): 15, ("A", "C"): 25, ("B", "C"): 5}
    pairs = frame(
        {"origin_code": "str", "destination_code": "str", "travel_minutes": "float"},
        *[(o, d, float(t)) for (o, d), t in minutes.items()],
        *[(d, o, float(t)) for (o, d), t in minutes.items() if o != d],
    )
    offer = frame(
        {
            "commune_code": "str",
            "sector_code": "str",
            "qualification_level": "float",
            "places_or_students": "float",
        },
        ("A", "S", 4.0, 20.0),
        ("A", "S", 4.0, 10.0),  # summed: 30 places at A, level 4
        ("B", "S", 5.0, 10.0),
        ("C", "Z", 4.0, 0.0),  # no places: not supply (sector Z gets no rows)
        ("C", "S", None, 50.0),  # no level: not supply
        (None, "S", 4.0, 99.0),  # no commune: not supply
    )
    supply = run_model("int_access__supply", {"int_training__offer": offer})
    out = run_model(
        "int_access__e2sfca",
        {"int_access__supply": supply, "int_geo__commune_pairs": pairs, "int_geo__communes": geo},
    )
    w0, w15, w25, w5 = 1.0, 0.68, 0.22, 1.0  # bands 0–10, 10–20, 20–30
    # step 1: R_A = 30 / (1000·1 + 2000·0.68 + 4000·0.22) = 30 / 3240
    r_a = 30 / (1000 * w0 + 2000 * w15 + 4000 * w25)
    # R_B = 10 / (2000·1 + 1000·0.68 + 4000·1) = 10 / 6680
    r_b = 10 / (2000 * w0 + 1000 * w15 + 4000 * w5)
    level4 = out[out.qualification_level == 4].set_index("commune_code").accessible_places_per_1000
    level5 = out[out.qualification_level == 5].set_index("commune_code").accessible_places_per_1000
    # step 2: A_i = Σ_j R_j W(t_ij), per 1,000
    assert level4["A"] == approx(1000 * r_a * w0)  # 9.259
    assert level4["B"] == approx(1000 * r_a * w15)
    assert level4["C"] == approx(1000 * r_a * w25)
    assert level5["A"] == approx(1000 * r_b * w15)
    assert level5["B"] == approx(1000 * r_b * w0)
    assert level5["C"] == approx(1000 * r_b * w5)
    assert len(out) == 6 and set(out.sector_code) == {"S"}
    # with symmetric pairs, Σ_i P_i A_i / 1000 gives back every place: 30 at level 4, 10 at level 5
    pop = geo.set_index("commune_code").working_age_population
    assert (level4 * pop).sum() / 1000 == approx(30)
    assert (level5 * pop).sum() / 1000 == approx(10)


# --- 6. The reference distribution -------------------------------------------------------------


def test_reference_distribution_uses_the_latest_year_of_bassins():
    # Difficult intensity uses the shrunk rate, as the indicators do: the raw difficult counts
    # below (all 0) must not matter.
    shrunk = frame(
        {
            "territory_type": "str",
            "territory_code": "str",
            "survey_year": "int",
            "sector_code": "str",
            "hiring_projects": "float",
            "difficult_projects": "float",
            "difficulty_rate_shrunk": "float",
            "working_age_population": "float",
        },
        ("bassin", "b1", 2024, "S", 9.0, 0.0, 1 / 3, 3000.0),  # intensity 3, difficult intensity 1
        ("bassin", "b2", 2024, "S", 99.0, 0.0, 50 / 99, 1000.0),  # 99, 50
        ("bassin", "b3", 2024, "S", 999.0, 0.0, 100 / 999, 1000.0),  # 999, 100
        ("bassin", "b1", 2023, "S", 5000.0, 0.0, 0.8, 10.0),  # older year: ignored
        ("catchment", "t1", 2024, "S", 1e6, 0.0, 1.0, 10.0),  # not a bassin: ignored
    )
    access = frame(
        {
            "commune_code": "str",
            "sector_code": "str",
            "access_all": "float",
            "access_l4": "float",
            "access_l5": "float",
            "access_l6": "float",
        },
        ("A", "S", 0.0, 0.0, 0.0, 0.0),
        ("B", "S", 1.0, 1.0, 0.0, 0.0),
        ("C", "S", 3.0, 2.0, 1.0, 0.0),
    )
    offer = frame(
        {
            "commune_code": "str",
            "sector_code": "str",
            "qualification_level": "int",
            "places_or_students": "float",
        },
        ("A", "S", 4, 20.0),
        ("B", "S", 5, 10.0),
        (None, "S", 4, 1000.0),  # no commune: not counted
    )
    out = run_model(
        "mart_reference__distribution",
        {
            "int_territory__sector_shrunk": shrunk,
            "int_access__commune_sector": access,
            "int_training__offer": offer,
        },
    )
    assert set(out.reference_survey_year) == {2024}
    ind = out.set_index("indicator")
    assert len(out) == 7  # 3 demand + log_access + access_l4/l5/l6

    # log1p hiring: ln 10, ln 100, ln 1000 = ln10·(1, 2, 3): mean ln 100, sample sd ln 10
    assert ind.loc["log_hiring", "mean"] == approx(math.log(100))
    assert ind.loc["log_hiring", "sd"] == approx(math.log(10))
    log_int = [math.log(1 + 3), math.log(1 + 99), math.log(1 + 999)]
    assert ind.loc["log_intensity", "mean"] == approx(sum(log_int) / 3)
    assert ind.loc["log_intensity", "sd"] == approx(statistics.stdev(log_int))
    assert ind.loc["log_intensity", "median"] == approx(99)  # median of 3, 99, 999
    log_dif = [math.log(1 + 1), math.log(1 + 50), math.log(1 + 100)]
    assert ind.loc["log_difficult_intensity", "mean"] == approx(sum(log_dif) / 3)
    assert ind.loc["log_difficult_intensity", "sd"] == approx(statistics.stdev(log_dif))
    assert ind.loc["log_difficult_intensity", "median"] == approx(50)

    # supply over communes: ln 1, ln 2, ln 4 = ln2·(0, 1, 2): mean ln 2, sd ln 2; median access 1
    assert ind.loc["log_access", "mean"] == approx(math.log(2))
    assert ind.loc["log_access", "sd"] == approx(math.log(2))
    assert ind.loc["log_access", "median"] == approx(1)
    assert ind.loc["log_access", "national_total"] == approx(20 + 10)
    assert (ind.loc["access_l4", "median"], ind.loc["access_l4", "national_total"]) == (1, 20)
    assert (ind.loc["access_l5", "median"], ind.loc["access_l5", "national_total"]) == (0, 10)
    assert (ind.loc["access_l6", "median"], ind.loc["access_l6", "national_total"]) == (0, 0)


# --- 7. What the sector ranking needs besides BMO (int_town_sector__context) -------------------

CONTEXT_INPUTS = {
    "int_towns__candidates": frame({"town_code": "str", "town_label": "str"}, ("T1", "Ville")),
    "int_geo__communes": frame({"commune_code": "str", "bassin_code": "str"}, ("T1", "B1")),
    "ref_sectors": frame(
        {"sector_code": "str", "sector_label": "str"},
        ("IND_PROD", "Production"),
        ("MAINT", "Maintenance"),
        ("SANTE", "Santé"),
        ("NC", "Non classé"),
    ),
    "int_access__commune_sector": frame(
        {
            "commune_code": "str",
            "sector_code": "str",
            "access_all": "float",
            "access_l4": "float",
            "access_l5": "float",
            "access_l6": "float",
        },
        ("T1", "IND_PROD", 0.5, 0.3, 0.05, 0.0),
        ("T1", "MAINT", 3.0, 0.0, 0.0, 0.0),
        ("T1", "NC", 0.1, 0.0, 0.0, 0.1),  # level 6, all fields
    ),
    "int_reference__by_sector": run_model(
        "int_reference__by_sector",
        {
            "ref_standardisation": frame(
                {
                    "indicator": "str",
                    "sector_code": "str",
                    "mean": "str",
                    "sd": "str",
                    "median": "str",
                    "national_total": "str",
                },
                ("log_access", "IND_PROD", "0.8", "0.4", "0.6", "500"),
                ("log_access", "MAINT", "0.5", "0.5", "1.0", "300"),
                ("log_access", "SANTE", "0.05", "0.2", "0", "10"),  # thin: mean < 0.1
                ("access_l4", "IND_PROD", None, None, "0.2", "100"),
                ("access_l5", "IND_PROD", None, None, "0.1", "50"),
                ("access_l6", "NC", None, None, "0.05", "70"),
            )
        },
    ),
    "int_tension__bassin_sector": frame(
        {"bassin_code": "str", "sector_code": "str", "tension_class": "float"},
        ("B1", "IND_PROD", 4.0),
        ("B2", "MAINT", 5.0),  # another bassin: not the town's
    ),
    "ref_operator_catalogue": frame(
        {
            "sector_code": "str",
            "qualification_level": "str",
            "distance_learning": "str",
            "work_study": "str",
        },
        ("IND_PROD", "5", "true", "false"),
        ("IND_PROD", "6", "false", "true"),
        ("MAINT", "4", "false", "false"),
    ),
}


def test_context_supply_against_the_national_median_and_thin_supply():
    out = run_model("int_town_sector__context", CONTEXT_INPUTS)
    assert sorted(out.sector_code) == ["IND_PROD", "MAINT", "SANTE"]  # 'NC' is not ranked
    ind = row(out, sector_code="IND_PROD")
    assert (ind.accessible_places_per_1000, ind.national_median_places_per_1000) == (0.5, 0.6)
    assert not ind.is_supply_data_thin and ind.tension_class == 4
    sante = row(out, sector_code="SANTE")
    # national mean log access 0.05 < 0.1: the sources barely cover this sector's supply
    assert sante.is_supply_data_thin and sante.accessible_places_per_1000 == 0
    # the threshold is min_national_mean_log_access: at 0.01, SANTE's 0.05 is enough
    loose = run_model(
        "int_town_sector__context", CONTEXT_INPUTS, {"min_national_mean_log_access": 0.01}
    )
    assert not row(loose, sector_code="SANTE").is_supply_data_thin
    # the town's bassin is B1: MAINT's class 5 belongs to B2
    assert pd.isna(row(out, sector_code="MAINT").tension_class)


def test_context_level_and_operator_catalogue():
    out = run_model("int_town_sector__context", CONTEXT_INPUTS)
    ind = row(out, sector_code="IND_PROD")
    # ratios to the national medians: l4 0.3/0.2 = 1.5, l5 0.05/0.1 = 0.5, l6 0.1/0.05 = 2 -> 5
    assert ind.suggested_level == 5
    assert ind.is_in_operator_catalogue and list(ind.operator_levels) == [5, 6]
    assert ind.operator_can_deliver_level
    assert ind.operator_distance_learning and ind.operator_work_study
    maint = row(out, sector_code="MAINT")
    # no national level-4/5 supply recorded for MAINT: only level 6 is measured
    assert maint.suggested_level == 6 and not maint.operator_can_deliver_level
    sante = row(out, sector_code="SANTE")
    assert not sante.is_in_operator_catalogue
    assert not sante.operator_can_deliver_level and not sante.operator_work_study


# --- 8. Checks: zero rows on good data, rows on broken data ------------------------------------


def test_check_catchment_contains_its_town():
    towns = frame({"town_code": "str", "town_label": "str"}, ("A", "Ville A"), ("B", "Ville B"))
    pairs = pairs_of(towns=["A", "B"], supply=[])

    def check(pairs):
        catchment = run_model(
            "int_catchment__town_communes",
            {"int_towns__candidates": towns, "int_geo__commune_pairs": pairs},
        )
        return run_model(
            "check_int_catchment__town_communes__contains_town",
            {"int_towns__candidates": towns, "int_catchment__town_communes": catchment},
        )

    assert check(pairs).empty
    broken = pairs[~((pairs.origin_code == "B") & (pairs.destination_code == "B"))]
    assert check(broken).town_code.tolist() == ["B"]


def test_check_ranking_unique_key():
    ranking = pd.DataFrame(
        {"town_code": ["T1", "T1", "T2"], "sector_code": ["A", "B", "A"], "rank": [1, 2, 1]}
    )

    def check(frame):
        return run_model(
            "check_mart_town_sector__ranking__unique_key", {"mart_town_sector__ranking": frame}
        )

    assert check(ranking).empty
    duplicated = pd.concat([ranking, ranking.head(1)], ignore_index=True)
    # the duplicated row repeats its key and its rank
    assert len(check(duplicated)) == 2
    tied = ranking.assign(rank=1)
    assert check(tied)["rank"].tolist() == [1]


def test_check_bmo_cells_reconcile_with_raw():
    src = BMO.rename(
        columns={
            "survey_year": "vintage",
            "is_hiring_secret": "hiring_projects_count_is_secret",
            "is_difficult_secret": "difficult_projects_count_is_secret",
        }
    ).astype({"vintage": "str"})

    def check(cells):
        return run_model(
            "check_int_bmo__cells__reconcile_raw", {"int_bmo__cells": cells, "src_bmo": src}
        )

    assert check(_cells()).empty
    # a raw cell the warehouse lacks, even a secret one with no published count
    extra = pd.concat([src, src.head(1)], ignore_index=True)
    assert run_model(
        "check_int_bmo__cells__reconcile_raw", {"int_bmo__cells": _cells(), "src_bmo": extra}
    ).cells.tolist() == [10]
    # a métier missing from the crosswalk loses its cells: 9 raw cells, 7 in the warehouse
    lost = check(_cells(crosswalk=CROSSWALK[CROSSWALK.metier_code != "M2"]))
    assert len(lost) == 1
    assert (lost.cells[0], lost.warehouse_cells[0]) == (9, 7)
    assert (lost.hiring[0], lost.warehouse_hiring[0]) == (
        60 + 40 + 10 + 20 + 10 + 100 + 10,
        60 + 40 + 10 + 20 + 10 + 100,
    )


# --- Scale: métier detail for the towns that get a report ---------------------------------------

DETAIL_GIVEN = {
    "int_programme__communes": frame(
        {"commune_code": "str", "programme": "str"}, ("A", "ACV"), ("B", "ACV2"), ("C", "PVD")
    ),
    "int_geo__code_passage": frame(
        {"old_code": "str", "current_code": "str"}, ("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")
    ),
    "int_geo__communes": frame(
        {"commune_code": "str", "commune_label": "str", "departement_code": "str"},
        ("A", "Alpha", "01"),
        ("B", "Bravo", "01"),
        ("C", "Charlie", "02"),
        ("D", "Delta", "02"),
    ),
}


def test_metier_detail_for_every_candidate_of_a_short_list_and_the_default_towns_of_a_long_one():
    # the default list (ACV, ACV 2) when no list is given: every town has detail
    default = run_model("int_towns__candidates", DETAIL_GIVEN)
    assert dict(zip(default.town_code, default.has_metier_detail, strict=True)) == {
        "A": True,
        "B": True,
    }
    user = {
        **DETAIL_GIVEN,
        "param_candidates": frame({"commune_code": "str"}, ("A",), ("C",), ("D",)),
    }
    # 3 candidates ≤ 3: every one has detail
    short = run_model("int_towns__candidates", user, {"metier_detail_max_towns": 3})
    assert short.has_metier_detail.all()
    # 3 candidates > 2: only those of the default list (A) keep it
    long = run_model("int_towns__candidates", user, {"metier_detail_max_towns": 2})
    assert dict(zip(long.town_code, long.has_metier_detail, strict=True)) == {
        "A": True,
        "C": False,
        "D": False,
    }
