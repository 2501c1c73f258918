"""Rank every town's training sectors on the pooled BMO window, and say how sure the rank is.

`rank_sectors` is the published diagnostic (mart_town_sector__ranking): point estimates of the
four components (scoring.py), the score, the rank among all sectors, the rank among the sectors
the operator can deliver to a market large enough to feed a cohort (`recommendation_rank`), the
strong needs outside the catalogue ("à construire avec un partenaire"), reason and exclusion codes
(worded in French by reports/), the trend across the window, and 90 % rank intervals from
`resample`.

`resample` redraws what is uncertain: the waves of the window (Bayesian bootstrap: Dirichlet(1, …,
1) weights over waves, Rubin 1981), every censored secret cell inside its interval (normal with the
uniform's variance, clipped to the interval) and the weights (Dirichlet around the configured
weights). The accessible supply and the catalogue are taken as known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flows.pipeline.diagnostic import scoring

# Towns resampled together: bounds memory to about this many draws × towns × sectors × waves
# floats per array. The random numbers do not depend on it (see `resample`). Measured on a chunk
# of 4,000 towns at 100 draws: 1 M cells (8 MB arrays) cost 10–20 % less CPU than 4 M, which
# spill out of the processor's caches, and hold 150 MB less.
CHUNK_CELLS = 1_000_000
REASON_LIMIT = 2
TENSION_REASON_CLASS = 4


def window_years(waves: pd.DataFrame, end: int | None, count: int) -> list[int]:
    """The `count` most recent waves up to `end` (None: the latest)."""
    years = sorted(int(y) for y in waves["survey_year"].unique() if end is None or y <= end)
    return years[-int(count) :]


def published_window(waves: pd.DataFrame, params: dict[str, float]) -> list[int]:
    """The window the published diagnostic pools: bmo_window_waves waves up to bmo_window_end
    (0: the latest wave)."""
    return window_years(
        waves, int(params["bmo_window_end"]) or None, int(params["bmo_window_waves"])
    )


def _ranks(scores: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks (1 = highest score) along the last axis, and ranks among the `eligible` entries
    (NaN elsewhere); ties go to the earlier sector (sector codes are sorted). One sort serves
    both: the eligible entries keep, among themselves, the order of the whole."""
    s = np.round(scores, 12)
    order = np.argsort(-s, axis=-1, kind="stable")
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, s.shape[-1] + 1), s.shape), -1)
    among = np.empty(s.shape)
    np.put_along_axis(among, order, np.take_along_axis(eligible, order, -1).cumsum(-1), -1)
    return ranks, np.where(eligible, among, np.nan)


class Cube:
    """The window's waves as arrays (towns × sectors × waves), sectors in code order, ranked
    sectors (all but NC) first-class and NC kept for the territory totals."""

    def __init__(self, waves: pd.DataFrame, years: list[int]):
        w = waves[(waves["territory_type"] == "catchment") & waves["survey_year"].isin(years)]
        self.towns = sorted(w["territory_code"].unique())
        self.sectors = sorted(w["sector_code"].unique())
        self.years = years
        index = pd.MultiIndex.from_product(
            [self.towns, self.sectors, years],
            names=["territory_code", "sector_code", "survey_year"],
        )
        w = w.set_index(["territory_code", "sector_code", "survey_year"]).reindex(index)
        shape = (len(self.towns), len(self.sectors), len(years))

        def arr(col: str) -> np.ndarray:
            return w[col].fillna(0).to_numpy(dtype=float).reshape(shape)

        self.hiring = arr("hiring_projects")
        self.difficult = arr("difficult_projects")
        self.estimated = arr("hiring_estimated")
        self.censored_sd = np.sqrt(arr("hiring_censored_variance"))
        # National totals per wave: the same for every town.
        self.national_sector = arr("national_sector_hiring")[0]  # (sectors, waves)
        self.national = arr("national_hiring")[0, 0]  # (waves,)


def interval_draws(params: dict[str, float], n_towns: int) -> int:
    """Resampling draws for `n_towns` candidate towns: `rank_draws`, lowered for large candidate
    sets so that draws × towns stays within `rank_draw_budget` (the cost of the intervals grows
    with that product), but never below `rank_draws_min`. The mart records the draws used."""
    draws = int(params["rank_draws"])
    budget = params["rank_draw_budget"]
    floor = int(params["rank_draws_min"])
    if n_towns and draws * n_towns > budget:
        draws = max(min(draws, floor), int(budget // n_towns))
    return draws


def _percentile_from_counts(counts: np.ndarray, q: float) -> np.ndarray:
    """np.percentile's linear interpolation of integer ranks 1..K given their counts (…, K)
    over the draws; NaN where no draw counts. Counting replaces sorting the draws."""
    n = counts.sum(-1)
    cum = counts.cumsum(-1)
    v = q / 100 * (n - 1)
    lo = np.floor(v)
    hi = np.minimum(lo + 1, n - 1)
    a = 1 + (cum <= lo[..., None]).sum(-1)
    b = 1 + (cum <= hi[..., None]).sum(-1)
    return np.where(n > 0, a + (b - a) * (v - lo), np.nan)


def _rank_counts(ranks: np.ndarray, counted: np.ndarray, k: int) -> np.ndarray:
    """Counts (towns, sectors, k) of each rank 1..k over the draws (axis 0), where `counted`."""
    _, n_towns, n_sectors = ranks.shape
    cell = np.arange(n_towns * n_sectors).reshape(n_towns, n_sectors) * k
    index = (cell[None] + np.where(counted, ranks, 1).astype(np.int64) - 1)[counted]
    return np.bincount(index, minlength=n_towns * n_sectors * k).reshape(n_towns, n_sectors, k)


def resample(
    cube: Cube,
    fixed: pd.DataFrame,
    alpha: np.ndarray,
    phi: float,
    eligible_fixed: np.ndarray,
    params: dict[str, float],
) -> dict[str, np.ndarray]:
    """Rank statistics over `interval_draws` draws, per town × ranked sector.

    `fixed` holds, per town × sector (cube order), what resampling leaves alone: difficulty prior
    and strength, national rate, access and its median, the supply-thin flag. `eligible_fixed` is
    the catalogue condition; the market and readability conditions are re-evaluated per draw.

    Common random numbers: every town uses the same draws (wave weights, component weights and
    the standard normal deviates of each sector × wave's censoring noise, scaled by the town's
    own censoring sd). A town's intervals are thus the same whichever other towns are candidates
    (they depend on its own data and the draws alone), and the deviates cost draws × sectors ×
    waves instead of draws × towns × sectors × waves. Sectors and waves stay independent within a
    town, so each town's joint distribution is the one described in the module docstring."""
    n_towns = len(cube.towns)
    draws = interval_draws(params, n_towns)
    rng = np.random.default_rng(int(params["rank_seed"]))
    n_waves = len(cube.years)
    w0 = scoring.weights(params)
    concentration = params["weight_concentration"]
    wave_weights = rng.dirichlet(np.ones(n_waves), size=draws) * n_waves
    comp_weights = rng.dirichlet(concentration * w0, size=draws)
    deviates = rng.standard_normal((draws, 1, len(cube.sectors), n_waves))
    min_market = scoring.minimum_market(params)
    ranked = np.array([s != "NC" for s in cube.sectors])
    n_sectors = int(ranked.sum())

    def grid(col: str) -> np.ndarray:
        return fixed[col].to_numpy().reshape(n_towns, len(cube.sectors))

    strength, prior = grid("difficulty_prior_strength"), grid("difficulty_prior_rate")
    national_rate, thin = grid("national_difficulty_rate"), grid("is_supply_data_thin")
    access, median = grid("accessible_places_per_1000"), grid("national_median_places_per_1000")
    out = {
        k: np.empty((n_towns, n_sectors))
        for k in ("rank_low", "rank_high", "rec_low", "rec_high", "p_first", "p_top")
    }
    out["draws"] = np.full((n_towns, n_sectors), draws)
    top = int(params["recommended_sectors"])
    # Weighted means over the waves (the weights average 1), as scoring.pool does.
    gw = wave_weights / n_waves
    share_d = (cube.national_sector[None] * wave_weights[:, None, :]).sum(-1) / (
        cube.national[None] * wave_weights
    ).sum(-1)[:, None]
    threshold = max(min_market, params["min_readable_projects"])
    chunk = max(1, CHUNK_CELLS // (draws * len(cube.sectors) * n_waves))
    for start in range(0, n_towns, chunk):
        t = slice(start, min(start + chunk, n_towns))
        h = cube.hiring[t]
        est = cube.estimated[t]
        h_d = np.clip(h + deviates * cube.censored_sd[t], h - est, h + est).clip(min=0)
        n_d = np.einsum("dtsw,dw->dts", h_d, gw)
        e_d = n_d.sum(axis=2, keepdims=True) * share_d[:, None, :]
        # Difficult projects move with hiring: each wave's difficulty rate is kept.
        rate = np.divide(cube.difficult[t], h, out=np.zeros_like(h), where=h > 0)
        d_d = np.einsum("dtsw,dw->dts", h_d * rate, gw)
        annual = n_d
        parts = scoring.components(
            n_d,
            e_d,
            d_d,
            strength[t],
            prior[t],
            national_rate[t],
            access[t],
            median[t],
            thin[t],
            annual,
            alpha[None, None, :],
            phi,
            params,
        )
        parts = {k: np.broadcast_to(v, n_d.shape)[..., ranked] for k, v in parts.items()}
        s = scoring.score(parts, comp_weights)
        ok = eligible_fixed[t][None, :, ranked] & (annual[..., ranked] >= threshold)
        ranks, rec = _ranks(s, ok)
        every = _rank_counts(ranks, np.ones(ranks.shape, dtype=bool), n_sectors)
        eligible = _rank_counts(rec, ok, n_sectors)
        out["rank_low"][t] = _percentile_from_counts(every, 5)
        out["rank_high"][t] = _percentile_from_counts(every, 95)
        # A sector never eligible in any draw has no recommendation interval (NaN).
        out["rec_low"][t] = _percentile_from_counts(eligible, 5)
        out["rec_high"][t] = _percentile_from_counts(eligible, 95)
        out["p_first"][t] = eligible[..., 0] / draws
        out["p_top"][t] = eligible[..., :top].sum(-1) / draws
    return out


def tie_groups(recommended: pd.DataFrame) -> pd.Series:
    """Within a town, recommended sectors in rank order form tie groups: a sector joins the group
    of the sector before it when its 90 % interval reaches the group leader's interval (its best
    rank is not worse than the leader's worst rank). All towns advance together, rank by rank."""
    ordered = recommended.sort_values(["town_code", "recommendation_rank"])
    if ordered.empty:
        return pd.Series(np.nan, index=recommended.index)
    _, town = np.unique(ordered["town_code"].to_numpy(), return_inverse=True)
    position = ordered.groupby("town_code", sort=False).cumcount().to_numpy()
    shape = (town.max() + 1, position.max() + 1)
    low, high = np.full(shape, np.nan), np.full(shape, np.nan)
    low[town, position] = ordered["recommendation_rank_low"].to_numpy(dtype=float)
    high[town, position] = ordered["recommendation_rank_high"].to_numpy(dtype=float)
    groups = np.zeros(shape)
    group, leader_high = np.zeros(shape[0]), np.full(shape[0], -np.inf)
    for k in range(shape[1]):
        new = low[:, k] > leader_high
        group += new
        leader_high = np.where(new, high[:, k], leader_high)
        groups[:, k] = group
    return pd.Series(groups[town, position], index=ordered.index).reindex(recommended.index)


def rank_sectors(
    waves: pd.DataFrame,
    context: pd.DataFrame,
    params: dict[str, float],
    years: list[int] | None = None,
    phi_years: list[int] | None = None,
    intervals: bool = True,
) -> pd.DataFrame:
    """The ranked sectors of every town for the window `years` (default: from the parameters);
    φ and the gamma priors are estimated on the waves `phi_years` (default: the window)."""
    if years is None:
        years = published_window(waves, params)
    phi_years = phi_years or years
    phi = scoring.dispersion(waves, phi_years)
    pooled = scoring.pool(waves, years)
    bassins = pooled[pooled["territory_type"] == "bassin"]
    alpha_by_sector = scoring.gamma_prior(bassins, phi)
    alpha_d_by_sector = scoring.gamma_prior(
        bassins, phi, "difficult_projects", "expected_difficult"
    )

    towns = (
        pooled[pooled["territory_type"] == "catchment"]
        .rename(columns={"territory_code": "town_code"})
        .drop(columns="territory_type")
    )
    frame = towns.merge(context, on=["town_code", "sector_code"], how="left")
    frame = frame.sort_values(["town_code", "sector_code"]).reset_index(drop=True)
    alpha = frame["sector_code"].map(alpha_by_sector).to_numpy(dtype=float)
    alpha_d = frame["sector_code"].map(alpha_d_by_sector).to_numpy(dtype=float)
    frame["is_supply_data_thin"] = frame["is_supply_data_thin"].fillna(True).astype(bool)
    frame["is_in_operator_catalogue"] = frame["is_in_operator_catalogue"].fillna(False).astype(bool)
    for col in ("accessible_places_per_1000", "national_median_places_per_1000"):
        frame[col] = frame[col].fillna(0.0)

    parts = scoring.components(
        frame["hiring_projects"],
        frame["expected_hiring"],
        frame["difficult_projects"],
        frame["difficulty_prior_strength"],
        frame["difficulty_prior_rate"],
        frame["national_difficulty_rate"],
        frame["accessible_places_per_1000"],
        frame["national_median_places_per_1000"],
        frame["is_supply_data_thin"],
        frame["hiring_projects"],
        alpha,
        phi,
        params,
    )
    w = scoring.weights(params)
    for name, weight in zip(scoring.COMPONENTS, w, strict=True):
        frame[name] = parts[name]
        frame[f"contribution_{name}"] = weight * parts[name]
    frame["score"] = scoring.score(parts, w)

    frame["location_quotient"] = scoring.expected_share(
        frame["hiring_projects"], frame["expected_hiring"]
    )
    frame["location_quotient_shrunk"] = scoring.shrunk_quotient(
        frame["hiring_projects"], frame["expected_hiring"], alpha, phi
    )
    low, high = scoring.quotient_interval(
        frame["hiring_projects"], frame["hiring_estimated"], frame["expected_hiring"], alpha, phi
    )
    frame["location_quotient_low"], frame["location_quotient_high"] = low, high
    frame["difficult_location_quotient_shrunk"] = scoring.shrunk_quotient(
        frame["difficult_projects"], frame["expected_difficult"], alpha_d, phi
    )
    frame["region_location_quotient"] = scoring.expected_share(
        frame["hiring_projects"], frame["expected_region"]
    )
    frame["difficulty_rate_shrunk"] = scoring.shrunk_rate(
        frame["difficult_projects"],
        frame["hiring_projects"],
        frame["difficulty_prior_strength"],
        frame["difficulty_prior_rate"],
    )
    frame["estimated_share"] = scoring.expected_share(
        frame["hiring_estimated"], frame["hiring_projects"]
    )
    frame["minimum_market_projects"] = scoring.minimum_market(params)
    frame["annual_hiring_projects"] = frame["hiring_projects"]
    frame["hiring_projects"] = frame["annual_hiring_projects"] * frame["waves"]
    frame["difficult_projects"] = frame["difficult_projects"] * frame["waves"]
    frame["alpha"], frame["dispersion"] = alpha, phi

    frame = frame[frame["sector_code"] != "NC"].copy()
    frame["rank"] = frame.groupby("town_code")["score"].rank(method="first", ascending=False)
    readable = frame["annual_hiring_projects"] >= params["min_readable_projects"]
    market_ok = frame["annual_hiring_projects"] >= frame["minimum_market_projects"]
    frame["is_readable"] = readable
    frame["is_market_sufficient"] = market_ok
    frame["exclusion_code"] = np.select(
        [~readable, ~market_ok, ~frame["is_in_operator_catalogue"]],
        ["unreadable", "market_too_small", "outside_catalogue"],
        default=None,
    )
    eligible = frame["exclusion_code"].isna()
    frame["is_eligible"] = eligible
    order = frame.assign(_s=np.where(eligible, frame["score"], -np.inf)).sort_values(
        ["town_code", "_s", "sector_code"], ascending=[True, False, True]
    )
    order["recommendation_rank"] = order.groupby("town_code").cumcount() + 1
    frame["recommendation_rank"] = order["recommendation_rank"].where(eligible)
    frame["reason_codes"] = _reasons(frame)
    frame = frame.merge(trends(waves, years, params), on=["town_code", "sector_code"], how="left")
    frame = _partner_needs(frame, int(params["recommended_sectors"]))
    if intervals:
        frame = _with_intervals(frame, waves, pooled, years, context, alpha_by_sector, phi, params)
    frame["rank"] = frame["rank"].astype(int)
    frame["recommendation_rank"] = frame["recommendation_rank"].astype("Int64")
    return frame.reset_index(drop=True)


def by_wave(waves: pd.DataFrame, params: dict[str, float]) -> pd.DataFrame:
    """Every catchment's sector indicators for each wave and for the pooled window, with the
    dispersion and priors of the published window, so that a wave and the pool compare."""
    window = published_window(waves, params)
    phi = scoring.dispersion(waves, window)
    alpha = scoring.gamma_prior(
        (p := scoring.pool(waves, window))[p["territory_type"] == "bassin"], phi
    )
    years = sorted(int(y) for y in waves["survey_year"].unique())
    frames = []
    for label, chosen in [
        *((str(y), [y]) for y in years),
        (f"{min(window)}-{max(window)}", window),
    ]:
        pooled = scoring.pool(waves, chosen)
        towns = pooled[(pooled["territory_type"] == "catchment") & (pooled["sector_code"] != "NC")]
        a = towns["sector_code"].map(alpha).to_numpy(dtype=float)
        frames.append(
            pd.DataFrame(
                {
                    "town_code": towns["territory_code"],
                    "sector_code": towns["sector_code"],
                    "window": label,
                    "is_pooled": len(chosen) > 1,
                    "waves": towns["waves"],
                    "hiring_projects": towns["hiring_projects"],
                    "difficult_projects": towns["difficult_projects"],
                    "location_quotient": scoring.expected_share(
                        towns["hiring_projects"], towns["expected_hiring"]
                    ),
                    "location_quotient_shrunk": scoring.shrunk_quotient(
                        towns["hiring_projects"], towns["expected_hiring"], a, phi
                    ),
                    "difficulty_rate_shrunk": scoring.shrunk_rate(
                        towns["difficult_projects"],
                        towns["hiring_projects"],
                        towns["difficulty_prior_strength"],
                        towns["difficulty_prior_rate"],
                    ),
                    "national_difficulty_rate": towns["national_difficulty_rate"],
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["town_code", "sector_code", "is_pooled", "window"])
        .reset_index(drop=True)
    )


def trends(waves: pd.DataFrame, years: list[int], params: dict[str, float]) -> pd.DataFrame:
    """Change of each catchment's hiring projects from the window's first wave to its last, and
    whether the FAP 2009 / FAP 2021 break makes it unreliable: the window spans the break and the
    sector's national share moves across it by more than the tolerance."""
    w = waves[(waves["territory_type"] == "catchment") & waves["survey_year"].isin(years)]
    first, last = min(years), max(years)
    a = w[w["survey_year"] == first].set_index(["territory_code", "sector_code"])
    b = w[w["survey_year"] == last].set_index(["territory_code", "sector_code"])
    out = pd.DataFrame(
        {
            "trend_first_year": first,
            "trend_last_year": last,
            "hiring_first_wave": a["hiring_projects"],
            "hiring_last_wave": b["hiring_projects"],
        }
    )
    base = out["hiring_first_wave"]
    out["hiring_change"] = (out["hiring_last_wave"] / base - 1).where(
        (base >= params["min_readable_projects"]) & (first != last)
    )
    national = (
        # National figures are the same on every territory's rows: the bassins' are the fewest.
        waves[waves["territory_type"] == "bassin"]
        .groupby(["survey_year", "sector_code"])
        .agg(
            nomenclature=("metier_nomenclature", "first"),
            share=("national_sector_hiring", "first"),
            total=("national_hiring", "first"),
        )
        .reset_index()
    )
    national["share"] = national["share"] / national["total"]
    in_window = national[national["survey_year"].isin(years)]
    noms = in_window.groupby("survey_year")["nomenclature"].first().sort_index()
    crossed = [
        (y0, y1)
        for (y0, n0), (y1, n1) in zip(noms.items(), list(noms.items())[1:], strict=False)
        if n0 != n1
    ]
    affected = pd.Series(False, index=sorted(w["sector_code"].unique()))
    tolerance = np.log1p(params["nomenclature_break_tolerance"])
    for y0, y1 in crossed:
        s0 = in_window[in_window["survey_year"] == y0].set_index("sector_code")["share"]
        s1 = in_window[in_window["survey_year"] == y1].set_index("sector_code")["share"]
        moved = (np.log(s1 / s0).abs() > tolerance).reindex(affected.index, fill_value=True)
        affected |= moved
    out = out.reset_index().rename(columns={"territory_code": "town_code"})
    out["is_trend_break_affected"] = out["sector_code"].map(affected).fillna(False).astype(bool)
    return out


# The market is a condition of every recommendation, so it would lead the reasons of almost every
# recommended sector; it is named after what distinguishes the sector.
DISTINCTIVE = tuple(c for c in scoring.COMPONENTS if c != "market")


def _reasons(frame: pd.DataFrame) -> list[list[str]]:
    """The distinctive components that push the score up, strongest first (at most
    REASON_LIMIT), then 'market' when it adds to the score, then 'tension' when the bassin's
    official class is 4 or 5. Rows share a handful of patterns: each is worded once."""
    contributions = frame[[f"contribution_{c}" for c in DISTINCTIVE]].to_numpy(dtype=float)
    order = np.argsort(-contributions, axis=1, kind="stable")
    positive = np.take_along_axis(contributions, order, axis=1) > 0
    market = frame["contribution_market"].to_numpy(dtype=float) > 0
    tension = frame["tension_class"].fillna(0).to_numpy(dtype=float) >= TENSION_REASON_CLASS
    n = len(DISTINCTIVE)
    digits = np.column_stack([order, positive, market, tension]).astype(np.int64)
    keys = digits @ (n ** np.arange(digits.shape[1], dtype=np.int64))
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    worded = []
    for row in digits[first]:
        codes = [DISTINCTIVE[i] for i, up in zip(row[:n], row[n : 2 * n], strict=True) if up]
        codes = codes[:REASON_LIMIT] + ["market"] * row[2 * n] + ["tension"] * row[2 * n + 1]
        worded.append(codes)
    return [list(worded[i]) for i in inverse.ravel()]


def _partner_needs(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    """Strong needs the operator cannot deliver alone: outside the catalogue, readable, a market
    that feeds a cohort, and a score at least that of the town's last recommended sector (or
    above the national reference when nothing is recommended)."""
    rec = frame[frame["recommendation_rank"] <= top]
    bar = rec.groupby("town_code")["score"].min()
    threshold = frame["town_code"].map(bar).fillna(0.0)
    frame["is_partner_need"] = (
        ~frame["is_in_operator_catalogue"]
        & frame["is_readable"]
        & frame["is_market_sufficient"]
        & (frame["score"] >= threshold)
        & (frame["score"] > 0)
    )
    return frame


def _with_intervals(frame, waves, pooled, years, context, alpha_by_sector, phi, params):
    cube = Cube(waves, years)
    full = pd.MultiIndex.from_product(
        [cube.towns, cube.sectors], names=["town_code", "sector_code"]
    )
    fixed = (
        pooled[pooled["territory_type"] == "catchment"]
        .rename(columns={"territory_code": "town_code"})
        .merge(context, on=["town_code", "sector_code"], how="left")
        .set_index(["town_code", "sector_code"])
        .reindex(full)
    )
    fixed["is_supply_data_thin"] = fixed["is_supply_data_thin"].fillna(True).astype(bool)
    for col in ("accessible_places_per_1000", "national_median_places_per_1000"):
        fixed[col] = fixed[col].fillna(0.0)
    for col in ("difficulty_prior_strength", "difficulty_prior_rate", "national_difficulty_rate"):
        fixed[col] = fixed[col].fillna(0.0)
    eligible = fixed["is_in_operator_catalogue"].fillna(False).astype(bool).to_numpy()
    eligible = eligible.reshape(len(cube.towns), len(cube.sectors))
    alpha = np.array([alpha_by_sector.get(s, scoring.ALPHA_MAX) for s in cube.sectors])
    stats = resample(cube, fixed.reset_index(), alpha, phi, eligible, params)
    ranked = [s for s in cube.sectors if s != "NC"]
    idx = pd.MultiIndex.from_product([cube.towns, ranked], names=["town_code", "sector_code"])
    table = pd.DataFrame({k: v.ravel() for k, v in stats.items()}, index=idx).reset_index()
    table = table.rename(
        columns={
            "rank_low": "rank_low",
            "rank_high": "rank_high",
            "rec_low": "recommendation_rank_low",
            "rec_high": "recommendation_rank_high",
            "p_first": "probability_first",
            "p_top": "probability_recommended",
            "draws": "interval_draws",
        }
    )
    frame = frame.merge(table, on=["town_code", "sector_code"], how="left")
    eligible_rows = frame["recommendation_rank"].notna()
    for col in ("recommendation_rank_low", "recommendation_rank_high"):
        frame[col] = frame[col].where(eligible_rows)
    # A published rank at the edge of its draws' distribution (a market just over the threshold,
    # a neighbour just under it) can fall outside their 5–95 % percentiles: the interval is
    # widened to contain it, so that it never contradicts the rank it qualifies.
    for point, low, high in (
        ("rank", "rank_low", "rank_high"),
        ("recommendation_rank", "recommendation_rank_low", "recommendation_rank_high"),
    ):
        rank = frame[point].astype(float)  # NaN outside the recommendable sectors: kept NaN
        frame[low] = np.fmin(frame[low], rank)
        frame[high] = np.fmax(frame[high], rank)
    frame["tie_group"] = tie_groups(frame[eligible_rows])
    return frame
