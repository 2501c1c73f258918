"""What a town page says: the sections of the report built from the town's data, as plain values,
formatted tables and figures that the template lays out. Missing values are said, never filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from reports import charts, fmt
from reports.data import SiteData, TownData
from reports.geo import Ring

PARAMETER_LABELS = {
    "catchment_minutes": ("Temps d'accès maximal de la zone", "min"),
    "detour_factor": ("Coefficient de détour appliqué à la distance à vol d'oiseau", ""),
    "speed_kmh": ("Vitesse moyenne supposée", "km/h"),
    "band1_minutes": ("Accessibilité (E2SFCA) : fin de la 1re tranche", "min"),
    "band2_minutes": ("Accessibilité (E2SFCA) : fin de la 2e tranche", "min"),
    "band1_weight": ("Accessibilité : poids de la 1re tranche", ""),
    "band2_weight": ("Accessibilité : poids de la 2e tranche", ""),
    "band3_weight": ("Accessibilité : poids de la 3e tranche", ""),
    "secret_upper_bound": ("Borne des cellules secrètes BMO (valeur publiée minimale)", ""),
    "weight_demand_pressure": ("Poids de la pression des recrutements difficiles", ""),
    "weight_volume_intensity": ("Poids du volume et de l'intensité des recrutements", ""),
    "weight_supply_gap": ("Poids de l'écart à l'offre de formation", ""),
}


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    # Right-aligned (numeric) columns.
    numeric: set[int] = field(default_factory=set)
    # Column widths in % (printing uses a fixed table layout: auto layout is slow in WeasyPrint).
    widths: list[int] | None = None


@dataclass
class Chart:
    id: str
    title: str
    figure: go.Figure | None
    # The chart's data as a table (None where the section shows that table anyway).
    table: Table | None
    missing: str = ""


def _table(
    caption: str, headers: list[str], rows: list[list[Any]], numeric=(), widths=None
) -> Table:
    return Table(caption, headers, [[str(c) for c in row] for row in rows], set(numeric), widths)


def _value(profile: dict[str, Any], key: str):
    value = profile.get(key)
    return None if fmt.is_missing(value) else value


def _sentence(reasons: str) -> str:
    text = reasons.strip()
    return text[:1].upper() + text[1:] + "."


def catalogue_note(row: dict[str, Any]) -> str:
    level = fmt.level(row["suggested_level"])
    if not row["is_in_operator_catalogue"]:
        return "Hors catalogue de l'opérateur : à construire ou à confier à un partenaire."
    if not row["operator_can_deliver_level"]:
        return (
            f"Au catalogue de l'opérateur, mais pas au {level} suggéré "
            f"(niveaux proposés : {row['operator_levels']})."
        )
    return f"Au catalogue de l'opérateur au {level} suggéré."


def catalogue_flag(row: dict[str, Any]) -> str:
    if not row["is_in_operator_catalogue"]:
        return "hors catalogue" + (" : besoin signalé" if row["score"] > 0 else "")
    if not row["operator_can_deliver_level"]:
        return f"oui, niveaux {row['operator_levels']} seulement"
    return "oui"


# --- sections -----------------------------------------------------------------------------------


def synthese(town: TownData) -> dict[str, Any]:
    p = town.profile
    top = town.ranking.head(3).to_dict(orient="records")
    sectors = [
        {
            "rank": r["rank"],
            "label": r["sector_label"],
            "sentence": _sentence(r["reasons"]),
            "level": fmt.level(r["suggested_level"]),
            "catalogue": catalogue_note(r),
            "outside_catalogue": not r["is_in_operator_catalogue"],
            "weak": r["score"] <= 0,
        }
        for r in top
    ]
    places = (_value(p, "catchment_vocational_lycee_places") or 0) + (
        _value(p, "catchment_bts_places") or 0
    )
    figures = [
        ("Communes de la zone", fmt.number(p["catchment_communes"])),
        ("Habitants de la zone", fmt.number(p["catchment_population"])),
        ("Habitants de 15 à 64 ans", fmt.number(p["catchment_working_age_population"])),
        ("Taux de chômage (recensement)", fmt.percent(p["catchment_unemployment_rate"], 1)),
        (
            f"Projets de recrutement (BMO {fmt.year(p['latest_survey_year'])})",
            fmt.number(p["catchment_hiring_projects"]),
        ),
        ("Places en lycée professionnel et BTS", fmt.number(places)),
        (
            "Étudiants de l'enseignement supérieur",
            fmt.number(p["catchment_higher_education_students"]),
        ),
        ("Centres de formation d'apprentis", fmt.number(p["catchment_apprenticeship_centres"])),
    ]
    return {"sectors": sectors, "figures": figures}


def territoire(
    town: TownData, rings: dict[str, list[Ring]], band_minutes: tuple[float, float]
) -> dict[str, Any]:
    p = town.profile
    facts = [
        ("Population (recensement)", fmt.number(p["population"])),
        ("Habitants de 15 à 64 ans", fmt.number(p["working_age_population"])),
        ("Actifs", fmt.number(p["active_population"])),
        ("Taux de chômage (recensement)", fmt.percent(p["unemployment_rate"], 1)),
        (
            "Demandeurs d'emploi (cat. A, B, C) pour 100 habitants de 15 à 64 ans",
            fmt.number(100 * p["jobseekers_per_working_age"], 1)
            if _value(p, "jobseekers_per_working_age") is not None
            else fmt.MISSING,
        ),
        ("Niveau de vie médian", fmt.euros(p["median_living_standard_eur"])),
        ("Intercommunalité (EPCI)", p.get("epci_label") or fmt.MISSING),
        (
            "Bassin d'emploi BMO",
            f"{p['bassin_label']} ({p['bassin_code']})" if p.get("bassin_code") else fmt.MISSING,
        ),
        (
            "Zone d'emploi 2020",
            f"{p['ze2020_label']} ({p['ze2020_code']})" if p.get("ze2020_code") else fmt.MISSING,
        ),
        (
            "Lycées professionnels dans la commune",
            fmt.number(p["town_vocational_lycees"])
            + (
                f" ({p['town_vocational_lycee_names']})"
                if p.get("town_vocational_lycee_names")
                else ""
            ),
        ),
    ]
    programmes = [
        ("Action Cœur de Ville", bool(p["is_acv"]) or bool(p["is_acv2"])),
        ("Action Cœur de Ville 2", bool(p["is_acv2"])),
        ("Territoires d'industrie (par l'intercommunalité)", bool(p["is_territoire_industrie"])),
        ("Petites villes de demain", bool(p["is_pvd"])),
    ]
    missing = [label for label, value in facts if value == fmt.MISSING]
    communes = town.communes
    without_shape = [c for c in communes["commune_code"] if c not in rings]
    sites = town.sites
    map_missing = ""
    if without_shape:
        map_missing = (
            f"{len(without_shape)} commune(s) de la zone sans contour dans le fichier des contours "
            "communaux (COG 2018) : elles figurent par leur chef-lieu seulement."
        )
    map_table = _table(
        "Sites de formation de la zone (communes ayant des places)",
        ["Commune", "Temps d'accès", "Établissements", "Lycée pro", "BTS", "Supérieur", "Total"],
        [
            [
                r.commune_label,
                fmt.minutes(r.travel_minutes),
                fmt.number(r.establishments),
                fmt.number(r.lycee_pro_places),
                fmt.number(r.bts_places),
                fmt.number(r.higher_education_students),
                fmt.number(r.places),
            ]
            for r in sites.itertuples()
        ],
        numeric=range(1, 7),
        widths=[28, 12, 12, 12, 12, 12, 12],
    )
    communes_table = _table(
        f"Les {len(communes)} communes de la zone",
        ["Commune", "Code INSEE", "Temps d'accès", "Population"],
        [
            [
                r.commune_label,
                r.commune_code,
                fmt.minutes(r.travel_minutes),
                fmt.number(r.population),
            ]
            for r in communes.itertuples()
        ],
        numeric={2, 3},
        widths=[46, 18, 18, 18],
    )
    figure = (
        charts.catchment_map(town.code, p["town_label"], communes, sites, rings, band_minutes)
        if not communes.empty
        else None
    )
    return {
        "facts": facts,
        "programmes": programmes,
        "missing": missing,
        "map": Chart(
            "chart-map",
            "Zone d'accès et sites de formation",
            figure,
            map_table,
            map_missing if figure is not None else "Aucune commune dans la zone d'accès.",
        ),
        "communes_table": communes_table,
    }


def besoins(town: TownData) -> dict[str, Any]:
    hiring = town.hiring
    years = sorted(int(y) for y in hiring["survey_year"].unique())
    latest = years[-1] if years else None
    previous = years[-2] if len(years) > 1 else None
    by_year = {y: hiring[hiring["survey_year"] == y].set_index("sector_code") for y in years}
    rows = []
    if latest is not None:
        for r in by_year[latest].sort_values("hiring_projects", ascending=False).itertuples():
            before = None
            if previous is not None and r.Index in by_year[previous].index:
                before = by_year[previous].loc[r.Index, "hiring_projects"]
            change = (r.hiring_projects / before - 1) if before else None
            rows.append(
                [
                    r.sector_label,
                    fmt.number(before),
                    fmt.number(r.hiring_projects),
                    fmt.percent(change) if change is not None else fmt.MISSING,
                    fmt.percent(r.difficulty_rate_shrunk),
                    fmt.percent(r.seasonal_share),
                    fmt.tension(r.tension_class),
                    fmt.percent(r.estimated_share, 1),
                ]
            )
    table = _table(
        "Projets de recrutement par filière",
        [
            "Filière",
            f"Projets {previous}" if previous else "Projets (millésime précédent)",
            f"Projets {latest}",
            "Évolution",
            "Part difficile",
            "Part saisonnière",
            "Tension officielle",
            "Part estimée (secret)",
        ],
        rows,
        numeric=range(1, 8),
        widths=[30, 10, 10, 10, 10, 10, 10, 10],
    )
    hiring_chart = Chart(
        "chart-hiring",
        "Projets de recrutement par filière",
        charts.hiring_by_sector(hiring) if not hiring.empty else None,
        table,
        "" if not hiring.empty else "Aucun projet de recrutement BMO n'est rattaché à cette zone.",
    )

    def metier_table(frame: pd.DataFrame, caption: str) -> Table:
        return _table(
            caption,
            ["Métier", "Filière", "Projets", "Difficiles", "Part difficile", "Part saisonnière"],
            [
                [
                    r.metier_label,
                    r.sector_label,
                    fmt.number(r.hiring_projects),
                    fmt.number(r.difficult_projects),
                    fmt.percent(r.difficulty_rate_shrunk),
                    fmt.percent(r.seasonal_share),
                ]
                for r in frame.itertuples()
            ],
            numeric=range(2, 6),
            widths=[34, 26, 10, 10, 10, 10],
        )

    empty = "Aucun métier : pas de projet de recrutement BMO dans la zone."
    volume = Chart(
        "chart-metiers-volume",
        "Les 10 métiers les plus recherchés",
        charts.metier_bars(
            town.metiers_volume, "hiring_projects", "projets de recrutement", "#1f4e79"
        )
        if not town.metiers_volume.empty
        else None,
        metier_table(town.metiers_volume, "Les 10 métiers les plus recherchés"),
        "" if not town.metiers_volume.empty else empty,
    )
    difficulty = Chart(
        "chart-metiers-difficulty",
        "Les 10 métiers aux recrutements les plus difficiles",
        charts.metier_bars(
            town.metiers_difficulty, "difficult_projects", "projets jugés difficiles", "#b03a2e"
        )
        if not town.metiers_difficulty.empty
        else None,
        metier_table(
            town.metiers_difficulty, "Les 10 métiers aux recrutements les plus difficiles"
        ),
        "" if not town.metiers_difficulty.empty else empty,
    )
    latest_rows = by_year.get(latest, pd.DataFrame()) if latest else pd.DataFrame()
    total = float(latest_rows["hiring_projects"].sum()) if not latest_rows.empty else None
    seasonal = (
        float(latest_rows["seasonal_share"].mul(latest_rows["hiring_projects"]).sum()) / total
        if total
        else None
    )
    nomenclature = (
        sorted(town.metiers_volume["metier_nomenclature"].unique())
        if not town.metiers_volume.empty
        else []
    )
    return {
        "latest": latest,
        "previous": previous,
        "total": fmt.number(total),
        "seasonal": fmt.percent(seasonal),
        "estimated": fmt.percent(town.profile.get("catchment_estimated_share"), 1),
        "nomenclature": ", ".join(nomenclature),
        "charts": [hiring_chart, volume, difficulty],
    }


def offre(town: TownData) -> dict[str, Any]:
    p = town.profile
    supply = town.supply
    vocational = supply[supply["sector_code"] != "NC"]
    supply_table = _table(
        "Places de formation de la zone par filière et niveau",
        [
            "Filière",
            "Niveau",
            "Places",
            "Lycée pro",
            "BTS scolaire",
            "BTS apprentissage",
            "Étudiants",
            "Places accessibles / 1 000 hab.",
            "Médiane nationale / 1 000 hab.",
        ],
        [
            [
                r.sector_label,
                fmt.level(r.qualification_level),
                fmt.number(r.places),
                fmt.number(r.lycee_pro_places),
                fmt.number(r.bts_school_places),
                fmt.number(r.bts_apprenticeship_places),
                fmt.number(r.higher_education_students),
                fmt.number(r.accessible_places_per_1000, 2),
                fmt.number(r.national_median_per_1000, 2),
            ]
            for r in supply.itertuples()
        ],
        numeric=range(2, 9),
        widths=[22, 14, 8, 8, 8, 10, 8, 11, 11],
    )
    supply_chart = Chart(
        "chart-supply",
        "Places de formation professionnelle par filière et niveau",
        charts.supply_by_level(vocational) if not vocational.empty else None,
        supply_table,
        ""
        if not vocational.empty
        else "Aucune place de lycée professionnel ni de BTS dans la zone selon les sources.",
    )
    access = town.access
    access_table = _table(
        "Offre accessible pour 1 000 habitants de 15 à 64 ans, par filière",
        ["Filière", "Ville", "Médiane nationale", "Position", "Données d'offre"],
        [
            [
                r.sector_label,
                fmt.number(r.accessible_places_per_1000, 2),
                fmt.number(r.national_median_per_1000, 2),
                _position(r.accessible_places_per_1000, r.national_median_per_1000),
                "quasi absentes au niveau national" if r.is_supply_data_thin else "",
            ]
            for r in access.itertuples()
        ],
        numeric={1, 2},
        widths=[36, 12, 16, 12, 24],
    )
    access_chart = Chart(
        "chart-access",
        "Accessibilité de l'offre de formation, comparée à la médiane nationale",
        charts.accessibility(access) if not access.empty else None,
        access_table,
    )
    thin = list(access.loc[access["is_supply_data_thin"], "sector_label"])
    return {
        "figures": [
            ("Places en lycée professionnel", fmt.number(p["catchment_vocational_lycee_places"])),
            ("Places en BTS (scolaire et apprentissage)", fmt.number(p["catchment_bts_places"])),
            (
                "Étudiants de l'enseignement supérieur (tous domaines)",
                fmt.number(p["catchment_higher_education_students"]),
            ),
            ("Centres de formation d'apprentis", fmt.number(p["catchment_apprenticeship_centres"])),
            (
                "Temps d'accès au site d'enseignement supérieur le plus proche",
                fmt.minutes(p["nearest_higher_education_minutes"]),
            ),
        ],
        "thin": thin,
        "charts": [supply_chart, access_chart],
    }


def _position(value, median) -> str:
    if fmt.is_missing(value) or fmt.is_missing(median):
        return fmt.MISSING
    if value > median:
        return "au-dessus"
    if value < median:
        return "en dessous"
    return "égale"


def ecarts(town: TownData) -> dict[str, Any]:
    ranking = town.ranking
    rows = []
    for r in ranking.to_dict(orient="records"):
        rows.append(
            [
                r["rank"],
                r["sector_label"],
                fmt.number(r["score"], 2),
                fmt.number(r["contribution_demand_pressure"], 2),
                fmt.number(r["contribution_volume_intensity"], 2),
                fmt.number(r["contribution_supply_gap"], 2)
                + (" (n)" if r["is_supply_data_thin"] else ""),
                fmt.number(r["hiring_projects"]),
                fmt.percent(r["difficulty_rate_shrunk"]),
                fmt.tension(r["tension_class"]),
                fmt.number(r["suggested_level"]),
                catalogue_flag(r),
            ]
        )
    table = _table(
        "Classement complet des filières",
        [
            "Rang",
            "Filière",
            "Score",
            "Pression difficile",
            "Volume",
            "Écart d'offre",
            "Projets",
            "Part difficile",
            "Tension",
            "Niveau suggéré",
            "Catalogue de l'opérateur",
        ],
        rows,
        numeric={0, 2, 3, 4, 5, 6, 7, 8, 9},
        widths=[5, 21, 7, 9, 8, 8, 7, 8, 7, 7, 13],
    )
    flagged = [
        r["sector_label"]
        for r in ranking.to_dict(orient="records")
        if r["score"] > 0 and not r["is_in_operator_catalogue"]
    ]
    chart = Chart(
        "chart-gaps",
        "Score par filière et ses trois composantes",
        charts.sector_gaps(ranking) if not ranking.empty else None,
        None,
        "" if not ranking.empty else "Aucun classement pour cette ville.",
    )
    return {"chart": chart, "table": table, "outside_catalogue": flagged}


PEER_INDICATORS = [
    ("population", "Population", fmt.number),
    ("unemployment_rate", "Taux de chômage (recensement)", lambda v: fmt.percent(v, 1)),
    ("median_living_standard_eur", "Niveau de vie médian", fmt.euros),
    (
        "catchment_hiring_per_1000",
        "Projets de recrutement pour 1 000 habitants de 15 à 64 ans (zone)",
        lambda v: fmt.number(v, 1),
    ),
    ("catchment_difficult_share", "Part des recrutements jugés difficiles (zone)", fmt.percent),
    (
        "catchment_vocational_places_per_1000",
        "Places en lycée pro et BTS pour 1 000 habitants de 15 à 64 ans (zone)",
        lambda v: fmt.number(v, 1),
    ),
    ("nearest_higher_education_minutes", "Temps d'accès à l'enseignement supérieur", fmt.minutes),
]


def comparaison(town: TownData) -> dict[str, Any]:
    peers = town.peers
    me = peers[peers["town_code"] == town.code]
    others = peers[peers["town_code"] != town.code]
    rows = []
    for column, label, show in PEER_INDICATORS:
        values = others[column].dropna()
        mine = me[column].iloc[0] if not me.empty else None
        if fmt.is_missing(mine):
            position = fmt.MISSING
        else:
            ranked = peers[column].dropna()
            position = f"{int((ranked > mine).sum()) + 1}e sur {len(ranked)}"
        rows.append(
            [
                label,
                show(mine),
                show(values.median()) if not values.empty else fmt.MISSING,
                f"{show(values.min())} – {show(values.max())}" if not values.empty else fmt.MISSING,
                position,
            ]
        )
    band = me["band_label"].iloc[0] if not me.empty else None
    return {
        "band": band,
        "count": len(others),
        "peers": others[["town_code", "town_label", "departement_code"]].to_dict(orient="records"),
        "table": _table(
            "La ville et ses villes comparables",
            [
                "Indicateur",
                "Ville",
                "Médiane des villes comparables",
                "Étendue",
                "Rang (du plus élevé)",
            ],
            rows,
            numeric={1, 2, 3, 4},
            widths=[36, 14, 18, 18, 14],
        ),
    }


def methode(town: TownData, site: SiteData) -> dict[str, Any]:
    params = []
    for name, value in site.parameters.items():
        label, unit = PARAMETER_LABELS.get(name, (name, ""))
        shown = fmt.number(value, 2 if value % 1 else 0)
        params.append([label, f"{shown} {unit}".strip(), name])
    quality = site.quality
    quality_rows = [
        [
            r.measure,
            fmt.percent(r.value, 2) if r.unit == "share" else fmt.number(r.value),
            r.unit,
        ]
        for r in quality.itertuples()
    ]
    minutes = site.parameters.get("catchment_minutes")
    return {
        "sources": site.sources,
        "parameters": _table(
            "Paramètres du calcul",
            ["Paramètre", "Valeur", "Nom technique"],
            params,
            {1},
            widths=[60, 15, 25],
        ),
        "quality": _table(
            "Ce que l'entrepôt n'a pas pu rattacher ou classer",
            ["Mesure", "Valeur", "Unité"],
            quality_rows,
            {1},
            widths=[70, 15, 15],
        ),
        "estimated": fmt.percent(town.profile.get("catchment_estimated_share"), 1),
        "minutes": fmt.number(minutes),
        "detour": fmt.number(site.parameters.get("detour_factor"), 1),
        "speed": fmt.number(site.parameters.get("speed_kmh")),
        "built_at": site.built_at,
    }


def town_view(town: TownData, site: SiteData, rings: dict[str, list[Ring]]) -> dict[str, Any]:
    """Everything the town template needs."""
    p = town.profile
    bands = (
        float(site.parameters.get("band1_minutes", 10)),
        float(site.parameters.get("band2_minutes", 20)),
    )
    return {
        "code": town.code,
        "label": p["town_label"],
        "departement": p["departement_code"],
        "minutes": fmt.number(site.parameters.get("catchment_minutes")),
        "built_at": site.built_at,
        "synthese": synthese(town),
        "territoire": territoire(town, rings, bands),
        "besoins": besoins(town),
        "offre": offre(town),
        "ecarts": ecarts(town),
        "comparaison": comparaison(town),
        "methode": methode(town, site),
        "pages": site.pages,
    }
