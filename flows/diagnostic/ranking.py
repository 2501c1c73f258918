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

import warnings

import numpy as np
import pandas as pd

from flows.diagnostic import scoring

# Towns resampled together: bounds memory to draws × towns × sectors × waves floats.
CHUNK_TOWNS = 200
REASON_LIMIT = 2
TENSION_REASON_CLASS = 4


def window_years(waves: pd.DataFrame, end: int | None, count: int) -> list[int]:
    """The `count` most recent waves up to `end` (None: the latest)."""
    years = sorted(int(y) for y in waves["survey_year"].unique() if end is None or y <= end)
    return years[-int(count) :]


def _ranks(scores: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Ranks (1 = highest score) along the last axis; ties go to the earlier sector (sector codes
    are sorted). Ineligible entries get NaN and do not take a rank."""
    s = np.round(scores, 12)
    if eligible is not None:
        s = np.where(eligible, s, -np.inf)
    order = np.argsort(-s, axis=-1, kind="stable")
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, s.shape[-1] + 1), s.shape), -1)
    if eligible is not None:
        ranks = np.where(eligible, ranks, np.nan)
    return ranks


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


def resample(
    cube: Cube,
    fixed: pd.DataFrame,
    alpha: np.ndarray,
    phi: float,
    eligible_fixed: np.ndarray,
    params: dict[str, float],
) -> dict[str, np.ndarray]:
    """Rank statistics over `rank_draws` draws, per town × ranked sector.

    `fixed` holds, per town × sector (cube order), what resampling leaves alone: difficulty prior
    and strength, national rate, access and its median, the supply-thin flag. `eligible_fixed` is
    the catalogue condition; the market and readability conditions are re-evaluated per draw."""
    draws = int(params["rank_draws"])
    rng = np.random.default_rng(int(params["rank_seed"]))
    n_waves = len(cube.years)
    w0 = scoring.weights(params)
    concentration = params["weight_concentration"]
    wave_weights = rng.dirichlet(np.ones(n_waves), size=draws) * n_waves
    comp_weights = rng.dirichlet(concentration * w0, size=draws)
    min_market = scoring.minimum_market(params)
    ranked = np.array([s != "NC" for s in cube.sectors])
    n_towns, n_sectors = len(cube.towns), int(ranked.sum())

    def grid(col: str) -> np.ndarray:
        return fixed[col].to_numpy().reshape(n_towns, len(cube.sectors))

    strength, prior = grid("difficulty_prior_strength"), grid("difficulty_prior_rate")
    national_rate, thin = grid("national_difficulty_rate"), grid("is_supply_data_thin")
    access, median = grid("accessible_places_per_1000"), grid("national_median_places_per_1000")
    out = {
        k: np.empty((n_towns, n_sectors))
        for k in ("rank_low", "rank_high", "rec_low", "rec_high", "p_first", "p_top")
    }
    top = int(params["recommended_sectors"])
    for start in range(0, n_towns, CHUNK_TOWNS):
        t = slice(start, min(start + CHUNK_TOWNS, n_towns))
        h = cube.hiring[t]
        noise = rng.standard_normal((draws, *h.shape)) * cube.censored_sd[t]
        est = cube.estimated[t]
        h_d = np.clip(h + noise, h - est, h + est).clip(min=0)
        # Weighted means over the waves (the weights average 1), as scoring.pool does.
        gw = wave_weights[:, None, None, :] / n_waves
        n_d = (h_d * gw).sum(-1)
        total_d = n_d.sum(axis=2, keepdims=True)
        share_d = (cube.national_sector[None] * wave_weights[:, None, :]).sum(-1) / (
            cube.national[None] * wave_weights
        ).sum(-1)[:, None]
        e_d = total_d * share_d[:, None, :]
        scale = np.divide(h_d, h, out=np.zeros_like(h_d), where=h > 0)
        d_d = (cube.difficult[t] * scale * gw).sum(-1)
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
        ranks = _ranks(s)
        ok = eligible_fixed[t][None, :, ranked] & (
            annual[..., ranked] >= max(min_market, params["min_readable_projects"])
        )
        rec = _ranks(s, ok)
        out["rank_low"][t] = np.percentile(ranks, 5, axis=0)
        out["rank_high"][t] = np.percentile(ranks, 95, axis=0)
        with warnings.catch_warnings():
            # A sector never eligible in any draw has no recommendation interval (NaN).
            warnings.simplefilter("ignore", RuntimeWarning)
            out["rec_low"][t] = np.nanpercentile(np.where(ok, rec, np.nan), 5, axis=0)
            out["rec_high"][t] = np.nanpercentile(np.where(ok, rec, np.nan), 95, axis=0)
        out["p_first"][t] = (rec == 1).mean(axis=0)
        out["p_top"][t] = (rec <= top).mean(axis=0)
    return out


def tie_groups(recommended: pd.DataFrame) -> pd.Series:
    """Within a town, recommended sectors in rank order form tie groups: a sector joins the group
    of the sector before it when its 90 % interval reaches the group leader's interval (its best
    rank is not worse than the leader's worst rank)."""
    groups = pd.Series(np.nan, index=recommended.index)
    for _, town in recommended.sort_values("recommendation_rank").groupby("town_code"):
        group, leader_high = 0, -np.inf
        for idx, row in town.iterrows():
            if row["recommendation_rank_low"] > leader_high:
                group += 1
                leader_high = row["recommendation_rank_high"]
            groups[idx] = group
    return groups


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
        end = int(params["bmo_window_end"]) or None
        years = window_years(waves, end, int(params["bmo_window_waves"]))
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
        frame = _with_intervals(frame, waves, years, context, alpha_by_sector, phi, params)
    frame["rank"] = frame["rank"].astype(int)
    frame["recommendation_rank"] = frame["recommendation_rank"].astype("Int64")
    return frame.reset_index(drop=True)


def by_wave(waves: pd.DataFrame, params: dict[str, float]) -> pd.DataFrame:
    """Every catchment's sector indicators for each wave and for the pooled window, with the
    dispersion and priors of the published window, so that a wave and the pool compare."""
    end = int(params["bmo_window_end"]) or None
    window = window_years(waves, end, int(params["bmo_window_waves"]))
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
        waves[waves["territory_type"] == "catchment"]
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
    official class is 4 or 5."""
    contributions = frame[[f"contribution_{c}" for c in DISTINCTIVE]].to_numpy()
    market = frame["contribution_market"].to_numpy()
    tension = frame["tension_class"].fillna(0).to_numpy()
    out = []
    for row, m, cls in zip(contributions, market, tension, strict=True):
        order = np.argsort(-row, kind="stable")
        codes = [DISTINCTIVE[i] for i in order if row[i] > 0][:REASON_LIMIT]
        if m > 0:
            codes.append("market")
        if cls >= TENSION_REASON_CLASS:
            codes.append("tension")
        out.append(codes)
    return out


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


def _with_intervals(frame, waves, years, context, alpha_by_sector, phi, params):
    cube = Cube(waves, years)
    full = pd.MultiIndex.from_product(
        [cube.towns, cube.sectors], names=["town_code", "sector_code"]
    )
    pooled = scoring.pool(waves, years)
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
        }
    )
    frame = frame.merge(table, on=["town_code", "sector_code"], how="left")
    eligible_rows = frame["recommendation_rank"].notna()
    for col in ("recommendation_rank_low", "recommendation_rank_high"):
        frame[col] = frame[col].where(eligible_rows)
    frame["tie_group"] = tie_groups(frame[eligible_rows])
    return frame
