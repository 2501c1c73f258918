"""What the shortlist reads from a built warehouse (one query of `reports/queries/` each), and
the candidate list naming a subset of its towns."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from connectors.shared import candidates
from reports.data import query
from reports.shortlist.criteria import ShortlistError

NEEDED_TABLES = (
    "mart_town__profile",
    "mart_town__shortlist_inputs",
    "mart_town_sector__ranking",
    "mart_town_lycee_sector__shortlist_partners",
    "mart_town__catchment_communes",
)


@dataclass(frozen=True)
class Inputs:
    """What the shortlist reads from the warehouse."""

    profile: pd.DataFrame  # mart_town__profile joined with mart_town__shortlist_inputs
    ranking: pd.DataFrame  # town_code, sector_code, sector_label, rank, score
    lycees: pd.DataFrame  # mart_town_lycee_sector__shortlist_partners
    catchments: pd.DataFrame  # town_code, commune_code, working_age_population
    built_at: str = ""
    build_parameters: dict[str, float] = field(default_factory=dict)  # meta_build.parameters


def resolve_candidates(lines: Iterable[str], towns: pd.DataFrame) -> list[str]:
    """INSEE codes of the towns a candidates file names, in the grammar of
    `connectors/shared/candidates.py` (codes or names; 'Name (département)' picks among homonyms).

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


def load_inputs(warehouse: Path) -> Inputs:
    """Read the shortlist's inputs from a built warehouse."""
    if not warehouse.exists():
        raise ShortlistError(f"no warehouse at {warehouse}: run `gpect build` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        missing = sorted(set(NEEDED_TABLES) - set(query(con, "warehouse_tables")["table_name"]))
        if missing:
            raise ShortlistError(
                f"the warehouse {warehouse} lacks {missing}: it was built by an older gpect; run "
                "`gpect build` again"
            )
        build = query(con, "shortlist_build").to_dict("records")
        built_at, build_parameters = (
            (build[0]["built_at"], build[0]["parameters"]) if build else ("", None)
        )
        return Inputs(
            profile=query(con, "shortlist_profile"),
            ranking=query(con, "shortlist_ranking"),
            lycees=query(con, "shortlist_lycees"),
            catchments=query(con, "shortlist_catchments"),
            built_at=built_at,
            build_parameters=json.loads(build_parameters) if build_parameters else {},
        )
    finally:
        con.close()
