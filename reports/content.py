"""What a town page says: the sections of the report built from the town's data, as plain values,
formatted tables and figures that the template lays out. Missing values are said, never filled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from reports import charts, fmt
from reports.charts import Figure
from reports.data import SiteData, TownData, recommended_count
from reports.evaluation import EVALUATION_METRICS, comparison_fr
from reports.geo import Ring

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


@dataclass(frozen=True)
class Column:
    """One column of a report table, declared once: the row key it shows, its French header, its
    printed width (% of the table: printing uses a fixed table layout, auto layout is slow in
    WeasyPrint), its alignment and how a value is written."""

    key: str
    header: str
    width: int
    numeric: bool = False
    show: Callable[[Any], str] = str


def _num(key: str, header: str, width: int, digits: int = 0) -> Column:
    return Column(key, header, width, True, lambda v: fmt.number(v, digits))


def _pct(key: str, header: str, width: int, digits: int = 0) -> Column:
    return Column(key, header, width, True, lambda v: fmt.percent(v, digits))


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    # Right-aligned (numeric) columns.
    numeric: set[int] = field(default_factory=set)
    # Column widths in %, the share each column is offered (a long word still widens its column).
    widths: list[int] | None = None


@dataclass
class Chart:
    id: str
    title: str
    figure: Figure | None
    # The chart's data as a table (None where the section shows that table anyway).
    table: Table | None
    missing: str = ""


def _table(caption: str, columns: list[Column], rows: list[dict[str, Any]]) -> Table:
    """A table of `rows` (dicts holding every column's key) shown through `columns`."""
    return Table(
        caption,
        [c.header for c in columns],
        [[c.show(row[c.key]) for c in columns] for row in rows],
        {i for i, c in enumerate(columns) if c.numeric},
        [c.width for c in columns],
    )


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
        [
            Column("commune_label", "Commune", 28),
            Column("travel_minutes", "Temps d'accès", 12, True, fmt.minutes),
            _num("establishments", "Établissements", 12),
            _num("lycee_pro_places", "Lycée pro", 12),
            _num("bts_places", "BTS", 12),
            _num("higher_education_students", "Supérieur", 12),
            _num("places", "Total", 12),
        ],
        sites.to_dict(orient="records"),
    )
    communes_table = _table(
        f"Les {len(communes)} communes de la zone",
        [
            Column("commune_label", "Commune", 46),
            Column("commune_code", "Code INSEE", 18),
            Column("travel_minutes", "Temps d'accès", 18, True, fmt.minutes),
            _num("population", "Population", 18),
        ],
        communes.to_dict(orient="records"),
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
            {
                "sector": s["sector_label"] + mark,
                **{y: by_wave[code].get(y) for y in years},
                "change": change(s["hiring_change"]) + mark,
                "difficulty": now.get("difficulty_rate_shrunk"),
                "seasonal": now.get("seasonal_share"),
                "tension": now.get("tension_class"),
                "estimated": now.get("estimated_share"),
            }
        )
    trend = (
        f"Évolution {fmt.year(first_year)} → {fmt.year(last_year)}"
        if not fmt.is_missing(first_year) and not fmt.is_missing(last_year)
        else "Évolution"
    )
    latest = f" ({years[-1]})" if years else ""
    first, *waves_and_rest = _widths(22, [8] * len(years), 5)
    wave_widths, (w_change, w_difficulty, w_seasonal, w_tension, w_estimated) = (
        waves_and_rest[: len(years)],
        waves_and_rest[len(years) :],
    )
    table = _table(
        "Projets de recrutement par filière et par vague BMO",
        [
            Column("sector", "Filière", first),
            *(_num(y, f"Projets {y}", width) for y, width in zip(years, wave_widths, strict=True)),
            Column("change", trend, w_change, True),
            _pct("difficulty", f"Part difficile{latest}", w_difficulty),
            _pct("seasonal", f"Part saisonnière{latest}", w_seasonal),
            Column("tension", "Tension officielle", w_tension, True, fmt.tension),
            _pct("estimated", f"Part estimée (secret){latest}", w_estimated, 1),
        ],
        rows,
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
            [
                Column("metier_label", "Métier", 34),
                Column("sector_label", "Filière", 26),
                _num("hiring_projects", "Projets", 10),
                _num("difficult_projects", "Difficiles", 10),
                _pct("difficulty_rate_shrunk", "Part difficile", 10),
                _pct("seasonal_share", "Part saisonnière", 10),
            ],
            frame.to_dict(orient="records"),
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
            Column("sector_label", "Filière", 22),
            Column("qualification_level", "Niveau", 14, show=fmt.level),
            _num("places", "Places", 8),
            _num("lycee_pro_places", "Lycée pro", 8),
            _num("bts_school_places", "BTS scolaire", 8),
            _num("bts_apprenticeship_places", "BTS apprentissage", 10),
            _num("higher_education_students", "Étudiants", 8),
            _num("accessible_places_per_1000", "Places accessibles / 1 000 hab.", 11, 2),
            _num("national_median_per_1000", "Médiane nationale / 1 000 hab.", 11, 2),
        ],
        supply.to_dict(orient="records"),
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
        [
            Column("sector_label", "Filière", 36),
            _num("accessible_places_per_1000", "Ville", 12, 2),
            _num("national_median_per_1000", "Médiane nationale", 16, 2),
            Column("position", "Position", 12),
            Column("thin", "Données d'offre", 24),
        ],
        [
            {
                **r,
                "position": _position(
                    r["accessible_places_per_1000"], r["national_median_per_1000"]
                ),
                "thin": "quasi absentes au niveau national" if r["is_supply_data_thin"] else "",
            }
            for r in access.to_dict(orient="records")
        ],
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


def _quotient(row: dict[str, Any]) -> str:
    """The shrunk location quotient with its 90 % interval: '1,20 (0,90–1,50)'."""
    return (
        f"{fmt.number(row['location_quotient_shrunk'], 2)} "
        f"({fmt.number(row['location_quotient_low'], 2)}–"
        f"{fmt.number(row['location_quotient_high'], 2)})"
    )


def specialisation_market(town: TownData, count: int) -> Chart:
    frame = town.specialisation
    rows = frame.to_dict(orient="records")
    table = _table(
        "Spécialisation et taille du marché par filière",
        [
            Column("sector_label", "Filière", 24),
            _num("annual_hiring_projects", "Projets par an", 9),
            Column("quotient", "Quotient de localisation (intervalle à 90 %)", 17, True),
            _num("region_location_quotient", "Quotient régional", 9, 2),
            _pct("difficulty_rate_shrunk", "Part difficile", 9),
            Column("catalogue", "Catalogue", 9),
            Column("status", "Recommandation", 23),
        ],
        [
            {
                **r,
                "quotient": _quotient(r),
                "catalogue": "oui" if r["is_in_operator_catalogue"] else "non",
                "status": status(r),
            }
            for r in rows
        ],
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
    thin = {True: " (n)", False: ""}
    table = _table(
        "Classement complet des filières : score et contributions pondérées",
        [
            Column("rank", "Rang", 5, True, lambda v: str(int(v))),
            Column("interval", "Intervalle à 90 %", 7, True),
            Column("sector_label", "Filière", 21),
            _num("score", "Score", 6, 2),
            _num("contribution_specialisation", "Spécialisation", 8, 2),
            _num("contribution_difficulty", "Difficulté", 7, 2),
            Column("supply_gap", "Écart d'offre", 7, True),
            _num("contribution_market", "Marché", 6, 2),
            Column("status", "Recommandation", 19),
            _num("suggested_level", "Niveau suggéré", 6),
            Column("catalogue", "Catalogue de l'opérateur", 8),
        ],
        [
            {
                **r,
                "interval": rank_interval(r["rank_low"], r["rank_high"]),
                "supply_gap": fmt.number(r["contribution_supply_gap"], 2)
                + thin[bool(r["is_supply_data_thin"])],
                "status": status(r),
                "catalogue": catalogue_flag(r),
            }
            for r in records_
        ],
    )
    figures = _table(
        "Composantes du score et chiffres sous-jacents (composante = logarithme du rapport à la "
        "référence nationale, 0 = situation nationale)",
        [
            Column("sector_label", "Filière", 20),
            _num("specialisation", "Spécialisation", 9, 2),
            Column("quotient", "Quotient de localisation (intervalle)", 13, True),
            _num("difficulty", "Difficulté", 8, 2),
            Column("difficulty_rates", "Part difficile (France)", 11, True),
            Column("supply_gap_text", "Écart d'offre", 8, True),
            Column("places", "Places accessibles / 1 000 hab. (médiane)", 12, True),
            _num("market", "Marché", 8, 2),
            Column("projects", "Projets par an (minimum)", 11, True),
        ],
        [
            {
                **r,
                "quotient": _quotient(r),
                "difficulty_rates": f"{fmt.percent(r['difficulty_rate_shrunk'])} "
                f"({fmt.percent(r['national_difficulty_rate'])})",
                "supply_gap_text": fmt.number(r["supply_gap"], 2)
                + thin[bool(r["is_supply_data_thin"])],
                "places": f"{fmt.number(r['accessible_places_per_1000'], 2)} "
                f"({fmt.number(r['national_median_places_per_1000'], 2)})",
                "projects": f"{fmt.number(r['annual_hiring_projects'])} "
                f"({fmt.number(r['minimum_market_projects'])})",
            }
            for r in records_
        ],
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
            {
                "indicator": label,
                "town": show(mine),
                "median": show(values.median()) if not values.empty else fmt.MISSING,
                "range": f"{show(values.min())} – {show(values.max())}"
                if not values.empty
                else fmt.MISSING,
                "position": position,
            }
        )
    band = me["band_label"].iloc[0] if not me.empty else None
    return {
        "band": band,
        "count": len(others),
        "peers": others[["town_code", "town_label", "departement_code"]].to_dict(orient="records"),
        "table": _table(
            "La ville et ses villes comparables",
            [
                Column("indicator", "Indicateur", 36),
                Column("town", "Ville", 14, True),
                Column("median", "Médiane des villes comparables", 18, True),
                Column("range", "Étendue", 18, True),
                Column("position", "Rang (du plus élevé)", 14, True),
            ],
            rows,
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
        headline.append({**r, "label": label, "meaning": meaning})
        every.extend({**x, "label": label} for x in rows)
    comparison = Column("comparison", "Comparaison", 16, show=comparison_fr)
    value = _num("value", "Valeur", 7, 2)
    return (
        _table(
            "Ce que vaut le diagnostic, mesuré sur les vagues BMO elles-mêmes",
            [
                Column("label", "Mesure", 22),
                comparison,
                value,
                Column("target", "Cible", 13),
                Column("meaning", "Ce que cela veut dire", 42),
            ],
            [{**r, "target": _target(r["value"], r["target"])} for r in headline],
        ),
        _table(
            "Toutes les comparaisons",
            [
                Column("label", "Mesure", 34),
                replace(comparison, width=28),
                replace(value, width=10),
                Column("target", "Cible", 18),
                _num("count", "Effectif", 10),
            ],
            [{**x, "target": _target(x["value"], x["target"])} for x in every],
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
            {
                "dataset": titles.get(dataset, dataset),
                "used": ", ".join(used) or "aucun",
                "aside": ", ".join(aside) or "—",
            }
        )
    return _table(
        "Millésimes lus par la construction de l'entrepôt",
        [
            Column("dataset", "Jeu de données", 52),
            Column("used", "Millésime(s) retenu(s)", 28),
            Column("aside", "Autres millésimes téléchargés, non lus", 20),
        ],
        rows,
    )


def methode(town: TownData, site: SiteData) -> dict[str, Any]:
    params = []
    for name, value in site.parameters.items():
        label, unit = site.parameter_labels[name]
        shown = fmt.number(value, 2 if value % 1 else 0)
        params.append({"label": label, "value": f"{shown} {unit}".strip(), "name": name})
    quality = site.quality
    quality_rows = [
        {
            **r,
            "value": fmt.percent(r["value"], 2) if r["unit"] == "share" else fmt.number(r["value"]),
        }
        for r in quality.to_dict(orient="records")
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
            [
                Column("label", "Paramètre", 60),
                Column("value", "Valeur", 15, True),
                Column("name", "Nom technique", 25),
            ],
            params,
        ),
        "quality": _table(
            "Ce que l'entrepôt n'a pas pu rattacher ou classer",
            [
                Column("measure", "Mesure", 70),
                Column("value", "Valeur", 15, True),
                Column("unit", "Unité", 15),
            ],
            quality_rows,
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
