"""The shortlist's criteria: what each one measures, its indicators (each oriented so that more
means more need or more capacity), the settings and weights, and the raw figures of every
criterion computed per town from the warehouse's inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports import fmt


class ShortlistError(ValueError):
    """The shortlist cannot be made as asked; the message says what to change."""


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


def weights(params: Mapping[str, float]) -> np.ndarray:
    """Criterion weights in CRITERIA order, normalised to sum to 1."""
    raw = np.array([params[f"weight_{key}"] for key in CRITERION_KEYS], dtype=float)
    if (raw < 0).any() or raw.sum() <= 0:
        raise ShortlistError(
            f"shortlist weights must be non-negative with a positive sum, got "
            f"{dict(zip(CRITERION_KEYS, raw.tolist(), strict=True))}: fix GPECT_SHORTLIST_WEIGHT_*"
        )
    return raw / raw.sum()


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
        [
            f"sous le seuil ({fmt.number(low)})",
            f"dans la zone de rentabilité ({fmt.number(low)} à {fmt.number(high)})",
        ],
        f"au-delà de la zone de rentabilité ({fmt.number(high)})",
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
