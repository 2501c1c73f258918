"""Given/expect tests of the shortlist: each criterion, the normalisations, the aggregation and its
decomposition, the Monte Carlo, the concept rules, the set selection and the candidates file.

Expected values are worked out by hand from the givens (the arithmetic is written next to them).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from shortlist_synthetic import catchments, four_towns, lycees, profile, ranking

from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import shortlist as sl
from reports.shortlist import concepts as concepts_mod
from reports.shortlist import criteria, scoring, selection
from reports.shortlist import monte_carlo as mc_mod

approx = pytest.approx
PARAMS = dict(SHORTLIST_DEFAULTS)


def by_town(frame: pd.DataFrame) -> dict[str, dict]:
    return {r["town_code"]: r for r in frame.to_dict("records")}


# --- Criteria ----------------------------------------------------------------------------------


def test_higher_education_places_are_per_1000_working_age_residents_of_the_catchment():
    given = profile(
        {"town_code": "11001", "town_label": "A"},  # (500 students + 100 BTS) / 50 000 × 1000
        {"town_code": "11002", "town_label": "B", "catchment_working_age_population": None},
        {"town_code": "11003", "town_label": "C", "catchment_bts_places": None},
    )
    got = by_town(criteria.higher_education(given))
    assert got["11001"]["higher_education_places"] == 600
    assert got["11001"]["higher_education_places_per_1000"] == approx(12.0)
    assert got["11001"]["nearest_higher_education_minutes"] == 20.0
    assert math.isnan(got["11002"]["higher_education_places_per_1000"])  # no denominator
    assert got["11003"]["higher_education_places_per_1000"] == approx(10.0)  # 500 / 50 000


def test_skills_gap_is_the_mean_score_of_the_top_sectors_in_rank_order():
    given = ranking({"11001": [("MECA", 1.2), ("BTP", 0.9), ("COMM", 0.6), ("HRT", 0.1)]})
    top3 = criteria.skills_gap(given, 3).iloc[0]
    assert top3["top_sector_score"] == approx((1.2 + 0.9 + 0.6) / 3)  # 0.9
    assert top3["top_sector_codes"] == "MECA ; BTP ; COMM"
    assert top3["top_sectors"] == "Filière MECA ; Filière BTP ; Filière COMM"
    assert criteria.skills_gap(given, 2).iloc[0]["top_sector_score"] == approx((1.2 + 0.9) / 2)


def test_audience_compares_potential_learners_with_the_break_even_band_and_is_capped():
    given = profile(
        {"town_code": "11001", "town_label": "A"},  # 40 000 × 0.3 % = 120 learners
        {"town_code": "11002", "town_label": "B", "catchment_active_population": 20_000.0},
        {"town_code": "11003", "town_label": "C", "catchment_active_population": 200_000.0},
    )
    got = by_town(criteria.audience(given, PARAMS))
    assert got["11001"]["potential_learners"] == approx(120)
    assert got["11001"]["audience_ratio"] == approx(120 / 150)
    assert got["11001"]["audience_status"] == "dans la zone de rentabilité (120 à 150)"
    assert got["11002"]["potential_learners"] == approx(60)
    assert got["11002"]["audience_status"] == "sous le seuil (120)"
    # 600 learners = 4 × the upper bound, capped at 2
    assert got["11003"]["audience_ratio"] == approx(2.0)
    assert got["11003"]["audience_status"] == "au-delà de la zone de rentabilité (150)"


def test_partners_are_town_lycees_teaching_a_recommended_sector():
    given = lycees(
        ("11001", "L1", "LYCEE PROFESSIONNEL JEAN JAURES", False, "MECA"),
        ("11001", "L1", "LYCEE PROFESSIONNEL JEAN JAURES", False, "HRT"),
        ("11001", "L2", "LYCEE POLYVALENT LYCEE DES METIERS DU BATIMENT", True, "BTP"),
        ("11001", "L3", "LYCEE PROFESSIONNEL HORS SUJET", False, "AGRI"),
        ("11002", "L4", None, False, "LOGI"),
    )
    top = pd.DataFrame(
        [("11001", "MECA"), ("11001", "BTP"), ("11001", "COMM"), ("11002", "LOGI")],
        columns=["town_code", "sector_code"],
    )
    got = by_town(criteria.partners(given, top, ["11001", "11002", "11003"]))
    assert got["11001"]["partner_lycees"] == 2  # L1 (MECA) and L2 (BTP); L3 teaches AGRI only
    assert got["11001"]["partner_sectors_covered"] == 2  # MECA, BTP; COMM has no lycée
    assert got["11001"]["partner_names"] == (
        "LYCEE POLYVALENT LYCEE DES METIERS DU BATIMENT (lycée des métiers) ; "
        "LYCEE PROFESSIONNEL JEAN JAURES"
    )
    assert got["11002"]["partner_names"] == "UAI L4"  # a lycée missing from the IPS list
    assert (got["11003"]["partner_lycees"], got["11003"]["partner_sectors_covered"]) == (0, 0)


def test_eligibility_bands_include_their_bounds_and_no_urban_unit_fails_its_flag():
    given = profile(
        {"town_code": "11001", "town_label": "A", "population": 10_000.0},
        {"town_code": "11002", "town_label": "B", "population": 100_000.0},
        {"town_code": "11003", "town_label": "C", "population": 9_999.0},
        {"town_code": "11004", "town_label": "D", "population": 100_001.0},
        {
            "town_code": "11005",
            "town_label": "E",
            "has_urban_unit": False,
            "urban_unit_population": None,
        },
        {"town_code": "11006", "town_label": "F", "urban_unit_population": 150_000.0},
    )
    got = by_town(criteria.eligibility(given, PARAMS))
    assert [got[c]["is_population_in_band"] for c in sorted(got)] == [
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    assert got["11001"]["is_urban_unit_in_band"]
    assert not got["11005"]["is_urban_unit_in_band"]
    assert not got["11006"]["is_urban_unit_in_band"]
    assert got["11001"]["is_acv"] and not got["11001"]["is_acv2"]


def test_indicators_join_every_criterion_one_row_per_town_sorted_by_code():
    inputs = four_towns()
    table = criteria.indicators(
        inputs.profile.iloc[::-1], inputs.ranking, inputs.lycees, PARAMS
    ).set_index("town_code")
    assert list(table.index) == ["11001", "11002", "22003", "33004"]
    assert table.loc["11001", "top_sector_score"] == approx(0.9)
    assert table.loc["11001", "partner_lycees"] == 2
    assert table.loc["22003", "partner_lycees"] == 0  # its lycée teaches MECA, not HRT/AGRI/SANTE
    assert table.loc["33004", "partner_lycees"] == 1
    assert table.loc["22003", "higher_education_places_per_1000"] == 0
    for criterion in sl.CRITERIA:
        for ind in criterion.indicators:
            assert ind.column in table.columns


# --- Normalisation and aggregation -------------------------------------------------------------


def test_normalisations_on_three_values():
    x = pd.Series([1.0, 2.0, 3.0])
    assert scoring.normalise(x, "minmax").tolist() == approx([0, 0.5, 1])
    sd = math.sqrt(2 / 3)  # population standard deviation of 1, 2, 3
    assert scoring.normalise(x, "zscore").tolist() == approx([-1 / sd, 0, 1 / sd])
    assert scoring.normalise(pd.Series([10.0, 30.0, 20.0]), "rank").tolist() == approx([0, 1, 0.5])


def test_missing_and_constant_indicators_take_the_neutral_position():
    with_gap = pd.Series([1.0, None, 3.0])
    assert scoring.normalise(with_gap, "minmax").tolist() == approx([0, 0.5, 1])
    assert scoring.normalise(with_gap, "zscore").tolist() == approx([-1, 0, 1])
    assert scoring.normalise(with_gap, "rank").tolist() == approx([0, 0.5, 1])
    assert scoring.normalise(pd.Series([4.0, 4.0]), "minmax").tolist() == [0.5, 0.5]
    assert scoring.normalise(pd.Series([4.0, 4.0]), "zscore").tolist() == [0.0, 0.0]
    with pytest.raises(sl.ShortlistError, match="unknown normalisation"):
        scoring.normalise(with_gap, "log")


def indicator_table(**columns: list) -> pd.DataFrame:
    """Three towns whose every indicator is 1 (constant, hence neutral) unless given."""
    n = len(next(iter(columns.values())))
    base = {"town_code": [f"1100{i}" for i in range(1, n + 1)]}
    for criterion in sl.CRITERIA:
        for ind in criterion.indicators:
            base[ind.column] = columns.get(ind.column, [1.0] * n)
    return pd.DataFrame(base)


def test_score_is_the_weighted_sum_of_criteria_and_decomposes_exactly():
    table = indicator_table(unemployment_rate=[0.1, 0.2, 0.3], partner_lycees=[2, 0, 0])
    ranked = scoring.rank_towns(table, criteria.weights(PARAMS)).set_index("town_code")
    # social need = mean(unemployment [0, .5, 1], jobseekers .5, income .5) = [1/3, 1/2, 2/3]
    assert ranked["criterion_social_need"].tolist() == approx([1 / 3, 1 / 2, 2 / 3])
    # partners = mean(lycées [1, 0, 0], sectors covered .5) = [.75, .25, .25]
    assert ranked["criterion_partners"].tolist() == approx([0.75, 0.25, 0.25])
    # neutral criteria: 100 × (.2 + .25 + .15) × .5 = 30 points
    expected = {
        "11001": 30 + 100 * (0.25 / 3 + 0.15 * 0.75),  # 49.583
        "11002": 30 + 100 * (0.25 / 2 + 0.15 * 0.25),  # 46.25
        "11003": 30 + 100 * (0.25 * 2 / 3 + 0.15 * 0.25),  # 50.417
    }
    assert ranked["score"].to_dict() == approx(expected)
    assert ranked["rank"].to_dict() == {"11003": 1, "11001": 2, "11002": 3}
    assert ranked.loc["11003", "contribution_social_need"] == approx(100 * 0.25 * 2 / 3)
    contributions = ranked[[f"contribution_{k}" for k in criteria.CRITERION_KEYS]].sum(axis=1)
    assert contributions.to_dict() == approx(ranked["score"].to_dict())


def test_direction_minus_one_means_less_is_more_need():
    table = indicator_table(median_living_standard_eur=[15_000.0, 25_000.0])
    ranked = scoring.rank_towns(table, criteria.weights(PARAMS)).set_index("town_code")
    assert ranked.loc["11001", "median_living_standard_eur__norm"] == 1.0
    assert ranked.loc["11002", "median_living_standard_eur__norm"] == 0.0
    assert ranked.loc["11001", "rank"] == 1


def test_ties_go_to_the_smaller_insee_code_and_missing_values_are_listed():
    table = indicator_table(unemployment_rate=[0.2, 0.2, None])
    table["town_code"] = ["22002", "11001", "33003"]
    ranked = scoring.rank_towns(table, criteria.weights(PARAMS)).set_index("town_code")
    assert ranked.loc["11001", "rank"] < ranked.loc["22002", "rank"]
    assert ranked.loc["33003", "missing_indicators"] == "Taux de chômage"
    assert pd.isna(ranked.loc["11001", "missing_indicators"])


def test_weights_are_normalised_and_checked():
    w = criteria.weights({**SHORTLIST_DEFAULTS, "weight_partners": 0.4})
    assert w.sum() == approx(1)
    assert w[-1] == approx(0.4 / 1.25)
    with pytest.raises(sl.ShortlistError, match="non-negative"):
        criteria.weights({**SHORTLIST_DEFAULTS, "weight_audience": -0.1})


# --- Monte Carlo -------------------------------------------------------------------------------


def ranked_four_towns() -> pd.DataFrame:
    inputs = four_towns()
    table = criteria.indicators(inputs.profile, inputs.ranking, inputs.lycees, PARAMS)
    return scoring.rank_towns(table, criteria.weights(PARAMS))


def test_monte_carlo_is_reproducible_with_a_seed():
    ranked = ranked_four_towns()
    w = criteria.weights(PARAMS)
    one = mc_mod.monte_carlo(ranked, w, draws=500, seed=7, concentration=50, top=2)
    two = mc_mod.monte_carlo(ranked, w, draws=500, seed=7, concentration=50, top=2)
    other = mc_mod.monte_carlo(ranked, w, draws=500, seed=8, concentration=50, top=2)
    for field in ("median_rank", "rank_low", "rank_high", "top_share"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field))
    assert one.normalisation_counts == two.normalisation_counts
    assert one.normalisation_counts != other.normalisation_counts
    assert sum(one.normalisation_counts.values()) == 500
    assert (one.rank_low <= one.median_rank).all() and (one.median_rank <= one.rank_high).all()
    assert one.top_share.sum() == approx(2)  # every draw has exactly two towns in its top 2


def test_monte_carlo_without_spread_reproduces_the_headline_rank():
    ranked = ranked_four_towns()
    mc = mc_mod.monte_carlo(
        ranked,
        criteria.weights(PARAMS),
        draws=50,
        seed=1,
        concentration=1e12,
        top=1,
        methods=("minmax",),
    )
    np.testing.assert_array_equal(mc.median_rank, ranked["rank"].to_numpy())
    np.testing.assert_array_equal(mc.rank_low, mc.rank_high)
    assert mc.top_share.tolist() == (ranked["rank"] == 1).astype(float).tolist()


def test_a_zero_weight_stays_zero_in_every_draw():
    ranked = ranked_four_towns()
    w = criteria.weights({**SHORTLIST_DEFAULTS, "weight_higher_education": 0})
    table = ranked.copy()
    # Changing only the zero-weighted criterion's figures cannot move any rank.
    table["nearest_higher_education_minutes"] = [90.0, 0.0, 0.0, 45.0]
    a = mc_mod.monte_carlo(ranked, w, draws=300, seed=3, concentration=20, top=2)
    b = mc_mod.monte_carlo(table, w, draws=300, seed=3, concentration=20, top=2)
    np.testing.assert_array_equal(a.median_rank, b.median_rank)
    np.testing.assert_array_equal(a.top_share, b.top_share)


# --- Concepts ----------------------------------------------------------------------------------


def test_concept_rules_apply_in_order_and_say_why():
    inputs = four_towns()
    table = criteria.indicators(inputs.profile, inputs.ranking, inputs.lycees, PARAMS)
    got = by_town(concepts_mod.concepts(table, PARAMS))
    # Aville: 2 partner lycées and 40 000 × 0.3 % = 120 learners ≥ 80
    assert got["11001"]["concept"] == "turnkey"
    assert got["11001"]["concept_rule"].startswith("Règle 1 : 2 lycée(s)")
    assert "120 apprenants potentiels" in got["11001"]["concept_rule"]
    # Dé: a partner but 20 000 × 0.3 % = 60 learners < 80; unemployment 21 % ≥ 20 %
    assert got["33004"]["concept"] == "third_place"
    assert got["33004"]["concept_rule"].startswith("Règle 2 : 60 apprenants potentiels par an")
    assert "chômage 21,0\u00a0% (seuil 20,0\u00a0%)" in got["33004"]["concept_rule"]
    # Bébourg: no partner; unemployment 18 % and jobseekers 15 % under their 20 % thresholds
    assert got["11002"]["concept"] == "progressive"
    assert got["11002"]["concept_rule"].startswith(
        "Règle 3 : aucun lycée de la ville dans les filières recommandées"
    )
    assert got["11002"]["concept_label"] == "Progressif"


def test_jobseekers_alone_can_trigger_the_third_place_rule():
    table = criteria.indicators(
        profile(
            {
                "town_code": "11001",
                "town_label": "A",
                "unemployment_rate": None,
                "jobseekers_per_working_age": 0.25,
            }
        ),
        ranking({"11001": [("MECA", 1.0)]}),
        lycees(),
        PARAMS,
    )
    got = concepts_mod.concepts(table, PARAMS).iloc[0]
    assert got["concept"] == "third_place"
    assert "chômage n.d." in got["concept_rule"]


# --- Choosing a set ----------------------------------------------------------------------------

RANKED = pd.DataFrame(
    {
        "town_code": ["11001", "11002", "11003"],
        "town_label": ["A", "B", "C"],
        "score": [60.0, 55.0, 40.0],
        "rank": [1, 2, 3],
    }
)
MEMBERS = catchments(
    {
        "11001": {"a1": 100.0, "a2": 100.0},
        "11002": {"a2": 100.0, "b1": 100.0},
        "11003": {"c1": 100.0},
    }
)


def test_greedy_selection_skips_a_town_whose_catchment_a_pick_already_covers():
    selected, skipped = selection.select_towns(RANKED, MEMBERS, 2)
    # step 1: A, gain 60 × 1; step 2: B 55 × 100/200 = 27.5 < C 40 × 1
    assert selected["town_code"].tolist() == ["11001", "11003"]
    assert selected["gain"].tolist() == approx([60.0, 40.0])
    assert selected["newly_covered_working_age"].tolist() == approx([200.0, 100.0])
    assert skipped["town_code"].tolist() == ["11002"]
    assert skipped.iloc[0]["covered_share"] == approx(0.5)
    assert skipped.iloc[0]["covered_by"] == "A (11001) 50\u00a0%"


def test_selection_of_every_town_takes_the_overlapping_one_last():
    selected, skipped = selection.select_towns(RANKED, MEMBERS, 5)
    assert selected["town_code"].tolist() == ["11001", "11003", "11002"]
    assert selected["uncovered_share"].tolist() == approx([1.0, 1.0, 0.5])
    assert skipped.empty
    with pytest.raises(sl.ShortlistError, match="--select"):
        selection.select_towns(RANKED, MEMBERS, 0)


# --- Candidates file ---------------------------------------------------------------------------

TOWNS = pd.DataFrame(
    {
        "town_code": ["93066", "97411", "88413", "02168", "2A004"],
        "town_label": [
            "Saint-Denis",
            "Saint-Denis",
            "Saint-Dié-des-Vosges",
            "Château-Thierry",
            "Ajaccio",
        ],
        "departement_code": ["93", "974", "88", "02", "2A"],
    }
)


def test_candidates_file_takes_codes_and_names_whatever_their_case_and_accents():
    lines = ["# applicants of the 2026 call", "", "02168", "saint die des vosges", "AJACCIO"]
    assert sl.resolve_candidates(lines, TOWNS) == ["02168", "2A004", "88413"]
    assert sl.resolve_candidates(["Saint-Denis (974)", "chateau-thierry"], TOWNS) == [
        "02168",
        "97411",
    ]


def test_candidates_file_errors_list_every_problem_with_what_to_do():
    with pytest.raises(sl.ShortlistError) as error:
        sl.resolve_candidates(["Saint-Denis", "Saint-Dié", "75056", "Chateau-Thiery"], TOWNS)
    message = str(error.value)
    assert "Saint-Denis: ambiguous, matches 93066 Saint-Denis (93), 97411 Saint-Denis (974)" in (
        message
    )
    assert "Saint-Dié: no candidate town of that name." in message
    assert "75056: not a candidate town of this warehouse" in message
    assert "gpect build --candidates FILE" in message
    # a misspelling gets the closest candidate names
    assert "Chateau-Thiery: no candidate town of that name. Closest candidate towns: 02168" in (
        message
    )


def test_make_shortlist_restricts_to_the_candidates_and_normalises_among_them():
    inputs = four_towns()
    both = sl.make_shortlist(inputs, PARAMS, candidates=["11001", "22003"], draws=100, top=1)
    assert sorted(both.table["town_code"]) == ["11001", "22003"]
    # with two towns, min-max puts each indicator at 0 or 1 (or 0.5 when equal)
    assert set(both.table["unemployment_rate__norm"]) == {0.0, 1.0}
    assert both.table["rank"].tolist() == [1, 2]
    with pytest.raises(sl.ShortlistError, match="no candidate town"):
        sl.make_shortlist(inputs, PARAMS, candidates=[], draws=10)
