"""Given/expect tests and properties of the sector diagnostic (flows/pipeline/diagnostic).

Expected values are worked out by hand next to each assertion; the properties are the ones a
diagnostic must keep whatever the data (hypothesis).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.pipeline.diagnostic import evaluation, ranking, scoring
from flows.pipeline.settings import MODEL_DEFAULTS

approx = pytest.approx
PARAMS = {**MODEL_DEFAULTS, "turnkey_learners": 80.0, "rank_draws": 60}


def waves_frame(
    cells: dict[tuple[str, str, str, int], float],
    difficult_share: float = 0.5,
    national: dict[tuple[str, int], float] | None = None,
) -> pd.DataFrame:
    """int_territory_sector__waves rows from {(type, code, sector, year): hiring}; territory
    totals are summed from the cells; national totals default to the sum of the bassins."""
    rows = pd.DataFrame(
        [(t, c, s, y, h) for (t, c, s, y), h in cells.items()],
        columns=[
            "territory_type",
            "territory_code",
            "sector_code",
            "survey_year",
            "hiring_projects",
        ],
    )
    rows["metier_nomenclature"] = "FAP2021"
    rows["region_code"] = "84"
    rows["difficult_projects"] = rows["hiring_projects"] * difficult_share
    rows["hiring_estimated"] = 0.0
    rows["hiring_censored_variance"] = 0.0
    keys = ["territory_type", "territory_code", "survey_year"]
    rows["territory_hiring"] = rows.groupby(keys)["hiring_projects"].transform("sum")
    rows["territory_difficult"] = rows.groupby(keys)["difficult_projects"].transform("sum")
    bassins = rows[rows["territory_type"] == "bassin"]
    if national is None:
        nat = bassins.groupby(["sector_code", "survey_year"])["hiring_projects"].sum()
    else:
        nat = pd.Series(national).rename_axis(["sector_code", "survey_year"])
    rows["national_sector_hiring"] = [
        nat[(s, y)] for s, y in zip(rows.sector_code, rows.survey_year, strict=True)
    ]
    totals = nat.groupby(level="survey_year").sum()
    rows["national_hiring"] = rows["survey_year"].map(totals)
    rows["national_sector_difficult"] = rows["national_sector_hiring"] * difficult_share
    rows["national_difficult"] = rows["national_hiring"] * difficult_share
    rows["region_sector_hiring"] = rows["national_sector_hiring"]
    rows["region_hiring"] = rows["national_hiring"]
    rows["difficulty_prior_rate"] = difficult_share
    rows["difficulty_prior_strength"] = 10.0
    rows["national_difficulty_rate"] = difficult_share
    return rows


def context_frame(towns, sectors, catalogue=None):
    catalogue = set(sectors if catalogue is None else catalogue)
    return pd.DataFrame(
        [
            {
                "town_code": t,
                "town_label": t,
                "sector_code": s,
                "sector_label": s,
                "accessible_places_per_1000": 0.5,
                "national_median_places_per_1000": 0.5,
                "is_supply_data_thin": False,
                "tension_class": 3.0,
                "suggested_level": 5,
                "operator_levels": [5],
                "is_in_operator_catalogue": s in catalogue,
                "operator_can_deliver_level": s in catalogue,
                "operator_distance_learning": False,
                "operator_work_study": False,
            }
            for t in towns
            for s in sectors
        ]
    )


# --- given / expect -----------------------------------------------------------------------------


def test_pool_averages_waves_and_uses_the_pooled_national_share():
    cells = {
        ("catchment", "T", "A", 2024): 30.0,
        ("catchment", "T", "B", 2024): 70.0,
        ("catchment", "T", "A", 2025): 50.0,
        ("catchment", "T", "B", 2025): 50.0,
    }
    national = {("A", 2024): 100.0, ("B", 2024): 900.0, ("A", 2025): 300.0, ("B", 2025): 700.0}
    pooled = scoring.pool(waves_frame(cells, national=national), [2024, 2025])
    a = pooled.set_index("sector_code").loc["A"]
    # mean hiring (30 + 50) / 2 = 40; mean town total 100; pooled national share 400 / 2000 = 0.2
    assert a.hiring_projects == approx(40.0)
    assert a.expected_hiring == approx(100 * 0.2)
    assert a.waves == 2
    # LQ = (40 / 100) / 0.2 = 2
    assert a.hiring_projects / a.expected_hiring == approx(2.0)


def test_censoring_variance_of_the_mean_wave():
    w = waves_frame(
        {("catchment", "T", "A", 2024): 10.0, ("catchment", "T", "A", 2025): 10.0},
        national={("A", 2024): 100.0, ("A", 2025): 100.0},
    )
    w["hiring_estimated"] = [2.5, 0.0]
    w["hiring_censored_variance"] = [25 / 12, 0.0]  # one secret cell of bound 5, share 1
    pooled = scoring.pool(w, [2024, 2025]).iloc[0]
    assert pooled.hiring_estimated == approx(1.25)
    assert pooled.hiring_censored_variance == approx((25 / 12) / 4)


def test_shrunk_quotient_and_its_interval_by_hand():
    # n = 40, e = 20, φ = 4, α = 5: (40/4 + 5) / (20/4 + 5) = 15 / 10 = 1.5
    assert scoring.shrunk_quotient(40, 20, 5, 4) == approx(1.5)
    # no evidence (e = 0 and n = 0): the prior mean, 1
    assert scoring.shrunk_quotient(0, 0, 5, 4) == approx(1.0)
    low, high = scoring.quotient_interval(40, 0, 20, 5, 4)
    # shape 15, rate 10: Wilson–Hilferty 15 (1 − 1/135 ∓ 1.6449/(3√15))³ / 10
    c = 1.6448536269514722 / (3 * math.sqrt(15))
    assert low == approx(15 * (1 - 1 / 135 - c) ** 3 / 10)
    assert high == approx(15 * (1 - 1 / 135 + c) ** 3 / 10)
    # censored cells widen it on both sides: shape (40 ∓ 8)/4 + 5
    low_c, high_c = scoring.quotient_interval(40, 8, 20, 5, 4)
    assert low_c < low and high_c > high


def test_wilson_hilferty_matches_gamma_quantiles():
    rng = np.random.default_rng(1)
    for shape, rate in ((3.0, 2.0), (15.0, 10.0), (120.0, 100.0)):
        sample = rng.gamma(shape, 1 / rate, 400_000)
        for z, q in ((scoring.Z_05, 0.05), (scoring.Z_95, 0.95)):
            assert scoring.gamma_quantile(shape, rate, z) == approx(
                np.quantile(sample, q), rel=0.01
            )


def test_dispersion_from_two_waves_by_hand():
    # one bassin cell, 30 then 10 projects, the bassin total and national share unchanged:
    # p = 0.5, χ² = (30 − 40·0.5)² / (40·0.5·0.5) = 100 / 10 = 10
    cells = {
        ("bassin", "B", "A", 2024): 30.0,
        ("bassin", "B", "Z", 2024): 70.0,
        ("bassin", "B", "A", 2025): 10.0,
        ("bassin", "B", "Z", 2025): 90.0,
    }
    national = {("A", 2024): 200.0, ("Z", 2024): 800.0, ("A", 2025): 200.0, ("Z", 2025): 800.0}
    w = waves_frame(cells, national=national)
    # Z: 70 then 90, p = 0.5, χ² = (70 − 80)² / (160·0.25) = 2.5; mean of the two = 6.25
    assert scoring.dispersion(w, [2024, 2025]) == approx((10 + 2.5) / 2)
    # one wave cannot measure it
    assert scoring.dispersion(w, [2024]) == 1.0


def test_gamma_prior_method_of_moments_by_hand():
    pooled = pd.DataFrame(
        {
            "sector_code": ["A", "A"],
            "hiring_projects": [30.0, 10.0],
            "expected_hiring": [20.0, 20.0],
        }
    )
    # r = 1.5, 0.5; m = 1; s² = (20·0.25 + 20·0.25) / 40 = 0.25; A = 0.25 − φ·1/20
    assert scoring.gamma_prior(pooled, 1.0)["A"] == approx(1 / (0.25 - 0.05))
    # all the variance is sampling noise: no between-bassin variance, the strongest prior
    assert scoring.gamma_prior(pooled, 10.0)["A"] == scoring.ALPHA_MAX


def test_minimum_market_from_the_concept_size():
    # 80 learners shared over 3 sectors = 26.7 a cohort, at most 25 % of annual hiring
    assert scoring.minimum_market(PARAMS) == approx(80 / 3 / 0.25)


def _two_town_case(market_a: float):
    """Town T: sector A specialised with `market_a` projects a year, B and C ordinary."""
    cells = {}
    for y in (2024, 2025):
        cells.update(
            {
                ("catchment", "T", "A", y): market_a,
                ("catchment", "T", "B", y): 400.0,
                ("catchment", "T", "C", y): 300.0,
                ("catchment", "T", "NC", y): 50.0,
                ("bassin", "B1", "A", y): 100.0,
                ("bassin", "B1", "B", y): 2000.0,
                ("bassin", "B1", "C", y): 1500.0,
                ("bassin", "B1", "NC", y): 300.0,
                ("bassin", "B2", "A", y): 150.0,
                ("bassin", "B2", "B", y): 1800.0,
                ("bassin", "B2", "C", y): 1700.0,
                ("bassin", "B2", "NC", y): 250.0,
            }
        )
    return waves_frame(cells), context_frame(["T"], ["A", "B", "C"])


def test_market_size_rule_excludes_and_says_why():
    small = ranking.rank_sectors(*_two_town_case(100.0), PARAMS, years=[2024, 2025])
    a = small.set_index("sector_code").loc["A"]
    # 100 projects a year < 106.7: never recommended, whatever its specialisation
    assert a.exclusion_code == "market_too_small" and pd.isna(a.recommendation_rank)
    assert a.location_quotient > 1
    large = ranking.rank_sectors(*_two_town_case(110.0), PARAMS, years=[2024, 2025])
    assert large.set_index("sector_code").loc["A"].exclusion_code is None


def test_unreadable_cells_are_flagged_not_ranked_on_noise():
    out = ranking.rank_sectors(*_two_town_case(6.0), PARAMS, years=[2024, 2025])
    a = out.set_index("sector_code").loc["A"]
    assert a.exclusion_code == "unreadable" and not a.is_readable


def test_score_is_the_weighted_sum_of_clipped_log_ratios():
    out = ranking.rank_sectors(*_two_town_case(200.0), PARAMS, years=[2024, 2025], intervals=False)
    w = scoring.weights(PARAMS)
    for r in out.itertuples():
        parts = [r.specialisation, r.difficulty, r.supply_gap, r.market]
        assert r.score == approx(float(np.dot(w, parts)))
        assert all(abs(p) <= math.log(PARAMS["component_cap_ratio"]) + 1e-12 for p in parts)
        # access equals the national median: no gap; every difficulty rate is national
        assert r.supply_gap == approx(0) and r.difficulty == approx(0)
        assert r.market <= math.log(PARAMS["market_saturation_ratio"]) + 1e-12


def test_intervals_contain_the_point_rank_and_ties_are_grouped():
    out = ranking.rank_sectors(*_two_town_case(200.0), PARAMS, years=[2024, 2025])
    rec = out[out.recommendation_rank.notna()]
    assert (rec.recommendation_rank_low <= rec.recommendation_rank).all()
    assert (rec.recommendation_rank <= rec.recommendation_rank_high).all()
    assert rec.tie_group.notna().all()
    assert ((out.rank_low <= out["rank"]) & (out["rank"] <= out.rank_high)).all()


def test_tie_groups_from_overlapping_intervals():
    frame = pd.DataFrame(
        {
            "town_code": ["T"] * 4,
            "recommendation_rank": [1, 2, 3, 4],
            "recommendation_rank_low": [1, 1, 3, 3],
            "recommendation_rank_high": [2, 3, 4, 4],
        }
    )
    # 2 reaches the leader's worst rank 2 → tied; 3 starts from 3 > 2 → a new group, 4 joins it
    assert ranking.tie_groups(frame).tolist() == [1, 1, 2, 2]


def test_evaluation_agreement_figures_by_hand():
    a = pd.DataFrame(
        {
            "town_code": ["T", "T", "T", "U", "U", "U"],
            "sector_code": ["A", "B", "C", "A", "B", "C"],
            "recommendation_rank": [1, 2, 3, 1, 2, 3],
            "score": [3, 2, 1, 3, 2, 1],
        }
    )
    b = a.assign(recommendation_rank=[2, 1, 3, 1, 2, None], score=[2, 3, 1, 3, 2, 1])
    figures = evaluation.compare(a, b, top=3)
    assert figures["top1_agreement"] == approx(0.5)  # T: A vs B; U: A vs A
    assert figures["top3_overlap"] == approx((3 / 3 + 2 / 3) / 2)
    assert figures["within_town_spearman"] == approx((0.5 + 1.0) / 2)


# --- properties ---------------------------------------------------------------------------------

SECTORS = ["A", "B", "C", "D"]


@st.composite
def towns_case(draw):
    n_towns = draw(st.integers(2, 4))
    counts = st.floats(min_value=0.0, max_value=3000.0, allow_nan=False)
    cells = {}
    for y in (2024, 2025):
        for s in [*SECTORS, "NC"]:
            for b in ("B1", "B2", "B3"):
                cells[("bassin", b, s, y)] = draw(counts) + 1.0
            for t in range(n_towns):
                cells[("catchment", f"T{t}", s, y)] = draw(counts)
    return cells, [f"T{t}" for t in range(n_towns)]


# Each example ranks whole towns with their intervals (~0.3 s): the properties marked slow run in
# the full suite only, the unit tier keeps the scaling one.
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(towns_case(), st.floats(min_value=0.1, max_value=50.0))
def test_scaling_a_towns_hiring_leaves_its_specialisation_order_unchanged(case, factor):
    cells, towns = case
    scaled = {
        k: v * factor if k[0] == "catchment" and k[1] == towns[0] else v for k, v in cells.items()
    }

    def order(c):
        pooled = scoring.pool(waves_frame(c), [2024, 2025])
        town = pooled[(pooled.territory_code == towns[0]) & (pooled.sector_code != "NC")]
        lq = scoring.expected_share(town.hiring_projects, town.expected_hiring)
        return list(town.sector_code.to_numpy()[np.argsort(-np.round(lq, 9), kind="stable")])

    assert order(cells) == order(scaled)


@pytest.mark.slow
@PROPERTY
@given(towns_case())
def test_adding_a_wave_equal_to_the_window_mean_changes_no_rank(case):
    cells, towns = case
    w = waves_frame(cells)
    mean = w.groupby(["territory_type", "territory_code", "sector_code"], as_index=False).mean(
        numeric_only=True
    )
    mean["survey_year"] = 2026
    for col in ("metier_nomenclature", "region_code"):
        mean[col] = w[col].iloc[0]
    longer = pd.concat([w, mean[w.columns]], ignore_index=True)
    ctx = context_frame(towns, SECTORS)
    params = {**PARAMS, "bmo_window_waves": 3}
    before = ranking.rank_sectors(w, ctx, params, years=[2024, 2025], intervals=False)
    after = ranking.rank_sectors(
        longer, ctx, params, years=[2024, 2025, 2026], phi_years=[2024, 2025], intervals=False
    )
    key = ["town_code", "sector_code"]
    merged = before.merge(after, on=key, suffixes=("", "_after"))
    assert (merged["rank"] == merged["rank_after"]).all()
    assert merged["recommendation_rank"].equals(merged["recommendation_rank_after"])


@pytest.mark.slow
@PROPERTY
@given(towns_case(), st.randoms(use_true_random=False))
def test_permuting_towns_changes_nothing(case, rnd):
    cells, towns = case
    w = waves_frame(cells)
    ctx = context_frame(towns, SECTORS, catalogue=["A", "B"])
    shuffled = w.sample(frac=1.0, random_state=rnd.randint(0, 10**6)).reset_index(drop=True)
    a = ranking.rank_sectors(w, ctx, PARAMS, years=[2024, 2025])
    b = ranking.rank_sectors(shuffled, ctx.iloc[::-1], PARAMS, years=[2024, 2025])
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
@PROPERTY
@given(towns_case(), st.sets(st.sampled_from(SECTORS), max_size=3))
def test_a_sector_outside_the_catalogue_is_never_recommended(case, catalogue):
    cells, towns = case
    out = ranking.rank_sectors(
        waves_frame(cells), context_frame(towns, SECTORS, catalogue), PARAMS, years=[2024, 2025]
    )
    outside = out[~out.sector_code.isin(catalogue)]
    assert outside.recommendation_rank.isna().all()
    assert (outside.probability_recommended == 0).all()


# --- scale: counted percentiles, draw budget, common random numbers -----------------------------


def test_percentiles_counted_from_ranks_equal_numpys():
    rng = np.random.default_rng(7)
    ranks = rng.integers(1, 6, size=(83, 4, 5)).astype(float)
    counted = rng.random(ranks.shape) < 0.7
    counted[:, 0, 0] = False  # never counted: no interval
    counts = ranking._rank_counts(ranks, counted, 5)
    masked = np.where(counted, ranks, np.nan)
    for q in (5, 95):
        expected = np.full(ranks.shape[1:], np.nan)
        for i, j in np.ndindex(*ranks.shape[1:]):
            if counted[:, i, j].any():
                expected[i, j] = np.percentile(ranks[counted[:, i, j], i, j], q)
        got = ranking._percentile_from_counts(counts, q)
        assert np.isnan(got[0, 0])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
        assert np.allclose(got[1:], np.nanpercentile(masked, q, axis=0)[1:], atol=1e-9)


def test_draws_follow_the_budget_and_never_fall_below_the_floor():
    params = {**PARAMS, "rank_draws": 400}
    assert ranking.interval_draws(params, 246) == 400  # 98,400 ≤ 2,000,000
    assert ranking.interval_draws(params, 2254) == 400
    assert ranking.interval_draws(params, 10_000) == 200  # 2,000,000 / 10,000
    assert ranking.interval_draws(params, 34_888) == 100  # 57 by the budget, raised to the floor
    assert ranking.interval_draws({**params, "rank_draws": 60}, 34_888) == 60  # never more


@pytest.mark.slow
@PROPERTY
@given(towns_case())
def test_a_towns_intervals_do_not_depend_on_the_other_candidates(case):
    cells, towns = case
    w = waves_frame(cells)
    alone = w[(w.territory_type == "bassin") | (w.territory_code == towns[0])]
    every = ranking.rank_sectors(w, context_frame(towns, SECTORS), PARAMS, years=[2024, 2025])
    one = ranking.rank_sectors(alone, context_frame(towns[:1], SECTORS), PARAMS, years=[2024, 2025])
    columns = [
        "sector_code",
        "rank",
        "rank_low",
        "rank_high",
        "recommendation_rank_low",
        "recommendation_rank_high",
        "probability_first",
        "probability_recommended",
        "interval_draws",
    ]
    first = every[every.town_code == towns[0]][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, one[columns].reset_index(drop=True))
