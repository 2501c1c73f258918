"""The sector diagnostic's formulas: pooling BMO waves, specialisation, difficulty, supply, market.

Every function works on arrays or data frames, so that the point estimate, the resampling draws
(`uncertainty`) and the backtests (`evaluation`) all apply one definition of each formula.

Methods (cited in README "Method"):
- location quotient of hiring projects, LQ = (h_ts / h_t) / (H_s / H), the Carif-Oref *indice de
  spécificité*; its empirical-Bayes estimate is the Poisson-gamma model of Clayton & Kaldor (1987,
  *Biometrics* 43:671) with the method-of-moments prior of Marshall (1991, *Applied Statistics*
  40:283), the counts scaled by a quasi-Poisson dispersion φ (McCullagh & Nelder 1989, §4.5)
  because BMO counts are survey extrapolations, not raw counts;
- gamma quantiles by the Wilson–Hilferty cube-root approximation (Wilson & Hilferty 1931);
- the difficulty rate shrunk toward its département prior, (x + κ·p₀) / (n + κ), as in
  int_bmo__prior_rates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Two-sided 90 % intervals.
Z_05 = -1.6448536269514722
Z_95 = 1.6448536269514722
# Bounds of the gamma prior's shape: below 0.5 the prior is flatter than the data can justify
# estimating; above 1,000 it says "every territory has the national share", which the
# method of moments returns when between-territory variance is all sampling noise.
ALPHA_MIN, ALPHA_MAX = 0.5, 1000.0
# Cells smaller than this over two waves say nothing about dispersion beyond their rounding.
DISPERSION_MIN_PROJECTS = 20.0

COMPONENTS = ("specialisation", "difficulty", "supply_gap", "market")
WEIGHT_PARAMETERS = {c: f"weight_{c}" for c in COMPONENTS}


def expected_share(part: np.ndarray | pd.Series, whole: np.ndarray | pd.Series):
    """part / whole, 0 where the whole is 0."""
    part = np.asarray(part, dtype=float)
    whole = np.asarray(whole, dtype=float)
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)


MEANS = (
    "hiring_projects",
    "difficult_projects",
    "hiring_estimated",
    "territory_hiring",
    "territory_difficult",
    "national_sector_hiring",
    "national_hiring",
    "national_sector_difficult",
    "national_difficult",
    "region_sector_hiring",
    "region_hiring",
    "difficulty_prior_rate",
    "difficulty_prior_strength",
)


def pool(waves: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The average wave of the window `years`, per territory × sector: every count is the mean
    over the waves, and the expected count is the territory's mean total × the sector's pooled
    national share (Σ H_s / Σ H). Waves are averaged, not summed: the dispersion φ measured from
    wave to wave includes real year-to-year change, so a window reads as one average year of
    evidence, and a wave equal to the window's mean changes nothing. The censoring variance of
    a mean of W waves is Σ variance / W²."""
    w = waves[waves["survey_year"].isin(years)]
    keys = ["territory_type", "territory_code", "sector_code"]
    grouped = w.groupby(keys, sort=True)
    pooled = grouped[list(MEANS)].mean()
    # One row per territory × sector × wave (int_territory_sector__waves' grain).
    pooled["waves"] = grouped.size()
    pooled["hiring_censored_variance"] = (
        grouped["hiring_censored_variance"].sum() / pooled["waves"] ** 2
    )
    pooled["expected_hiring"] = pooled["territory_hiring"] * expected_share(
        pooled["national_sector_hiring"], pooled["national_hiring"]
    )
    pooled["expected_difficult"] = pooled["territory_difficult"] * expected_share(
        pooled["national_sector_difficult"], pooled["national_difficult"]
    )
    pooled["expected_region"] = pooled["territory_hiring"] * expected_share(
        pooled["region_sector_hiring"], pooled["region_hiring"]
    )
    pooled["national_difficulty_rate"] = expected_share(
        pooled["national_sector_difficult"], pooled["national_sector_hiring"]
    )
    return pooled.reset_index()


def dispersion(waves: pd.DataFrame, years: list[int]) -> float:
    """Quasi-Poisson dispersion φ of bassin × sector hiring counts from consecutive waves.

    For two waves of one cell with expected counts e₁, e₂ (the bassin's total × the national
    share), n₁ given n₁ + n₂ is binomial with p = e₁ / (e₁ + e₂) when the cell's quotient holds
    still; the Pearson statistic (n₁ − (n₁ + n₂)p)² / ((n₁ + n₂)p(1 − p)) has expectation φ.
    Pairs inside one métier nomenclature are used when there are any (the FAP break would read as
    dispersion); φ below 1 is taken as 1. One wave alone cannot measure it: φ = 1 (Poisson).
    """
    bassins = waves[(waves["territory_type"] == "bassin") & waves["survey_year"].isin(years)]
    ordered = sorted(set(years))
    nomenclature = bassins.groupby("survey_year")["metier_nomenclature"].first().to_dict()
    pairs = [(a, b) for a, b in zip(ordered, ordered[1:], strict=False)]
    same = [(a, b) for a, b in pairs if nomenclature.get(a) == nomenclature.get(b)]
    pairs = same or pairs
    stats = []
    for a, b in pairs:
        one = bassins[bassins["survey_year"] == a].set_index(["territory_code", "sector_code"])
        two = bassins[bassins["survey_year"] == b].set_index(["territory_code", "sector_code"])
        both = one.join(two, suffixes=("_1", "_2"), how="inner")
        e1 = both["territory_hiring_1"] * expected_share(
            both["national_sector_hiring_1"], both["national_hiring_1"]
        )
        e2 = both["territory_hiring_2"] * expected_share(
            both["national_sector_hiring_2"], both["national_hiring_2"]
        )
        total = both["hiring_projects_1"] + both["hiring_projects_2"]
        keep = (total >= DISPERSION_MIN_PROJECTS) & (e1 > 0) & (e2 > 0)
        p = (e1 / (e1 + e2))[keep]
        n1, t = both["hiring_projects_1"][keep], total[keep]
        stats.append(((n1 - t * p) ** 2 / (t * p * (1 - p))).to_numpy())
    if not stats or not sum(len(s) for s in stats):
        return 1.0
    return significant(max(1.0, float(np.mean(np.concatenate(stats)))))


def significant(x: float, digits: int = 3) -> float:
    """`x` to `digits` significant digits. The dispersion and the priors are estimates far less
    precise than that; rounding them keeps the float noise of DuckDB's parallel sums (which differ
    in the last bits from one build to the next) from moving a score, and with it a rank.
    α = m² / A amplifies that noise where A, a difference, is close to 0."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def gamma_prior(
    pooled_bassins: pd.DataFrame,
    phi: float,
    count: str = "hiring_projects",
    expected: str = "expected_hiring",
) -> pd.Series:
    """Shape α of each sector's gamma prior (mean 1: the national share) by Marshall's method of
    moments over bassins, on counts scaled by φ: with r = n / e, m = Σn / Σe,
    s² = Σ e (r − m)² / Σ e and ē the mean expected count, the between-bassin variance is
    A = s² − φ·m / ē and α = m² / A, clipped to [ALPHA_MIN, ALPHA_MAX]."""

    def one(group: pd.DataFrame) -> float:
        e = group[expected].to_numpy(dtype=float)
        n = group[count].to_numpy(dtype=float)
        keep = e > 0
        e, n = e[keep], n[keep]
        if e.sum() <= 0:
            return ALPHA_MAX
        m = n.sum() / e.sum()
        s2 = float(np.sum(e * (n / e - m) ** 2) / e.sum())
        between = s2 - phi * m / e.mean()
        if between <= 0:
            return ALPHA_MAX
        return significant(float(np.clip(m * m / between, ALPHA_MIN, ALPHA_MAX)))

    return pooled_bassins.groupby("sector_code")[[count, expected]].apply(one)


def shrunk_quotient(n, e, alpha, phi):
    """Posterior mean of the quotient θ under n ~ φ·Poisson(e·θ / φ), θ ~ Gamma(α, α)."""
    return (np.asarray(n) / phi + alpha) / (np.asarray(e) / phi + alpha)


def gamma_quantile(shape, rate, z):
    """Wilson–Hilferty approximation of a Gamma(shape, rate) quantile at normal deviate z."""
    shape = np.asarray(shape, dtype=float)
    cube = np.maximum(1 - 1 / (9 * shape) + z / (3 * np.sqrt(shape)), 0)
    return shape * cube**3 / np.asarray(rate, dtype=float)


def quotient_interval(n, censored, e, alpha, phi):
    """90 % interval of the quotient: the posterior's 5 % quantile with every censored secret cell
    at 0, its 95 % quantile with every one at the censoring bound (the cells' estimate ± itself)."""
    n, censored = np.asarray(n, dtype=float), np.asarray(censored, dtype=float)
    rate = np.asarray(e) / phi + alpha
    low = gamma_quantile(np.maximum(n - censored, 0) / phi + alpha, rate, Z_05)
    high = gamma_quantile((n + censored) / phi + alpha, rate, Z_95)
    return low, high


def shrunk_rate(difficult, hiring, strength, prior):
    """Empirical-Bayes difficulty rate (x + κ·p₀) / (n + κ); NaN where there is neither a
    project nor a prior (a sector absent from every bassin of the wave)."""
    top = np.asarray(difficult, dtype=float) + np.asarray(strength) * np.asarray(prior)
    bottom = np.asarray(hiring, dtype=float) + np.asarray(strength)
    return np.divide(
        top, bottom, out=np.full(np.broadcast(top, bottom).shape, np.nan), where=bottom > 0
    )


def log_ratio(x, reference, cap_ratio: float):
    """ln(x / reference) clipped to ±ln(cap_ratio); 0 where either side is not positive."""
    x = np.asarray(x, dtype=float)
    reference = np.broadcast_to(np.asarray(reference, dtype=float), x.shape)
    ok = (x > 0) & (reference > 0)
    out = np.zeros(x.shape)
    np.log(np.divide(x, reference, out=np.ones(x.shape), where=ok), out=out, where=ok)
    cap = np.log(cap_ratio)
    return np.clip(out, -cap, cap)


def minimum_market(params: dict[str, float]) -> float:
    """Hiring projects a year a sector's catchment needs so that one cohort (the smallest
    concept's learners shared over the recommended sectors) stays within the maximum share of
    its annual hiring."""
    cohort = params["turnkey_learners"] / params["recommended_sectors"]
    return cohort / params["max_cohort_share_of_hiring"]


def weights(params: dict[str, float]) -> np.ndarray:
    """The component weights, normalised to sum to 1 (in COMPONENTS order)."""
    w = np.array([params[WEIGHT_PARAMETERS[c]] for c in COMPONENTS], dtype=float)
    return w / w.sum()


def components(
    hiring,
    expected,
    difficult,
    strength,
    prior,
    national_rate,
    access,
    median_access,
    is_supply_thin,
    annual_hiring,
    alpha,
    phi,
    params: dict[str, float],
) -> dict[str, np.ndarray]:
    """The four score components, each a clipped log ratio (0 = the national reference)."""
    cap = params["component_cap_ratio"]
    supply = log_ratio(1 + np.asarray(median_access, dtype=float), 1 + np.asarray(access), cap)
    return {
        "specialisation": log_ratio(shrunk_quotient(hiring, expected, alpha, phi), 1.0, cap),
        "difficulty": log_ratio(
            shrunk_rate(difficult, hiring, strength, prior), national_rate, cap
        ),
        "supply_gap": np.where(np.asarray(is_supply_thin, dtype=bool), 0.0, supply),
        "market": np.minimum(
            log_ratio(annual_hiring, minimum_market(params), cap),
            np.log(params["market_saturation_ratio"]),
        ),
    }


def score(parts: dict[str, np.ndarray], w: np.ndarray) -> np.ndarray:
    """Σ weight × component; `w` is (components,) or (draws, components) for resampling."""
    stacked = np.stack([np.asarray(parts[c], dtype=float) for c in COMPONENTS], axis=-1)
    if w.ndim == 1:
        return stacked @ w
    # stacked: (draws, towns, sectors, components); w: (draws, components)
    return np.einsum("dtsc,dc->dts", stacked, w)
