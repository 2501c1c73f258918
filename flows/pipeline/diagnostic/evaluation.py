"""How far the sector diagnostic can be trusted, measured on the BMO waves themselves.

Four families of figures (mart_diagnostic__evaluation, `gpect evaluate`):
- split-half reliability: the ranking built from each single wave against each other wave;
- refresh stability: the ranking published with the waves up to t against up to t+1;
- forecast skill: the pooled, shrunk location quotient built on the waves up to t against the
  quotient wave t+1 observed (skill = 1 − MSE / MSE of a reference forecast: persistence of wave
  t, and "the national share", LQ = 1);
- convergent validity: bassin × sector difficulty rate (pooled, shrunk) against the official
  Dares tension class (Spearman);
- specificity: whether the recommendations say something particular to each town rather than
  "the largest sectors" (share of towns whose first recommendation is simply their largest
  deliverable market, share of recommended sectors more specialised than France, the largest
  share of towns that one sector leads).
Rankings compare on the recommended sectors (deliverable, with a market): top-1 agreement, top-K
overlap |A ∩ B| / K, and the within-town Spearman correlation of the scores of all sectors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flows.pipeline.diagnostic import ranking, scoring

TARGETS = {
    ("refresh_stability", "top3_overlap"): 0.80,
    ("refresh_stability", "top1_agreement"): 0.70,
    ("split_half", "top3_overlap"): 0.60,
    ("convergent_validity", "spearman"): 0.50,
}


def spearman(x, y) -> float:
    """Spearman's rank correlation: Pearson's on average ranks."""
    a = pd.Series(np.asarray(x, dtype=float)).rank()
    b = pd.Series(np.asarray(y, dtype=float)).rank()
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def spearman_by(frame: pd.DataFrame, key: str, x: str, y: str) -> np.ndarray:
    """`spearman` within each group of `key`, all groups at once (NaN where either side is
    constant or the group holds one row)."""
    groups = frame.groupby(key, sort=True)
    centred = {}
    for col in (x, y):
        ranks = groups[col].rank()
        centred[col] = ranks - ranks.groupby(frame[key]).transform("mean")
    sums = (
        pd.DataFrame(
            {
                "xy": centred[x] * centred[y],
                "xx": centred[x] ** 2,
                "yy": centred[y] ** 2,
                key: frame[key],
            }
        )
        .groupby(key, sort=True)
        .sum()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])
    return rho.where((sums["xx"] > 0) & (sums["yy"] > 0)).to_numpy(dtype=float)


def compare(a: pd.DataFrame, b: pd.DataFrame, top: int) -> dict[str, float]:
    """Agreement of two rankings of the same towns (the towns both rank)."""
    towns = pd.Index(sorted(set(a["town_code"]) & set(b["town_code"])), name="town_code")

    def first(frame):
        return frame[frame["recommendation_rank"] == 1].set_index("town_code")["sector_code"]

    first_a, first_b = first(a).reindex(towns), first(b).reindex(towns)
    agree = (first_a == first_b).fillna(False).astype(bool)
    key = ["town_code", "sector_code"]
    shared = (
        a.loc[a["recommendation_rank"] <= top, key]
        .merge(b.loc[b["recommendation_rank"] <= top, key], on=key)
        .groupby("town_code")
        .size()
        .reindex(towns, fill_value=0)
    )
    sa = a.set_index(key)["score"]
    sb = b.set_index(key)["score"]
    both = pd.concat([sa.rename("a"), sb.rename("b")], axis=1).dropna().reset_index()
    return {
        "top1_agreement": float(agree.mean()),
        "top3_overlap": float((shared / top).mean()),
        "within_town_spearman": float(np.nanmean(spearman_by(both, "town_code", "a", "b"))),
        "towns": len(towns),
    }


def _log_quotient(pooled: pd.DataFrame, alpha=None, phi: float = 1.0) -> pd.Series:
    if alpha is None:
        q = scoring.expected_share(pooled["hiring_projects"], pooled["expected_hiring"])
    else:
        q = scoring.shrunk_quotient(
            pooled["hiring_projects"], pooled["expected_hiring"], alpha, phi
        )
    with np.errstate(divide="ignore"):
        return pd.Series(np.log(q), index=pooled.index)


def forecast(waves: pd.DataFrame, params: dict[str, float], target_year: int) -> dict[str, float]:
    """Skill of the diagnostic built on the waves before `target_year` at predicting the
    catchments' location quotients observed in it (cells readable in both: at least
    min_readable_projects in the target wave and in the last wave before it)."""
    history = ranking.window_years(waves, target_year - 1, int(params["bmo_window_waves"]))
    phi = scoring.dispersion(waves, history)
    pooled = scoring.pool(waves, history)
    alpha = scoring.gamma_prior(pooled[pooled["territory_type"] == "bassin"], phi)
    towns = pooled[(pooled["territory_type"] == "catchment") & (pooled["sector_code"] != "NC")]
    towns = towns.set_index(["territory_code", "sector_code"])
    model = _log_quotient(towns, towns.index.get_level_values(1).map(alpha).to_numpy(), phi)
    last = scoring.pool(waves, history[-1:])
    last = last[last["territory_type"] == "catchment"].set_index(["territory_code", "sector_code"])
    observed = scoring.pool(waves, [target_year])
    observed = observed[observed["territory_type"] == "catchment"].set_index(
        ["territory_code", "sector_code"]
    )
    keep = (observed["hiring_projects"] >= params["min_readable_projects"]) & (
        last["hiring_projects"].reindex(observed.index) >= params["min_readable_projects"]
    )
    idx = keep[keep].index.intersection(model.index)
    truth = _log_quotient(observed).loc[idx]
    predicted = model.loc[idx]
    persistence = _log_quotient(last).loc[idx]
    mse = float(np.mean((predicted - truth) ** 2))
    return {
        "skill_vs_persistence": 1 - mse / float(np.mean((persistence - truth) ** 2)),
        "skill_vs_national": 1 - mse / float(np.mean(truth**2)),
        "spearman": spearman(predicted, truth),
        "cells": len(idx),
        "history": "-".join(str(y) for y in history),
    }


def convergent_validity(waves: pd.DataFrame, tension: pd.DataFrame, years: list[int]) -> dict:
    """Spearman correlation, over bassin × sector cells with a tension class, of the pooled
    shrunk difficulty rate and the official tension class."""
    pooled = scoring.pool(waves, years)
    bassins = pooled[(pooled["territory_type"] == "bassin") & (pooled["hiring_projects"] > 0)]
    bassins = bassins.assign(
        rate=scoring.shrunk_rate(
            bassins["difficult_projects"],
            bassins["hiring_projects"],
            bassins["difficulty_prior_strength"],
            bassins["difficulty_prior_rate"],
        )
    )
    joined = bassins.merge(
        tension.rename(columns={"bassin_code": "territory_code"}),
        on=["territory_code", "sector_code"],
    ).dropna(subset=["tension_class", "rate"])
    return {"spearman": spearman(joined["rate"], joined["tension_class"]), "cells": len(joined)}


def specificity(published: pd.DataFrame, top: int) -> dict[str, tuple[float, int]]:
    """(value, count) of: towns whose first recommendation is their largest deliverable market;
    recommended sectors whose shrunk location quotient exceeds 1; the largest share of towns led
    by one sector."""
    eligible = published[published["recommendation_rank"].notna()]
    largest = eligible.loc[eligible.groupby("town_code")["annual_hiring_projects"].idxmax()]
    largest = largest.set_index("town_code")["sector_code"]
    first = eligible[eligible["recommendation_rank"] == 1].set_index("town_code")["sector_code"]
    recommended = eligible[eligible["recommendation_rank"] <= top]
    return {
        "first_is_largest_market": (
            float((first == largest.reindex(first.index)).mean()),
            len(first),
        ),
        "recommended_more_specialised_than_france": (
            float((recommended["location_quotient_shrunk"] > 1).mean()),
            len(recommended),
        ),
        "largest_share_led_by_one_sector": (
            float(first.value_counts(normalize=True).iloc[0]),
            len(first),
        ),
    }


def evaluate(
    waves: pd.DataFrame, context: pd.DataFrame, tension: pd.DataFrame, params: dict[str, float]
) -> pd.DataFrame:
    """Every figure as one row: family, metric, comparison, value, target, count."""
    top = int(params["recommended_sectors"])
    count = int(params["bmo_window_waves"])
    years = sorted(int(y) for y in waves["survey_year"].unique())
    published = ranking.published_window(waves, params)
    rows = []

    def add(family, metric, comparison, value, n):
        rows.append(
            {
                "family": family,
                "metric": metric,
                "comparison": comparison,
                "value": value,
                "target": TARGETS.get((family, metric)),
                "count": n,
            }
        )

    # The refresh pairs share their windows (up to 2024 closes one pair and opens the next) and
    # the published window is one of them: each window is ranked once.
    rankings: dict[tuple, pd.DataFrame] = {}

    def ranked(window, phi_years=None):
        key = (tuple(window), tuple(phi_years or window))
        if key not in rankings:
            rankings[key] = ranking.rank_sectors(
                waves, context, params, years=window, phi_years=phi_years, intervals=False
            )
        return rankings[key]

    singles = {y: ranked([y], phi_years=published) for y in years}
    pairs = [(a, b) for i, a in enumerate(years) for b in years[i + 1 :]]
    for a, b in pairs:
        figures = compare(singles[a], singles[b], top)
        for metric in ("top1_agreement", "top3_overlap", "within_town_spearman"):
            add("split_half", metric, f"{a} vs {b}", figures[metric], figures["towns"])
    if len(pairs) > 1:
        for metric in ("top1_agreement", "top3_overlap", "within_town_spearman"):
            values = [
                r["value"] for r in rows if r["family"] == "split_half" and r["metric"] == metric
            ]
            add("split_half", metric, "mean of the pairs", float(np.mean(values)), len(values))

    for a, b in zip(years, years[1:], strict=False):
        before = ranked(ranking.window_years(waves, a, count))
        after = ranked(ranking.window_years(waves, b, count))
        figures = compare(before, after, top)
        for metric in ("top1_agreement", "top3_overlap", "within_town_spearman"):
            add(
                "refresh_stability",
                metric,
                f"up to {a} vs up to {b}",
                figures[metric],
                figures["towns"],
            )

    for target_year in years[1:]:
        figures = forecast(waves, params, target_year)
        for metric in ("skill_vs_persistence", "skill_vs_national", "spearman"):
            add(
                "forecast_skill",
                metric,
                f"{figures['history']} → {target_year}",
                figures[metric],
                figures["cells"],
            )

    for metric, (value, n) in specificity(ranked(published), top).items():
        add("specificity", metric, f"window {min(published)}-{max(published)}", value, n)

    figures = convergent_validity(waves, tension, published)
    add(
        "convergent_validity",
        "spearman",
        f"difficulty {min(published)}-{max(published)} vs Dares tension class",
        figures["spearman"],
        figures["cells"],
    )
    return pd.DataFrame(rows)
