"""The sector diagnostic's Python models: what SQL cannot say plainly (empirical-Bayes location
quotients, resampled rank intervals, backtests across waves).

Each model reads tables the SQL layers built and yields its table in pieces (a data frame per
chunk of towns), which the build appends to a table of the warehouse one by one, in dependency
order with the SQL models and before the checks (flows/pipeline/build.py): memory follows a chunk,
not the candidate list. `upstream` is the declared list of tables it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from flows.pipeline.diagnostic import evaluation, ranking

# Every town's diagnostic reads its own catchment's rows and the bassins' (the dispersion and the
# priors are estimated over bassins only; the rank intervals use common random numbers, see
# ranking.resample), so the towns are ranked in chunks of CHUNK_TOWNS: memory follows the chunk,
# not the candidate list, and the answer is the same as in one piece.
CHUNK_TOWNS = 4000
TOWNS = "select town_code from int_towns__candidates order by town_code"
WAVES = (
    "select * from int_territory_sector__waves where territory_type = 'bassin' "
    "or territory_code between $first and $last order by all"
)
CONTEXT = (
    "select * from int_town_sector__context where town_code between $first and $last "
    "order by town_code, sector_code"
)
TENSION = "select bassin_code, sector_code, tension_class from int_tension__bassin_sector"
# The evaluation is measured on the towns that get a report (int_towns__candidates
# .has_metier_detail): its figures, quoted in the README and every report, stay those of the
# default list when every commune is a candidate, at the cost of 246 towns rather than 34,888.
DETAIL = "territory_code in (select town_code from int_towns__candidates where has_metier_detail)"
EVALUATION_WAVES = (
    f"select * from int_territory_sector__waves where territory_type = 'bassin' or {DETAIL} "  # noqa: S608
    "order by all"
)
EVALUATION_CONTEXT = (
    "select * from int_town_sector__context "  # noqa: S608
    f"where {DETAIL.replace('territory_code', 'town_code', 1)} order by town_code, sector_code"
)


def _chunks(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, str]]:
    """{first, last}: ranges of candidate town codes, CHUNK_TOWNS towns each."""
    towns = [row[0] for row in con.execute(TOWNS).fetchall()]
    for start in range(0, len(towns), CHUNK_TOWNS):
        chunk = towns[start : start + CHUNK_TOWNS]
        yield {"first": chunk[0], "last": chunk[-1]}


RANKING_COLUMNS = [
    "town_code",
    "town_label",
    "sector_code",
    "sector_label",
    "rank",
    "rank_low",
    "rank_high",
    "recommendation_rank",
    "recommendation_rank_low",
    "recommendation_rank_high",
    "probability_first",
    "probability_recommended",
    "interval_draws",
    "tie_group",
    "score",
    "specialisation",
    "difficulty",
    "supply_gap",
    "market",
    "contribution_specialisation",
    "contribution_difficulty",
    "contribution_supply_gap",
    "contribution_market",
    "reason_codes",
    "exclusion_code",
    "is_eligible",
    "is_partner_need",
    "is_readable",
    "is_market_sufficient",
    "waves",
    "hiring_projects",
    "annual_hiring_projects",
    "minimum_market_projects",
    "expected_hiring",
    "location_quotient",
    "location_quotient_shrunk",
    "location_quotient_low",
    "location_quotient_high",
    "difficult_location_quotient_shrunk",
    "region_location_quotient",
    "difficult_projects",
    "difficulty_rate_shrunk",
    "national_difficulty_rate",
    "estimated_share",
    "accessible_places_per_1000",
    "national_median_places_per_1000",
    "is_supply_data_thin",
    "tension_class",
    "trend_first_year",
    "trend_last_year",
    "hiring_first_wave",
    "hiring_last_wave",
    "hiring_change",
    "is_trend_break_affected",
    "suggested_level",
    "operator_levels",
    "is_in_operator_catalogue",
    "operator_can_deliver_level",
    "operator_distance_learning",
    "operator_work_study",
    "alpha",
    "dispersion",
]


@dataclass(frozen=True)
class PythonModel:
    name: str
    upstream: frozenset[str]
    run: Callable[[duckdb.DuckDBPyConnection, dict[str, float]], Iterator[pd.DataFrame]]
    doc: str


def _ranking(con: duckdb.DuckDBPyConnection, params: dict[str, float]) -> Iterator[pd.DataFrame]:
    towns = con.execute("select count(*) from int_towns__candidates").fetchone()[0]
    # The draws are chosen for the whole candidate list, not for a chunk.
    params = {**params, "rank_draws": ranking.interval_draws(params, towns)}
    for chunk in _chunks(con):
        yield ranking.rank_sectors(
            con.execute(WAVES, chunk).df(), con.execute(CONTEXT, chunk).df(), params
        )[RANKING_COLUMNS]


def _waves(con: duckdb.DuckDBPyConnection, params: dict[str, float]) -> Iterator[pd.DataFrame]:
    for chunk in _chunks(con):
        yield ranking.by_wave(con.execute(WAVES, chunk).df(), params)


def _evaluation(con: duckdb.DuckDBPyConnection, params: dict[str, float]) -> Iterator[pd.DataFrame]:
    yield evaluation.evaluate(
        con.execute(EVALUATION_WAVES).df(),
        con.execute(EVALUATION_CONTEXT).df(),
        con.execute(TENSION).df(),
        params,
    )


_INPUTS = frozenset(
    {"int_territory_sector__waves", "int_town_sector__context", "int_towns__candidates"}
)
MODELS = [
    PythonModel(
        "mart_town_sector__ranking",
        _INPUTS,
        _ranking,
        "ranked training sectors of every candidate town on the pooled BMO window, with 90 % "
        "rank intervals (grain: town × sector, NC excluded)",
    ),
    PythonModel(
        "mart_town_sector__waves",
        frozenset({"int_territory_sector__waves", "int_towns__candidates"}),
        _waves,
        "every town's sector indicators for each BMO wave and for the pooled window: hiring and "
        "difficult projects (a year), location quotient raw and shrunk, shrunk difficulty rate "
        "(grain: town × sector × window)",
    ),
    PythonModel(
        "mart_diagnostic__evaluation",
        _INPUTS | {"int_tension__bassin_sector", "int_towns__candidates"},
        _evaluation,
        "reliability, refresh stability, forecast skill and convergent validity of the sector "
        "diagnostic, measured on the towns that get a report (grain: family × metric × "
        "comparison)",
    ),
]
