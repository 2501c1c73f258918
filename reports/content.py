"""What a town page says: the sections of the report built from the town's data, as plain values,
formatted tables and figures that the template lays out. Missing values are said, never filled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports import charts, fmt
from reports.charts import Figure
from reports.data import SiteData, TownData, recommended_count
from reports.evaluation import EVALUATION_METRICS, comparison_fr
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
    "bmo_window_waves": ("Vagues BMO cumulées par le diagnostic", ""),
    "bmo_window_end": ("Dernière vague de la fenêtre (0 : la plus récente)", ""),
    "weight_specialisation": ("Poids de la spécialisation", ""),
    "weight_difficulty": ("Poids de la difficulté de recrutement", ""),
    "weight_supply_gap": ("Poids de l'écart à l'offre de formation", ""),
    "weight_market": ("Poids de la taille du marché", ""),
    "component_cap_ratio": ("Plafond de chaque composante (rapport à la référence nationale)", ""),
    "recommended_sectors": ("Filières recommandées par ville", ""),
    "max_cohort_share_of_hiring": (
        "Part maximale des projets de recrutement annuels qu'une cohorte peut occuper",
        "",
    ),
    "market_saturation_ratio": (
        "Multiple du marché minimal au-delà duquel la taille du marché n'ajoute rien",
        "",
    ),
    "min_readable_projects": ("Projets par an en dessous desquels une filière n'est pas lue", ""),
    "nomenclature_break_tolerance": (
        "Variation de la part nationale d'une filière au-delà de laquelle son évolution à travers "
        "la rupture FAP 2009 / FAP 2021 est signalée",
        "",
    ),
    "rank_draws": ("Tirages du rééchantillonnage (intervalles de rang)", ""),
    "rank_seed": ("Graine du rééchantillonnage", ""),
    "weight_concentration": ("Concentration de la loi de Dirichlet des poids tirés", ""),
    "turnkey_learners": ("Apprenants du concept « clef en main » (cohorte de référence)", ""),
}
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


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
    figure: Figure | None
    # The chart's data as a table (None where the section shows that table anyway).
    table: Table | None
    missing: str = ""


def _table(
    caption: str, headers: list[str], rows: list[list[Any]], numeric=(), widths=None
) -> Table:
    return Table(caption, headers, [[str(c) for c in row] for row in rows], set(numeric), widths)


def _widths(first: int, fixed: list[int], rest: int) -> list[int]:
    """Column widths in %: a first column, fixed ones, and `rest` columns sharing what is left
    (the remainder goes to the first column)."""
    share, extra = divmod(100 - first - sum(fixed), rest)
    return [first + extra, *fixed, *[share] * rest]


def and_list(items: list[str]) -> str:
    """'a', 'a et b', 'a, b et c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def _value(profile: dict[str, Any], key: str):
    value = profile.get(key)
    return None if fmt.is_missing(value) else value


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ratio(value) -> str:
    # Two decimals: a quotient of 1.04 must not read as exactly the national share.
    return fmt.number(value, 2)


def _places(value) -> str:
    # French: "0,10 place", "1,50 place", "2 places" (plural from 2).
    shown = fmt.number(value, 2)
    return f"{shown} place" if fmt.is_missing(value) or value < 2 else f"{shown} places"


def ordinal(n: int) -> str:
    """1er, 2e, 3e…"""
    return "1er" if int(n) == 1 else f"{int(n)}e"


def _rank(value) -> int | None:
    """Rank bounds are percentiles of the draws (6.05); ranks are whole."""
    return None if fmt.is_missing(value) else int(round(float(value)))


def rank_interval(low, high) -> str:
    """'2–4', or '3' when both bounds are the same rank; 'n.d.' without draws."""
    a, b = _rank(low), _rank(high)
    if a is None or b is None:
        return fmt.MISSING
    return str(a) if a == b else f"{a}–{b}"


def reason_sentence(code: str, row: dict[str, Any]) -> str:
    """One reason code of the ranking mart, worded with the figures of its row."""
    if code == "specialisation":
        return (
            f"spécialisation : {_ratio(row['location_quotient_shrunk'])} fois la part nationale "
            f"des projets de recrutement (intervalle {_ratio(row['location_quotient_low'])}–"
            f"{_ratio(row['location_quotient_high'])})"
        )
    if code == "difficulty":
        local, national = row["difficulty_rate_shrunk"], row["national_difficulty_rate"]
        # A reason is a rate above France's: one decimal more when whole percents tie.
        digits = 1 if fmt.percent(local) == fmt.percent(national) else 0
        return (
            f"difficulté : {fmt.percent(local, digits)} des projets jugés "
            f"difficiles (France {fmt.percent(national, digits)})"
        )
    if code == "supply_gap":
        return (
            f"offre accessible : {_places(row['accessible_places_per_1000'])} pour "
            f"1{fmt.NBSP}000 habitants de 15–64 ans (médiane nationale "
            f"{fmt.number(row['national_median_places_per_1000'], 2)})"
        )
    if code == "market":
        return (
            f"marché : {fmt.number(row['annual_hiring_projects'])} projets par an, au-delà du "
            f"minimum de {fmt.number(row['minimum_market_projects'])} pour une cohorte"
        )
    if code == "tension":
        return f"tension officielle {fmt.tension(row['tension_class'])}"
    raise ValueError(f"unknown reason code {code!r} in mart_town_sector__ranking.reason_codes")


def reasons(row: dict[str, Any]) -> list[str]:
    codes = row["reason_codes"]
    return [reason_sentence(c, row) for c in ([] if fmt.is_missing(codes) else list(codes))]


def exclusion_sentence(row: dict[str, Any]) -> str:
    """Why a sector is not among the recommendable ones ('' when it is)."""
    code = row["exclusion_code"]
    if fmt.is_missing(code):
        return ""
    if code == "outside_catalogue":
        return "hors catalogue de l'opérateur"
    if code == "market_too_small":
        return (
            f"marché trop petit pour une cohorte : {fmt.number(row['annual_hiring_projects'])} "
            f"projets par an, minimum {fmt.number(row['minimum_market_projects'])}"
        )
    if code == "unreadable":
        return (
            f"trop peu de projets pour être lu ({fmt.number(row['annual_hiring_projects'])} par an)"
        )
    raise ValueError(f"unknown exclusion code {code!r} in mart_town_sector__ranking")


def join_tied(labels: list[str]) -> str:
    """'A', 'A ou B', 'A ou B ou C': tied sectors have no order. Sector names hold commas
    ("Communication, culture, sport et animation"), so a comma cannot separate them."""
    return " ou ".join(labels)


def tied_groups(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows in recommendation order, consecutive rows of one tie group together."""
    groups: list[list[dict[str, Any]]] = []
    for row in rows:
        group = row["tie_group"]
        if groups and not fmt.is_missing(group) and groups[-1][0]["tie_group"] == group:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def catalogue_note(row: dict[str, Any]) -> str:
    level = fmt.level(row["suggested_level"])
    if not row["is_in_operator_catalogue"]:
        return "Hors catalogue de l'opérateur : à construire avec un partenaire."
    if not row["operator_can_deliver_level"]:
        return (
            f"Au catalogue de l'opérateur, mais pas au {level} suggéré "
            f"(niveaux proposés : {row['operator_levels']})."
        )
    return f"Au catalogue de l'opérateur au {level} suggéré."


def catalogue_flag(row: dict[str, Any]) -> str:
    if not row["is_in_operator_catalogue"]:
        return "non"
    if not row["operator_can_deliver_level"]:
        return f"oui, niveaux {row['operator_levels']} seulement"
    return "oui"


# --- sections -----------------------------------------------------------------------------------


def _recommended_sector(row: dict[str, Any], count: int) -> dict[str, Any]:
    interval = rank_interval(row["recommendation_rank_low"], row["recommendation_rank_high"])
    # Equal 5th and 95th percentiles: the rank held in at least 90 % of the draws.
    spread = (
        "le même dans au moins 90 % des tirages"
        if interval.isdigit()
        else f"intervalle à 90 % : {interval}"
    )
    return {
        "label": row["sector_label"],
        "reasons": [_capitalised(r) for r in reasons(row)],
        "interval": (
            f"Rang parmi les filières recommandables : {int(row['recommendation_rank'])} "
            f"({spread}) ; parmi les {count} recommandées dans "
            f"{fmt.percent(row['probability_recommended'])} des tirages."
        ),
        "level": fmt.level(row["suggested_level"]),
        "catalogue": catalogue_note(row),
        "weak": row["score"] <= 0,
    }


def synthese(town: TownData, count: int) -> dict[str, Any]:
    p = town.profile
    rows = town.ranking.to_dict(orient="records")
    eligible = sorted(
        (r for r in rows if not fmt.is_missing(r["recommendation_rank"])),
        key=lambda r: r["recommendation_rank"],
    )
    top = [r for r in eligible if r["recommendation_rank"] <= count]
    groups = []
    for members in tied_groups(top):
        group = members[0]["tie_group"]
        # A tie can reach past the recommended sectors: say with which ones.
        beyond = [
            f"{r['sector_label']} ({ordinal(r['recommendation_rank'])})"
            for r in eligible
            if r["recommendation_rank"] > count
            and not fmt.is_missing(group)
            and r["tie_group"] == group
        ]
        groups.append(
            {
                "position": int(members[0]["recommendation_rank"]),
                "title": join_tied([r["sector_label"] for r in members]),
                "tied": len(members) > 1,
                "beyond": beyond,
                "sectors": [_recommended_sector(r, count) for r in members],
            }
        )
    partners = [
        {
            "label": r["sector_label"],
            "reasons": [_capitalised(x) for x in reasons(r)],
            "rank": f"{ordinal(r['rank'])} sur {len(rows)} toutes filières confondues "
            f"(intervalle {rank_interval(r['rank_low'], r['rank_high'])})",
        }
        for r in rows
        if r["is_partner_need"]
    ]
    minimum = rows[0]["minimum_market_projects"] if rows else None
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
    return {
        "count": count,
        "groups": groups,
        "partners": partners,
        "ranked": bool(rows),
        "minimum": fmt.number(minimum),
        "figures": figures,
    }


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
            for r in fmt.rows(sites)
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
            for r in fmt.rows(communes)
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


BREAK_MARK = "†"
BREAK_NOTE = (
    f"{BREAK_MARK} : la fenêtre traverse le changement de nomenclature des métiers (FAP 2009 puis "
    "FAP 2021) et la part nationale de la filière a bougé à cette occasion : son évolution n'est "
    "pas fiable."
)


def change(value) -> str:
    """A relative change with its sign: +12 %, −5 %."""
    if fmt.is_missing(value):
        return fmt.MISSING
    shown = fmt.percent(abs(value))
    return f"+{shown}" if value > 0 else (f"−{shown}" if value < 0 else shown)


def evolution(town: TownData) -> tuple[Chart, dict[str, Any]]:
    """The Évolution chart (every BMO wave of the mart, any number) and its table."""
    waves = town.waves
    years = sorted(int(y) for y in waves["survey_year"].unique())
    wide = waves.pivot_table(
        index="sector_code", columns="survey_year", values="hiring_projects", aggfunc="sum"
    )
    # Plain dicts: row-wise pandas lookups cost more than the rest of the page.
    by_wave = wide.to_dict(orient="index")
    last = (
        waves[waves["survey_year"] == years[-1]].set_index("sector_code").to_dict(orient="index")
        if years
        else {}
    )
    sectors = waves.drop_duplicates("sector_code").set_index("sector_code").to_dict(orient="index")
    order = sorted(by_wave, key=lambda c: -(fmt.value_or(by_wave[c].get(years[-1]), 0)))
    # The ranking's window is the same for every sector of the town.
    window = [
        (s["trend_first_year"], s["trend_last_year"])
        for s in sectors.values()
        if not fmt.is_missing(s["trend_first_year"])
    ]
    first_year, last_year = window[0] if window else (None, None)
    rows = []
    for code in order:
        s = sectors[code]
        mark = f" {BREAK_MARK}" if s["is_trend_break_affected"] else ""
        now = last.get(code, {})
        rows.append(
            [
                s["sector_label"] + mark,
                *[fmt.number(by_wave[code].get(y)) for y in years],
                change(s["hiring_change"]) + mark,
                fmt.percent(now.get("difficulty_rate_shrunk")),
                fmt.percent(now.get("seasonal_share")),
                fmt.tension(now.get("tension_class")),
                fmt.percent(now.get("estimated_share"), 1),
            ]
        )
    trend = (
        f"Évolution {fmt.year(first_year)} → {fmt.year(last_year)}"
        if not fmt.is_missing(first_year) and not fmt.is_missing(last_year)
        else "Évolution"
    )
    latest = f" ({years[-1]})" if years else ""
    n = len(years)
    table = _table(
        "Projets de recrutement par filière et par vague BMO",
        [
            "Filière",
            *[f"Projets {y}" for y in years],
            trend,
            f"Part difficile{latest}",
            f"Part saisonnière{latest}",
            "Tension officielle",
            f"Part estimée (secret){latest}",
        ],
        rows,
        numeric=range(1, n + 6),
        widths=_widths(22, [8] * n, 5),
    )
    broken = [r["sector_label"] for r in sectors.values() if r["is_trend_break_affected"]]
    chart = Chart(
        "chart-evolution",
        "Évolution des projets de recrutement par filière, vague par vague",
        charts.hiring_waves(waves, BREAK_MARK) if not waves.empty else None,
        table,
        "" if not waves.empty else "Aucun projet de recrutement BMO n'est rattaché à cette zone.",
    )
    return chart, {"years": years, "broken": broken}


def besoins(town: TownData) -> dict[str, Any]:
    waves = town.waves
    latest = town.profile.get("latest_survey_year")
    latest = None if fmt.is_missing(latest) else int(latest)
    evolution_chart, trend = evolution(town)

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
                for r in fmt.rows(frame)
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
    latest_rows = waves[waves["survey_year"] == latest] if latest else waves.iloc[0:0]
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
    years = trend["years"]
    return {
        "latest": latest if total else None,
        "years": and_list([str(y) for y in years]),
        "waves": len(years),
        "broken": trend["broken"],
        "break_note": BREAK_NOTE,
        "total": fmt.number(total),
        "seasonal": fmt.percent(seasonal),
        "estimated": fmt.percent(town.profile.get("catchment_estimated_share"), 1),
        "nomenclature": ", ".join(nomenclature),
        "charts": [evolution_chart, volume, difficulty],
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
            for r in fmt.rows(supply)
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
            for r in fmt.rows(access)
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


def status(row: dict[str, Any]) -> str:
    """A sector's place in the recommendation: its rank and interval, or why it has none."""
    if not fmt.is_missing(row["recommendation_rank"]):
        text = f"recommandable, n° {int(row['recommendation_rank'])}"
        interval = rank_interval(
            row.get("recommendation_rank_low"), row.get("recommendation_rank_high")
        )
        # A single rank is the rank itself: only a range says something.
        return f"{text} ({interval})" if "–" in interval else text
    text = exclusion_sentence(row)
    return text + (" ; à construire avec un partenaire" if row["is_partner_need"] else "")


def specialisation_market(town: TownData, count: int) -> Chart:
    frame = town.specialisation
    rows = frame.to_dict(orient="records")
    table = _table(
        "Spécialisation et taille du marché par filière",
        [
            "Filière",
            "Projets par an",
            "Quotient de localisation (intervalle à 90 %)",
            "Quotient régional",
            "Part difficile",
            "Catalogue",
            "Recommandation",
        ],
        [
            [
                r["sector_label"],
                fmt.number(r["annual_hiring_projects"]),
                f"{fmt.number(r['location_quotient_shrunk'], 2)} "
                f"({fmt.number(r['location_quotient_low'], 2)}–"
                f"{fmt.number(r['location_quotient_high'], 2)})",
                fmt.number(r["region_location_quotient"], 2),
                fmt.percent(r["difficulty_rate_shrunk"]),
                "oui" if r["is_in_operator_catalogue"] else "non",
                status(r),
            ]
            for r in rows
        ],
        numeric={1, 2, 3, 4},
        widths=[24, 9, 17, 9, 9, 9, 23],
    )
    return Chart(
        "chart-specialisation",
        "Spécialisation et taille du marché de chaque filière",
        charts.specialisation_market(frame, count) if not frame.empty else None,
        table,
        "" if not frame.empty else "Aucun classement pour cette ville.",
    )


def ecarts(town: TownData, count: int) -> dict[str, Any]:
    ranking = town.ranking
    records_ = ranking.to_dict(orient="records")
    rows = []
    for r in records_:
        rows.append(
            [
                int(r["rank"]),
                rank_interval(r["rank_low"], r["rank_high"]),
                r["sector_label"],
                fmt.number(r["score"], 2),
                fmt.number(r["contribution_specialisation"], 2),
                fmt.number(r["contribution_difficulty"], 2),
                fmt.number(r["contribution_supply_gap"], 2)
                + (" (n)" if r["is_supply_data_thin"] else ""),
                fmt.number(r["contribution_market"], 2),
                status(r),
                fmt.number(r["suggested_level"]),
                catalogue_flag(r),
            ]
        )
    table = _table(
        "Classement complet des filières : score et contributions pondérées",
        [
            "Rang",
            "Intervalle à 90 %",
            "Filière",
            "Score",
            "Spécialisation",
            "Difficulté",
            "Écart d'offre",
            "Marché",
            "Recommandation",
            "Niveau suggéré",
            "Catalogue de l'opérateur",
        ],
        rows,
        numeric={0, 1, 3, 4, 5, 6, 7, 9},
        widths=[5, 7, 21, 6, 8, 7, 7, 6, 19, 6, 8],
    )
    figures = _table(
        "Composantes du score et chiffres sous-jacents (composante = logarithme du rapport à la "
        "référence nationale, 0 = situation nationale)",
        [
            "Filière",
            "Spécialisation",
            "Quotient de localisation (intervalle)",
            "Difficulté",
            "Part difficile (France)",
            "Écart d'offre",
            "Places accessibles / 1 000 hab. (médiane)",
            "Marché",
            "Projets par an (minimum)",
        ],
        [
            [
                r["sector_label"],
                fmt.number(r["specialisation"], 2),
                f"{fmt.number(r['location_quotient_shrunk'], 2)} "
                f"({fmt.number(r['location_quotient_low'], 2)}–"
                f"{fmt.number(r['location_quotient_high'], 2)})",
                fmt.number(r["difficulty"], 2),
                f"{fmt.percent(r['difficulty_rate_shrunk'])} "
                f"({fmt.percent(r['national_difficulty_rate'])})",
                fmt.number(r["supply_gap"], 2) + (" (n)" if r["is_supply_data_thin"] else ""),
                f"{fmt.number(r['accessible_places_per_1000'], 2)} "
                f"({fmt.number(r['national_median_places_per_1000'], 2)})",
                fmt.number(r["market"], 2),
                f"{fmt.number(r['annual_hiring_projects'])} "
                f"({fmt.number(r['minimum_market_projects'])})",
            ]
            for r in records_
        ],
        numeric=set(range(1, 9)),
        widths=[20, 9, 13, 8, 11, 8, 12, 8, 11],
    )
    chart = Chart(
        "chart-gaps",
        "Score par filière et ses quatre composantes pondérées",
        charts.sector_gaps(ranking) if not ranking.empty else None,
        None,
        "" if not ranking.empty else "Aucun classement pour cette ville.",
    )
    first = records_[0] if records_ else {}
    return {
        "specialisation": specialisation_market(town, count),
        "chart": chart,
        "table": table,
        "figures": figures,
        "partners": [r["sector_label"] for r in records_ if r["is_partner_need"]],
        "minimum": fmt.number(first.get("minimum_market_projects")),
    }


COMPONENTS = (
    ("specialisation", "Spécialisation"),
    ("difficulty", "Difficulté de recrutement"),
    ("supply_gap", "Écart à l'offre de formation"),
    ("market", "Taille du marché"),
)


def live(town: TownData, site: SiteData, count: int) -> dict[str, Any]:
    """What the page's weight sliders re-rank (reports/static/live.js): each sector's four
    published components, whether it is recommendable (the weights do not change that: catalogue,
    readability and market size are rules, not scores), and the build's weights normalised."""
    raw = {key: float(site.parameters[f"weight_{key}"]) for key, _ in COMPONENTS}
    total = sum(raw.values())
    rows = town.ranking.sort_values("sector_code").to_dict(orient="records")
    return {
        "kind": "sectors",
        "count": count,
        "scale": 1,
        "digits": 2,
        "publishedText": "Poids publiés : le classement est celui du rapport.",
        "changedText": "Poids modifiés : classement recalculé dans la page (intervalles et "
        "égalités du rapport non recalculés).",
        "weights": [
            {"key": key, "label": label, "published": raw[key] / total} for key, label in COMPONENTS
        ],
        "items": [
            {
                "label": r["sector_label"],
                "order": n,
                "values": [float(r[key]) for key, _ in COMPONENTS],
                "eligible": not fmt.is_missing(r["recommendation_rank"]),
                "rank": int(r["rank"]),
                "status": status(r),
            }
            for n, r in enumerate(rows)
        ],
    }


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


def _latest_comparison(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure that speaks for the published ranking: the mean over pairs where there is one,
    otherwise the comparison reaching the most recent wave."""
    for r in rows:
        if r["comparison"] == "mean of the pairs":
            return r
    return max(rows, key=lambda r: max((int(y) for y in YEAR.findall(r["comparison"])), default=0))


def _target(value, target) -> str:
    if fmt.is_missing(target):
        return "—"
    met = "atteinte" if not fmt.is_missing(value) and value >= target else "non atteinte"
    return f"≥ {fmt.number(target, 2)} : {met}"


def evaluation_tables(evaluation: pd.DataFrame) -> tuple[Table, Table]:
    """The headline figures (one per measure, with what it means) and every comparison."""
    headline, every = [], []
    figures = evaluation.to_dict(orient="records")
    for (family, metric), (label, meaning) in EVALUATION_METRICS.items():
        rows = [r for r in figures if r["family"] == family and r["metric"] == metric]
        if not rows:
            continue
        r = _latest_comparison(rows)
        headline.append(
            [
                label,
                comparison_fr(r["comparison"]),
                fmt.number(r["value"], 2),
                _target(r["value"], r["target"]),
                meaning,
            ]
        )
        every.extend(
            [
                label,
                comparison_fr(x["comparison"]),
                fmt.number(x["value"], 2),
                _target(x["value"], x["target"]),
                fmt.number(x["count"]),
            ]
            for x in rows
        )
    return (
        _table(
            "Ce que vaut le diagnostic, mesuré sur les vagues BMO elles-mêmes",
            ["Mesure", "Comparaison", "Valeur", "Cible", "Ce que cela veut dire"],
            headline,
            {2},
            widths=[22, 16, 7, 13, 42],
        ),
        _table(
            "Toutes les comparaisons",
            ["Mesure", "Comparaison", "Valeur", "Cible", "Effectif"],
            every,
            {2, 4},
            widths=[34, 28, 10, 18, 10],
        ),
    )


def vintages_table(site: SiteData) -> Table:
    """Each source's vintage(s) the build read (meta_build) and the ingested ones it left aside
    (ref_vintages)."""
    titles = {src.dataset: src.title_fr for src in site.sources}
    rows = []
    for dataset, group in site.vintages.groupby("dataset", sort=True):
        used = [
            r.vintage + (f" (année {r.period})" if not fmt.is_missing(r.period) else "")
            for r in fmt.rows(group)
            if (dataset, r.vintage) in site.built_vintages
        ]
        aside = [
            r.vintage
            for r in fmt.rows(group)
            if r.is_ingested and (dataset, r.vintage) not in site.built_vintages
        ]
        rows.append(
            [
                titles.get(dataset, dataset),
                ", ".join(used) or "aucun",
                ", ".join(aside) or "—",
            ]
        )
    return _table(
        "Millésimes lus par la construction de l'entrepôt",
        ["Jeu de données", "Millésime(s) retenu(s)", "Autres millésimes téléchargés, non lus"],
        rows,
        widths=[52, 28, 20],
    )


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
        for r in fmt.rows(quality)
    ]
    ranking = town.ranking
    window = ranking.iloc[0] if not ranking.empty else None
    minutes = site.parameters.get("catchment_minutes")
    evaluation, evaluation_all = evaluation_tables(site.evaluation)
    get = site.parameters.get
    listed = set(site.vintages["dataset"])
    return {
        "sources": site.sources,
        # Downloaded vintages of a source whose selection ref_vintages makes, left aside.
        "unread": {
            (src.dataset, src.vintage)
            for src in site.sources
            if src.dataset in listed and (src.dataset, src.vintage) not in site.built_vintages
        },
        "vintages": vintages_table(site),
        "window": (
            {
                "first": fmt.year(window["trend_first_year"]),
                "last": fmt.year(window["trend_last_year"]),
                "waves": fmt.number(window["waves"]),
            }
            if window is not None
            else None
        ),
        "weights": {
            name: fmt.number(get(f"weight_{name}"), 2)
            for name in ("specialisation", "difficulty", "supply_gap", "market")
        },
        "cohort": fmt.number(get("turnkey_learners")),
        "sectors": fmt.number(get("recommended_sectors")),
        "cohort_share": fmt.percent(get("max_cohort_share_of_hiring")),
        "minimum": fmt.number(window["minimum_market_projects"]) if window is not None else "",
        "readable": fmt.number(get("min_readable_projects")),
        "saturation": fmt.number(get("market_saturation_ratio")),
        "cap": fmt.number(get("component_cap_ratio")),
        "draws": fmt.number(get("rank_draws")),
        "evaluation": evaluation,
        "evaluation_all": evaluation_all,
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
        "synthese": synthese(town, recommended_count(site.parameters)),
        "territoire": territoire(town, rings, bands),
        "besoins": besoins(town),
        "offre": offre(town),
        "ecarts": ecarts(town, recommended_count(site.parameters)),
        "comparaison": comparaison(town),
        "methode": methode(town, site),
        "live": live(town, site, recommended_count(site.parameters)),
        "pages": site.pages,
    }
