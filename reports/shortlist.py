"""The jury shortlist: a transparent multi-criteria ranking of candidate towns, with uncertainty.

Every function here but `load_inputs` is a plain function on data frames, so each criterion, the
aggregation, the Monte Carlo and the set selection can be tested without a warehouse.
`load_inputs` is the thin reader of the marts (`mart_town__profile`, `mart_town__shortlist_inputs`,
`mart_town_sector__ranking`, `mart_town_lycee_sector__shortlist_partners`,
`mart_town__catchment_communes`, `meta_build`).

The chain: `indicators` (one row per town: the raw figures of every criterion, each oriented so
that more means more need or more capacity) → `rank_towns` (normalisation, weighted sum, headline
rank and its decomposition) → `monte_carlo` (ranks under weights drawn around the defaults and
every normalisation) → `concepts` (the implantation concept and the rule that chose it) →
`select_towns` (a set of K towns covering the most need with little catchment overlap).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from connectors import candidates, cells

NORMALISATIONS = ("minmax", "zscore", "rank")
NORMALISATION_LABELS = {
    "minmax": "min-max (0 à 1 entre la plus faible et la plus forte valeur)",
    "zscore": "z-score (écart à la moyenne en écarts-types)",
    "rank": "rang centile (0 à 1 selon le rang)",
}
# The headline rank: min-max is the one a jury can read as points out of 100 and, unlike the
# z-score, raising one town's need can never lower its rank (a z-score's spread grows with the
# outlier it standardises).
HEADLINE_NORMALISATION = "minmax"


@dataclass(frozen=True)
class Indicator:
    column: str
    label: str
    direction: int  # +1: more is more need (or capacity); -1: less is more need
    number_format: str


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    sheet: str
    definition: str
    indicators: tuple[Indicator, ...]


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "higher_education",
        "Éloignement de l'enseignement supérieur",
        "Enseignement supérieur",
        "Temps de trajet estimé jusqu'au site d'enseignement supérieur le plus proche (plus il est "
        "long, plus le besoin est grand) et places d'enseignement supérieur (étudiants des sites "
        "et places de BTS) dans la zone de 30 minutes pour 1 000 habitants de 15 à 64 ans (moins "
        "il y en a, plus le besoin est grand).",
        (
            Indicator(
                "nearest_higher_education_minutes",
                "Temps jusqu'au site d'enseignement supérieur le plus proche (min)",
                +1,
                "0",
            ),
            Indicator(
                "higher_education_places_per_1000",
                "Places d'enseignement supérieur dans la zone pour 1 000 habitants de 15-64 ans",
                -1,
                "#,##0.0",
            ),
        ),
    ),
    Criterion(
        "skills_gap",
        "Intensité des besoins en compétences",
        "Besoins en compétences",
        "Score moyen des {top_sectors} premières filières de la ville dans le classement des "
        "filières (tension des recrutements, volume et déficit d'offre de formation, en écarts à "
        "la référence nationale).",
        (Indicator("top_sector_score", "Score moyen des premières filières", +1, "0.00"),),
    ),
    Criterion(
        "social_need",
        "Besoins sociaux",
        "Besoins sociaux",
        "Taux de chômage (recensement, 15-64 ans), demandeurs d'emploi (catégories A, B, C, "
        "moyenne annuelle) par habitant de 15 à 64 ans et niveau de vie médian (plus il est bas, "
        "plus le besoin est grand), pour la commune.",
        (
            Indicator("unemployment_rate", "Taux de chômage", +1, "0.0%"),
            Indicator(
                "jobseekers_per_working_age",
                "Demandeurs d'emploi par habitant de 15-64 ans",
                +1,
                "0.0%",
            ),
            Indicator("median_living_standard_eur", "Niveau de vie médian (€)", -1, '#,##0" €"'),
        ),
    ),
    Criterion(
        "audience",
        "Public potentiel",
        "Public potentiel",
        "Apprenants potentiels par an (actifs de 15 à 64 ans de la zone × taux de participation) "
        "rapportés au seuil de rentabilité haut d'un centre, plafonnés : au-delà, plus de public "
        "n'ajoute rien.",
        (Indicator("audience_ratio", "Apprenants potentiels / seuil de rentabilité", +1, "0.00"),),
    ),
    Criterion(
        "partners",
        "Partenaires sur place",
        "Partenaires",
        "Lycées de la commune offrant une formation professionnelle (capacités Affelnet) dans au "
        "moins une des filières recommandées, et nombre de filières recommandées qu'ils couvrent.",
        (
            Indicator(
                "partner_lycees", "Lycées partenaires dans les filières recommandées", +1, "0"
            ),
            Indicator("partner_sectors_covered", "Filières recommandées couvertes", +1, "0"),
        ),
    ),
)
CRITERION_KEYS = tuple(c.key for c in CRITERIA)

CONCEPTS = {
    "turnkey": "Clef en main",
    "third_place": "Tiers-lieu",
    "progressive": "Progressif",
}
CONCEPT_DEFINITIONS = {
    "turnkey": "Clef en main, adossé à un lycée professionnel ou technologique : formation dès la "
    "première année, environ {turnkey_learners:.0f} apprenants en régime de croisière.",
    "third_place": "Tiers-lieu pour les publics éloignés de l'emploi (demandeurs d'emploi, jeunes "
    "sans qualification, inclusion numérique) : environ {third_place_people:.0f} personnes par an.",
    "progressive": "Progressif : services d'abord, formation montant en charge sur trois ans, "
    "surtout à distance : environ {progressive_learners:.0f} apprenants après trois ans.",
}

INSEE_CODE = re.compile(r"\d[\dAB]\d{3}")


class ShortlistError(ValueError):
    """The shortlist cannot be made as asked; the message says what to change."""


# --- Settings ----------------------------------------------------------------------------------


def weights(params: Mapping[str, float]) -> np.ndarray:
    """Criterion weights in CRITERIA order, normalised to sum to 1."""
    raw = np.array([params[f"weight_{key}"] for key in CRITERION_KEYS], dtype=float)
    if (raw < 0).any() or raw.sum() <= 0:
        raise ShortlistError(
            f"shortlist weights must be non-negative with a positive sum, got "
            f"{dict(zip(CRITERION_KEYS, raw.tolist(), strict=True))}: fix GPECT_SHORTLIST_WEIGHT_*"
        )
    return raw / raw.sum()


# --- Candidate list ----------------------------------------------------------------------------


def resolve_candidates(lines: Iterable[str], towns: pd.DataFrame) -> list[str]:
    """INSEE codes of the towns a candidates file names, in the grammar of
    `connectors/candidates.py` (codes or names; 'Name (département)' picks among homonyms).

    `towns` has town_code, town_label, departement_code: the candidate towns of the warehouse.
    Every problem is reported at once.
    """
    try:
        return candidates.resolve(
            candidates.parse_lines(lines),
            towns,
            unknown_code="not a candidate town of this warehouse; rebuild it with "
            "`gpect build --candidates FILE` listing that INSEE code",
            unknown_name="no candidate town of that name",
            nearest="candidate towns",
            outside="A commune outside the candidates needs `gpect build --candidates FILE` "
            "with its INSEE code.",
        )
    except candidates.CandidatesError as exc:
        raise ShortlistError(str(exc)) from exc


# --- Criteria: raw indicators ------------------------------------------------------------------


def higher_education(profile: pd.DataFrame) -> pd.DataFrame:
    """Travel time to the nearest higher-education site, and higher-education places (students of
    the sites and BTS places) in the catchment per 1,000 working-age residents."""
    places = profile["catchment_higher_education_students"].fillna(0) + profile[
        "catchment_bts_places"
    ].fillna(0)
    per_1000 = 1000 * places / profile["catchment_working_age_population"].where(lambda s: s > 0)
    return pd.DataFrame(
        {
            "town_code": profile["town_code"],
            "nearest_higher_education_minutes": profile["nearest_higher_education_minutes"],
            "higher_education_places": places,
            "higher_education_places_per_1000": per_1000,
        }
    )


def skills_gap(ranking: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Mean score of each town's `top_n` best-ranked sectors, and which sectors they are."""
    top = ranking[ranking["rank"] <= top_n].sort_values(["town_code", "rank"])
    grouped = top.groupby("town_code", sort=True)
    return pd.DataFrame(
        {
            "top_sector_score": grouped["score"].mean(),
            "top_sector_codes": grouped["sector_code"].agg(" ; ".join),
            "top_sectors": grouped["sector_label"].agg(" ; ".join),
        }
    ).reset_index()


def social_need(profile: pd.DataFrame) -> pd.DataFrame:
    return profile[
        [
            "town_code",
            "unemployment_rate",
            "jobseekers_per_working_age",
            "median_living_standard_eur",
        ]
    ].copy()


def audience(profile: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Potential learners a year = catchment active population × participation rate, against the
    break-even band; the criterion is that ratio to the band's upper bound, capped."""
    learners = profile["catchment_active_population"] * params["participation_rate"]
    ratio = learners / params["break_even_high"]
    low, high = params["break_even_low"], params["break_even_high"]
    status = np.select(
        [learners < low, learners < high],
        [f"sous le seuil ({low:.0f})", f"dans la zone de rentabilité ({low:.0f} à {high:.0f})"],
        f"au-delà de la zone de rentabilité ({high:.0f})",
    )
    return pd.DataFrame(
        {
            "town_code": profile["town_code"],
            "catchment_active_population": profile["catchment_active_population"],
            "potential_learners": learners,
            "audience_ratio": ratio.clip(upper=params["audience_cap"]),
            "audience_status": np.where(learners.isna(), None, status),
        }
    )


def partners(
    lycees: pd.DataFrame, top_sector_codes: pd.DataFrame, towns: Iterable[str]
) -> pd.DataFrame:
    """Lycées of the town that teach at least one of its recommended sectors.

    `lycees`: town_code, uai_code, establishment_label, is_lycee_des_metiers, sector_code (one row
    per town × lycée × sector); `top_sector_codes`: town_code, sector_code of the recommended
    sectors."""
    matched = lycees.merge(top_sector_codes, on=["town_code", "sector_code"])
    names = (
        matched.drop_duplicates(["town_code", "uai_code"])
        .assign(
            name=lambda d: (
                d["establishment_label"].fillna("UAI " + d["uai_code"])
                + np.where(d["is_lycee_des_metiers"].astype(bool), " (lycée des métiers)", "")
            )
        )
        .sort_values(["town_code", "name"])
        .groupby("town_code")["name"]
        .agg(" ; ".join)
    )
    grouped = matched.groupby("town_code")
    out = pd.DataFrame({"town_code": sorted(set(towns))}).set_index("town_code")
    out["partner_lycees"] = grouped["uai_code"].nunique()
    out["partner_sectors_covered"] = grouped["sector_code"].nunique()
    out["partner_names"] = names
    out[["partner_lycees", "partner_sectors_covered"]] = (
        out[["partner_lycees", "partner_sectors_covered"]].fillna(0).astype(int)
    )
    return out.reset_index()


def eligibility(profile: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """Eligibility flags, shown beside the rank and never used to drop a town."""
    low, high = params["population_min"], params["population_max"]
    uu_pop = profile["urban_unit_population"]
    return pd.DataFrame(
        {
            "town_code": profile["town_code"],
            "population": profile["population"],
            "has_urban_unit": profile["has_urban_unit"].astype(bool),
            "urban_unit_population": uu_pop,
            "is_population_in_band": profile["population"].between(low, high),
            # No urban unit (INSEE's '<dep>000' code): the condition cannot be met.
            "is_urban_unit_in_band": profile["has_urban_unit"].astype(bool)
            & uu_pop.between(low, high),
            "is_acv": profile["is_acv"].astype(bool),
            "is_acv2": profile["is_acv2"].astype(bool),
            "is_territoire_industrie": profile["is_territoire_industrie"].astype(bool),
        }
    )


def indicators(
    profile: pd.DataFrame,
    ranking: pd.DataFrame,
    lycees: pd.DataFrame,
    params: Mapping[str, float],
) -> pd.DataFrame:
    """One row per town (sorted by INSEE code): identity, eligibility and every criterion's raw
    indicators."""
    profile = profile.sort_values("town_code").reset_index(drop=True)
    top_n = int(params["top_sectors"])
    gap = skills_gap(ranking, top_n)
    top_codes = ranking.loc[ranking["rank"] <= top_n, ["town_code", "sector_code"]]
    frames = [
        eligibility(profile, params),
        higher_education(profile),
        gap,
        social_need(profile),
        audience(profile, params),
        partners(lycees, top_codes, profile["town_code"]),
    ]
    out = profile[["town_code", "town_label", "departement_code"]]
    for frame in frames:
        out = out.merge(frame, on="town_code", how="left", validate="one_to_one")
    return out


# --- Aggregation -------------------------------------------------------------------------------


def normalise(values: pd.Series, method: str) -> pd.Series:
    """Scale one indicator (already oriented: more = more need) across the candidate towns.

    A missing value gets the method's neutral position (0.5, or 0 for the z-score) so that it
    neither helps nor harms; a constant indicator gives every town that neutral position."""
    x = values.astype(float)
    seen = x.dropna()
    neutral = 0.0 if method == "zscore" else 0.5
    if method == "minmax":
        spread = seen.max() - seen.min() if len(seen) else 0.0
        scaled = (x - seen.min()) / spread if spread > 0 else x * 0 + neutral
    elif method == "zscore":
        sd = seen.std(ddof=0) if len(seen) else 0.0
        scaled = (x - seen.mean()) / sd if sd > 0 else x * 0 + neutral
    elif method == "rank":
        scaled = (x.rank(method="average") - 1) / (len(seen) - 1) if len(seen) > 1 else x * 0 + 0.5
    else:
        raise ShortlistError(f"unknown normalisation {method!r}; use one of {NORMALISATIONS}")
    return scaled.fillna(neutral)


def criterion_values(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Each criterion's value per town: the mean of its normalised indicators (one column per
    criterion, in CRITERIA order, plus `<indicator>__norm` columns)."""
    out = {}
    for criterion in CRITERIA:
        parts = []
        for ind in criterion.indicators:
            norm = normalise(ind.direction * table[ind.column], method)
            out[f"{ind.column}__norm"] = norm
            parts.append(norm)
        out[criterion.key] = sum(parts) / len(parts)
    return pd.DataFrame(out, index=table.index)


def rank_towns(table: pd.DataFrame, w: np.ndarray, method: str = HEADLINE_NORMALISATION):
    """Score = Σ weight × criterion value, its decomposition (`contribution_<criterion>`, in points
    out of 100 for min-max) and the rank (1 = strongest case; ties go to the smaller INSEE code).

    Returns `table` sorted by INSEE code with the added columns."""
    table = table.sort_values("town_code").reset_index(drop=True)
    values = criterion_values(table, method)
    contributions = values[list(CRITERION_KEYS)].to_numpy() * w * 100
    out = table.copy()
    for j, key in enumerate(CRITERION_KEYS):
        out[f"criterion_{key}"] = values[key]
        out[f"contribution_{key}"] = contributions[:, j]
    for column in values.columns:
        if column.endswith("__norm"):
            out[column] = values[column]
    out["score"] = contributions.sum(axis=1)
    out["rank"] = _ranks(out["score"].to_numpy()[None, :])[0]
    labels = pd.DataFrame(
        {ind.label: table[ind.column].isna() for c in CRITERIA for ind in c.indicators}
    )
    out["missing_indicators"] = [
        " ; ".join(labels.columns[row]) or None for row in labels.to_numpy()
    ]
    return out


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks per row of a (draws × towns) score matrix: 1 for the highest; ties to the earlier
    column (towns are sorted by INSEE code, so the result does not depend on input order).
    Scores are compared to 1e-9: two towns whose scores differ only by floating-point noise tie."""
    order = np.argsort(-np.round(scores, 9), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :], axis=1)
    return ranks


@dataclass(frozen=True)
class MonteCarlo:
    median_rank: np.ndarray
    rank_low: np.ndarray  # 5th percentile: the best rank in 90 % of draws
    rank_high: np.ndarray  # 95th percentile
    top_share: np.ndarray  # share of draws in which the town is within the top N
    draws: int
    methods: tuple[str, ...]
    normalisation_counts: dict[str, int]  # draws per normalisation


def monte_carlo(
    table: pd.DataFrame,
    w: np.ndarray,
    *,
    draws: int,
    seed: int,
    concentration: float,
    top: int,
    methods: tuple[str, ...] = NORMALISATIONS,
) -> MonteCarlo:
    """Ranks under `draws` draws of weights (Dirichlet centred on `w`, alpha = concentration × w;
    a zero weight stays zero) and of the normalisation (uniform among `methods`).

    The draws depend only on the seed and the number of criteria, never on the towns, so a change
    in one town's figures is compared on the same draws. `table` must be sorted by INSEE code."""
    if draws < 1:
        raise ShortlistError(f"--draws must be at least 1, got {draws}")
    rng = np.random.default_rng(seed)
    active = w > 0
    drawn = np.zeros((draws, len(w)))
    drawn[:, active] = rng.dirichlet(concentration * w[active], size=draws)
    chosen = rng.integers(0, len(methods), size=draws)
    scores = np.empty((draws, len(table)))
    for m, method in enumerate(methods):
        values = criterion_values(table, method)[list(CRITERION_KEYS)].to_numpy()
        rows = chosen == m
        scores[rows] = drawn[rows] @ values.T
    ranks = _ranks(scores)
    low, median, high = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    return MonteCarlo(
        median_rank=median.astype(int),
        rank_low=low.astype(int),
        rank_high=high.astype(int),
        top_share=(ranks <= top).mean(axis=0),
        draws=draws,
        methods=methods,
        normalisation_counts={m: int((chosen == i).sum()) for i, m in enumerate(methods)},
    )


# --- Implantation concept ----------------------------------------------------------------------


def concepts(table: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """The implantation concept of each town and the rule that chose it, tried in order:

    1. clef en main if at least one lycée of the town teaches a recommended sector and the
       catchment yields at least the concept's cruising-speed learners a year;
    2. otherwise tiers-lieu if the unemployment rate or the jobseekers per working-age resident
       reach their thresholds;
    3. otherwise progressive."""
    need_learners = params["turnkey_learners"]
    u_max, j_max = params["third_place_unemployment_rate"], params["third_place_jobseeker_rate"]
    rows = []
    for r in table.itertuples(index=False):
        learners = r.potential_learners
        has_partner = r.partner_lycees > 0
        enough = pd.notna(learners) and learners >= need_learners
        if has_partner and enough:
            rows.append(
                (
                    "turnkey",
                    f"Règle 1 : {r.partner_lycees} lycée(s) de la ville dans les filières "
                    f"recommandées ({r.partner_names}) et {learners:.0f} apprenants potentiels "
                    f"par an (≥ {need_learners:.0f}).",
                )
            )
            continue
        why_not_1 = (
            "aucun lycée de la ville dans les filières recommandées"
            if not has_partner
            else f"{_fmt(learners, '.0f')} apprenants potentiels par an (< {need_learners:.0f})"
        )
        high_u = pd.notna(r.unemployment_rate) and r.unemployment_rate >= u_max
        high_j = pd.notna(r.jobseekers_per_working_age) and r.jobseekers_per_working_age >= j_max
        social = (
            f"chômage {_pct(r.unemployment_rate)} (seuil {_pct(u_max)}), demandeurs d'emploi "
            f"{_pct(r.jobseekers_per_working_age)} des 15-64 ans (seuil {_pct(j_max)})"
        )
        if high_u or high_j:
            rows.append(("third_place", f"Règle 2 : {why_not_1} ; besoin social élevé : {social}."))
        else:
            rows.append(
                (
                    "progressive",
                    f"Règle 3 : {why_not_1} ; besoin social sous les seuils : {social}.",
                )
            )
    out = pd.DataFrame(rows, columns=["concept", "concept_rule"], index=table.index)
    out["concept_label"] = out["concept"].map(CONCEPTS)
    out["town_code"] = table["town_code"].to_numpy()
    return out[["town_code", "concept", "concept_label", "concept_rule"]]


def _fmt(value, spec: str) -> str:
    return "n.d." if pd.isna(value) else format(value, spec)


def _num(value) -> str:
    return f"{value:g}".replace(".", ",")


def _int(value) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0")


def _catchment_text(build: Mapping[str, float]) -> str:
    if not {"catchment_minutes", "detour_factor", "speed_kmh"} <= set(build):
        return ""
    return (
        f"Zone de {_num(build['catchment_minutes'])} minutes : distance à vol d'oiseau × "
        f"{_num(build['detour_factor'])} à {_num(build['speed_kmh'])} km/h (approximation, pas "
        "un calcul d'itinéraire)."
    )


def _pct(value) -> str:
    return "n.d." if pd.isna(value) else f"{100 * value:.1f} %".replace(".", ",")


# --- Choosing a set ----------------------------------------------------------------------------


def select_towns(
    ranked: pd.DataFrame, catchments: pd.DataFrame, k: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Greedy maximal covering: pick `k` towns, each time the one whose score × share of its
    catchment's working-age population not yet covered by the towns already picked is largest
    (ties: better headline rank). A town whose catchment a pick already covers loses what is
    covered, so neighbours do not both get chosen for the same people.

    `ranked`: town_code, town_label, score, rank; `catchments`: town_code, commune_code,
    working_age_population. Returns (selected, skipped): the picks in order with their gain and
    the share newly covered; and the towns of the headline top k left out, with the share of their
    catchment already covered and by which picks."""
    if k < 1:
        raise ShortlistError(f"--select must be at least 1, got {k}")
    ranked = ranked.sort_values("rank").reset_index(drop=True)
    k = min(k, len(ranked))
    members = catchments[catchments["town_code"].isin(ranked["town_code"])]
    communes = pd.Index(sorted(members["commune_code"].unique()))
    town_index = pd.Index(ranked["town_code"])
    # The same commune appears once per catchment holding it, always with the same population.
    weight_by_commune = (
        members.groupby("commune_code")["working_age_population"].max().reindex(communes)
    ).fillna(0)
    # towns × communes incidence, weighted by working-age population
    incidence = np.zeros((len(town_index), len(communes)))
    incidence[
        town_index.get_indexer(members["town_code"]), communes.get_indexer(members["commune_code"])
    ] = 1.0
    weighted = incidence * weight_by_commune.to_numpy()[None, :]
    totals = weighted.sum(axis=1)
    score = ranked["score"].to_numpy()
    covered = np.zeros(len(communes), dtype=bool)
    picked: list[int] = []
    rows = []
    for step in range(1, k + 1):
        uncovered = weighted @ ~covered
        share = np.divide(uncovered, totals, out=np.ones_like(totals), where=totals > 0)
        gain = score * share
        gain[picked] = -np.inf
        best = int(np.argmax(gain))  # first maximum: the better headline rank
        picked.append(best)
        newly = uncovered[best]
        covered |= incidence[best] > 0
        rows.append(
            {
                "step": step,
                "town_code": town_index[best],
                "town_label": ranked.at[best, "town_label"],
                "rank": int(ranked.at[best, "rank"]),
                "score": score[best],
                "uncovered_share": share[best],
                "gain": gain[best],
                "newly_covered_working_age": newly,
            }
        )
    selected = pd.DataFrame(rows)
    skipped_rows = []
    for i in range(k):
        if i in picked:
            continue
        own = incidence[i] > 0
        overlaps = []
        for p in picked:
            shared = weighted[i, own & (incidence[p] > 0)].sum()
            if shared > 0:
                share = shared / totals[i] if totals[i] > 0 else 0.0
                overlaps.append((share, ranked.at[p, "town_label"], town_index[p]))
        overlaps.sort(key=lambda o: (-o[0], o[2]))
        covered_share = weighted[i, own & covered].sum() / totals[i] if totals[i] > 0 else 0.0
        skipped_rows.append(
            {
                "town_code": town_index[i],
                "town_label": ranked.at[i, "town_label"],
                "rank": int(ranked.at[i, "rank"]),
                "score": score[i],
                "covered_share": covered_share,
                "covered_by": " ; ".join(
                    f"{label} ({code}) {100 * s:.0f} %" for s, label, code in overlaps
                ),
            }
        )
    skipped = pd.DataFrame(
        skipped_rows,
        columns=["town_code", "town_label", "rank", "score", "covered_share", "covered_by"],
    )
    return selected, skipped


# --- The whole shortlist -----------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the shortlist reads from the warehouse."""

    profile: pd.DataFrame  # mart_town__profile joined with mart_town__shortlist_inputs
    ranking: pd.DataFrame  # town_code, sector_code, sector_label, rank, score
    lycees: pd.DataFrame  # mart_town_lycee_sector__shortlist_partners
    catchments: pd.DataFrame  # town_code, commune_code, working_age_population
    built_at: str = ""
    build_parameters: dict[str, float] = field(default_factory=dict)  # meta_build.parameters


@dataclass(frozen=True)
class Shortlist:
    table: pd.DataFrame  # one row per town, sorted by headline rank
    selected: pd.DataFrame | None
    skipped: pd.DataFrame | None
    params: dict[str, float]
    weights: np.ndarray
    monte_carlo: MonteCarlo
    top: int
    built_at: str
    build_parameters: dict[str, float]


def make_shortlist(
    inputs: Inputs,
    params: Mapping[str, float],
    *,
    candidates: list[str] | None = None,
    top: int = 15,
    select: int | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> Shortlist:
    """Rank the candidate towns (all of `inputs.profile`, or `candidates`), with the Monte Carlo,
    the concepts and, when `select` is given, a set of that many towns."""
    params = dict(params)
    if draws is not None:
        params["draws"] = draws
    if seed is not None:
        params["seed"] = seed
    profile = inputs.profile
    if candidates is not None:
        profile = profile[profile["town_code"].isin(candidates)]
    if profile.empty:
        raise ShortlistError("no candidate town to rank: the warehouse or the list is empty")
    w = weights(params)
    table = indicators(profile, inputs.ranking, inputs.lycees, params)
    ranked = rank_towns(table, w)
    mc = monte_carlo(
        ranked,
        w,
        draws=int(params["draws"]),
        seed=int(params["seed"]),
        concentration=params["dirichlet_concentration"],
        top=top,
    )
    ranked["median_rank"] = mc.median_rank
    ranked["rank_low"] = mc.rank_low
    ranked["rank_high"] = mc.rank_high
    ranked["top_share"] = mc.top_share
    ranked = ranked.merge(concepts(ranked, params), on="town_code", validate="one_to_one")
    selected = skipped = None
    if select is not None:
        selected, skipped = select_towns(ranked, inputs.catchments, select)
        ranked["selection_step"] = (
            ranked["town_code"]
            .map(dict(zip(selected["town_code"], selected["step"], strict=True)))
            .astype("Int64")
        )
    ranked = ranked.sort_values("rank").reset_index(drop=True)
    return Shortlist(
        ranked, selected, skipped, params, w, mc, top, inputs.built_at, inputs.build_parameters
    )


# --- Warehouse reading -------------------------------------------------------------------------

PROFILE_QUERY = """
select p.town_code, p.town_label, p.departement_code, p.population, p.is_acv, p.is_acv2,
       p.is_territoire_industrie, p.unemployment_rate, p.jobseekers_per_working_age,
       p.median_living_standard_eur, p.catchment_working_age_population,
       p.catchment_active_population, p.nearest_higher_education_minutes,
       p.catchment_higher_education_students, p.catchment_bts_places,
       s.has_urban_unit, s.urban_unit_population
from mart_town__profile as p
join mart_town__shortlist_inputs as s using (town_code)
order by p.town_code
"""
# The shortlist reads the sectors the diagnostic recommends (deliverable by the operator, with a
# market that feeds a cohort), in their recommendation order.
RANKING_QUERY = """
select town_code, sector_code, sector_label, recommendation_rank as rank, score
from mart_town_sector__ranking
where recommendation_rank is not null
order by town_code, rank
"""
LYCEES_QUERY = """
select town_code, uai_code, establishment_label, lycee_type_code, is_lycee_des_metiers,
       sector_code, places
from mart_town_lycee_sector__shortlist_partners
order by town_code, uai_code, sector_code
"""
CATCHMENTS_QUERY = """
select town_code, commune_code, working_age_population
from mart_town__catchment_communes
order by town_code, commune_code
"""
BUILD_QUERY = """
select cast(built_at as varchar), parameters
from meta_build
order by built_at desc
limit 1
"""


def load_inputs(warehouse: Path) -> Inputs:
    """Read the shortlist's inputs from a built warehouse."""
    if not warehouse.exists():
        raise ShortlistError(f"no warehouse at {warehouse}: run `gpect build` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        needed = {
            "mart_town__profile",
            "mart_town__shortlist_inputs",
            "mart_town_sector__ranking",
            "mart_town_lycee_sector__shortlist_partners",
            "mart_town__catchment_communes",
        }
        if needed - tables:
            raise ShortlistError(
                f"the warehouse {warehouse} lacks {sorted(needed - tables)}: it was built by an "
                f"older gpect; run `gpect build` again"
            )
        built_at, build_parameters = (con.execute(BUILD_QUERY).fetchall() or [("", None)])[0]
        return Inputs(
            profile=con.execute(PROFILE_QUERY).df(),
            ranking=con.execute(RANKING_QUERY).df(),
            lycees=con.execute(LYCEES_QUERY).df(),
            catchments=con.execute(CATCHMENTS_QUERY).df(),
            built_at=built_at,
            build_parameters=json.loads(build_parameters) if build_parameters else {},
        )
    finally:
        con.close()


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "rank",
    "town_code",
    "town_label",
    "departement_code",
    "score",
    *(f"contribution_{k}" for k in CRITERION_KEYS),
    "median_rank",
    "rank_low",
    "rank_high",
    "top_share",
    "concept",
    "concept_rule",
    "selection_step",
    "population",
    "urban_unit_population",
    "is_population_in_band",
    "is_urban_unit_in_band",
    "is_acv",
    "is_acv2",
    "is_territoire_industrie",
    *(ind.column for c in CRITERIA for ind in c.indicators),
    "top_sectors",
    "potential_learners",
    "partner_names",
    "missing_indicators",
]


def write_csv(result: Shortlist, path: Path) -> Path:
    """The ranking as CSV (machine-readable column names, decimal point), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [c for c in CSV_COLUMNS if c in result.table.columns]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    cells.write_csv(result.table[columns], tmp)
    os.replace(tmp, path)
    return path


# The French-Excel variant: French headers, rounded figures, shares in percent (documented in the
# README, "Outputs"). (column, header, decimals, factor); decimals None: text or whole numbers.
def _fr_columns(top: int) -> list[tuple[str, str, int | None, float]]:
    indicators = [
        (
            ind.column,
            f"{ind.label} (%)" if "%" in ind.number_format else ind.label,
            1 if "%" in ind.number_format else 2,
            100.0 if "%" in ind.number_format else 1.0,
        )
        for c in CRITERIA
        for ind in c.indicators
    ]
    return [
        ("rank", "Rang", None, 1.0),
        ("town_code", "Code INSEE", None, 1.0),
        ("town_label", "Ville", None, 1.0),
        ("departement_code", "Département", None, 1.0),
        ("score", "Score (sur 100)", 1, 1.0),
        *((f"contribution_{c.key}", f"{c.label} (points)", 1, 1.0) for c in CRITERIA),
        ("median_rank", "Rang médian (simulation)", None, 1.0),
        ("rank_low", "Rang : borne basse 90 %", None, 1.0),
        ("rank_high", "Rang : borne haute 90 %", None, 1.0),
        ("top_share", f"Part des tirages dans les {top} premières (%)", 1, 100.0),
        ("concept_label", "Concept recommandé", None, 1.0),
        ("concept_rule", "Règle appliquée", None, 1.0),
        ("selection_step", "Sélection (étape)", None, 1.0),
        ("population", "Population", None, 1.0),
        ("urban_unit_population", "Population de l'unité urbaine", None, 1.0),
        ("is_population_in_band", "Population entre les bornes", None, 1.0),
        ("is_urban_unit_in_band", "Unité urbaine entre les bornes", None, 1.0),
        ("is_acv", "Action Cœur de Ville", None, 1.0),
        ("is_acv2", "ACV 2", None, 1.0),
        ("is_territoire_industrie", "Territoires d'industrie", None, 1.0),
        *indicators,
        ("top_sectors", "Premières filières", None, 1.0),
        ("potential_learners", "Apprenants potentiels par an", 0, 1.0),
        ("partner_names", "Lycées partenaires", None, 1.0),
        ("missing_indicators", "Valeurs manquantes (position neutre)", None, 1.0),
    ]


def french_frame(result: Shortlist) -> pd.DataFrame:
    """The ranking as the French-Excel CSV holds it: French headers, rounded, shares in %."""
    columns = [c for c in _fr_columns(result.top) if c[0] in result.table.columns]
    out = pd.DataFrame(index=result.table.index)
    for key, header, decimals, factor in columns:
        values = result.table[key]
        if decimals is not None:
            values = (values.astype("Float64") * factor).round(decimals)
            if decimals == 0:
                values = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values):
            values = values.round().astype("Int64")  # populations are whole people
        out[header] = values
    return out


def write_csv_fr(result: Shortlist, path: Path) -> Path:
    """The ranking as a French-Excel CSV (`;`, decimal comma, UTF-8 BOM, French headers,
    rounded figures), written atomically beside the machine CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    cells.write_csv(french_frame(result), tmp, excel_fr=True)
    os.replace(tmp, path)
    return path


# --- Methodology (the workbook's sheet and the page's section share this text) ----------------


def methodology(result: Shortlist) -> list[tuple[str, str]]:
    """(heading, French text) pairs explaining every step with the values used."""
    p = result.params
    mc = result.monte_carlo
    weights_text = " ; ".join(
        f"{c.label} {100 * w:.0f} %" for c, w in zip(CRITERIA, result.weights, strict=True)
    )
    rows = [
        (
            "Objet",
            "Classement transparent et reproductible des villes candidates à l'ouverture d'un "
            f"centre de formation ({len(result.table)} villes). Chaque point du score s'explique "
            "par un critère ; l'incertitude due au choix des poids et de la normalisation est "
            "mesurée par simulation.",
        ),
        ("Poids des critères", weights_text + " (paramètres GPECT_SHORTLIST_WEIGHT_*)."),
    ]
    for c in CRITERIA:
        indicators_text = " ; ".join(
            f"{i.label} ({'plus' if i.direction > 0 else 'moins'} = plus de besoin ou de capacité)"
            for i in c.indicators
        )
        definition = c.definition.format(top_sectors=int(p["top_sectors"]))
        rows.append((c.label, f"{definition} Indicateurs : {indicators_text}."))
    rows += [
        (
            "Normalisation et score",
            "Chaque indicateur est ramené de 0 à 1 entre la plus faible et la plus forte valeur "
            "des villes candidates (min-max) ; un critère est la moyenne de ses indicateurs ; "
            "le score est la somme des critères pondérés, sur 100 points. La contribution de "
            "chaque critère (poids × valeur × 100) explique le rang. Une valeur manquante prend "
            "la position neutre (0,5) et est signalée. Égalités : le plus petit code INSEE "
            "d'abord.",
        ),
        (
            "Robustesse",
            f"{mc.draws} tirages (graine {int(p['seed'])}) : poids tirés selon une loi de "
            f"Dirichlet centrée sur les poids par défaut (concentration "
            f"{p['dirichlet_concentration']:g}) et normalisation tirée au hasard parmi "
            + ", ".join(
                f"{NORMALISATION_LABELS[m]} ({mc.normalisation_counts.get(m, 0)} tirages)"
                for m in mc.methods
            )
            + ". Pour chaque ville : rang médian, intervalle de 90 % (5e et 95e centiles du "
            f"rang) et part des tirages où elle figure dans les {result.top} premières. Le "
            "z-score n'est pas monotone (relever une valeur extrême élargit l'écart-type) : "
            "c'est pourquoi le rang affiché utilise min-max.",
        ),
        (
            "Concept d'implantation",
            "Règles appliquées dans l'ordre. 1. "
            + CONCEPT_DEFINITIONS["turnkey"].format(**p)
            + f" Si au moins un lycée de la ville forme dans une des {int(p['top_sectors'])} "
            f"premières filières et que la zone compte au moins {p['turnkey_learners']:.0f} "
            "apprenants potentiels par an. 2. "
            + CONCEPT_DEFINITIONS["third_place"].format(**p)
            + f" Sinon, si le taux de chômage atteint {_pct(p['third_place_unemployment_rate'])} "
            f"ou les demandeurs d'emploi {_pct(p['third_place_jobseeker_rate'])} des 15-64 ans. "
            "3. " + CONCEPT_DEFINITIONS["progressive"].format(**p) + " Dans les autres cas.",
        ),
        (
            "Apprenants potentiels et rentabilité",
            f"Apprenants potentiels = actifs de 15 à 64 ans de la zone de 30 minutes × "
            f"{_pct(p['participation_rate'])} (taux de participation supposé) ; un centre est "
            f"rentable entre {p['break_even_low']:.0f} et {p['break_even_high']:.0f} apprenants "
            f"par an ; le critère plafonne à {p['audience_cap']:g} fois le seuil haut.",
        ),
        (
            "Éligibilité (affichée, jamais éliminatoire)",
            f"Population de la commune et de son unité urbaine 2020 entre "
            f"{_int(p['population_min'])} et {_int(p['population_max'])} habitants (unité "
            "urbaine : somme des communes de même code ; une commune rurale, code « 000 », n'en "
            "a pas) ; appartenance à Action Cœur de Ville, ACV 2 et Territoires d'industrie.",
        ),
        (
            "Choix d'un ensemble de villes",
            "Couverture maximale gloutonne : à chaque étape, la ville dont le score multiplié par "
            "la part des 15-64 ans de sa zone de 30 minutes non encore couverte par les villes "
            "déjà choisies est la plus forte. Une ville bien classée dont la zone recoupe celle "
            "d'une ville choisie perd la part couverte et peut être écartée ; la liste dit par "
            "quelle voisine.",
        ),
        (
            "Données",
            "Entrepôt gpect construit le "
            + (result.built_at[:19] or "n.d.")
            + " : mart_town__profile, mart_town__shortlist_inputs, mart_town_sector__ranking, "
            "mart_town_lycee_sector__shortlist_partners, mart_town__catchment_communes. "
            + _catchment_text(result.build_parameters),
        ),
    ]
    return rows
