"""What a town report shows, read from the warehouse: one SQL file of `reports/queries/` per chart
or table (run them in DuckDB to check any figure), the lookup of the TOWN argument, and the
provenance of every dataset as the build recorded it (`meta_sources`).

Values reach SQL only as bound parameters (`$town_code`); the SQL text is the repository's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from connectors.shared import codes
from connectors.shared.names import fold
from reports import fmt

QUERY_DIR = Path(__file__).with_name("queries")


@cache
def sql(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run `reports/queries/<name>.sql` with bound named parameters."""
    return con.execute(sql(name), params).df()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict(orient="records")


# --- the TOWN argument --------------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    code: str
    label: str
    departement_code: str

    def __str__(self) -> str:
        return f"{self.label} ({self.departement_code}, INSEE {self.code})"


class TownLookupError(LookupError):
    """The TOWN argument does not designate one candidate town; the message says what to do."""


class TownNotFound(TownLookupError):
    pass


class AmbiguousTown(TownLookupError):
    def __init__(self, text: str, matches: list[Commune]):
        self.matches = matches
        listing = "\n".join(f"  {c}" for c in matches)
        super().__init__(
            f"{len(matches)} communes are named {text!r}:\n{listing}\n"
            "Give the INSEE code of the one you mean."
        )


class NotCandidate(TownLookupError):
    def __init__(self, commune: Commune):
        self.commune = commune
        super().__init__(
            f"{commune} is not a candidate town: it has no catchment nor sector ranking, so no "
            "report. Add its code to a --candidates file and rebuild (`gpect build "
            "--candidates FILE`) to rank it."
        )


def _communes(con: duckdb.DuckDBPyConnection, name: str) -> list[Commune]:
    return [
        Commune(r["commune_code"], r["commune_label"], r["departement_code"])
        for r in records(query(con, name))
    ]


def resolve_town(con: duckdb.DuckDBPyConnection, text: str) -> Commune:
    """The candidate town designated by an INSEE code or a name; candidate towns are searched
    first, then every commune (to say clearly that a commune is not a candidate)."""
    wanted = text.strip()
    candidates = _communes(con, "candidate_names")
    code = codes.commune_code(wanted)
    if code:
        found = [c for c in candidates if c.code == code]
        if found:
            return found[0]
        known = [c for c in _communes(con, "commune_names") if c.code == code]
        if known:
            raise NotCandidate(known[0])
        raise TownNotFound(f"no commune has the INSEE code {code} (COG 2025).")
    key = fold(wanted)
    if not key:
        raise TownNotFound("give a town name or an INSEE code.")
    found = [c for c in candidates if fold(c.label) == key]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise AmbiguousTown(wanted, found)
    known = [c for c in _communes(con, "commune_names") if fold(c.label) == key]
    if len(known) == 1:
        raise NotCandidate(known[0])
    if len(known) > 1:
        raise AmbiguousTown(wanted, known)
    raise TownNotFound(
        f"no commune is named {wanted!r}. Check the spelling, or give the INSEE code; "
        "the index page lists the candidate towns."
    )


def town_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [c.code for c in _communes(con, "candidate_names")]


def safe_code(code: str) -> str:
    """Output file names are INSEE codes; a code that is not one never becomes a path."""
    if not codes.is_commune_code(code):
        raise ValueError(
            f"{code!r} is not an INSEE commune code; refusing to use it as a file name"
        )
    return code


# --- data of one town ---------------------------------------------------------------------------


@dataclass
class TownData:
    code: str
    profile: dict[str, Any]
    ranking: pd.DataFrame
    waves: pd.DataFrame
    specialisation: pd.DataFrame
    metiers_volume: pd.DataFrame
    metiers_difficulty: pd.DataFrame
    supply: pd.DataFrame
    access: pd.DataFrame
    communes: pd.DataFrame
    sites: pd.DataFrame
    peers: pd.DataFrame
    polygon_codes: pd.DataFrame


# TownData field → (query, extra parameters): one query per chart or table, run once for every
# town of the run (a whole site reads the warehouse 12 times, not 12 times per town).
TOWN_QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "ranking": ("town_ranking", {}),
    "waves": ("hiring_waves", {}),
    "specialisation": ("specialisation_market", {}),
    "metiers_volume": ("top_metiers", {"measure": "hiring"}),
    "metiers_difficulty": ("top_metiers", {"measure": "difficult"}),
    "supply": ("training_supply", {}),
    "access": ("accessibility", {}),
    "communes": ("catchment_communes", {}),
    "sites": ("training_sites", {}),
    "polygon_codes": ("catchment_polygon_codes", {}),
}


def _split(frame: pd.DataFrame, codes: list[str]) -> dict[str, pd.DataFrame]:
    """One frame per town (query order kept, `town_code` dropped); an empty frame for a town
    without rows, with the query's columns."""
    # Row positions per town, then one `take` each: slicing the groups of a groupby costs ~40 %
    # more (a site splits 2,460 frames before any page is written).
    body = frame.drop(columns="town_code")
    where = frame.groupby("town_code", sort=False).indices
    empty = body.iloc[0:0]
    return {
        code: body.take(where[code]).reset_index(drop=True) if code in where else empty
        for code in codes
    }


def load_towns(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, TownData]:
    """The data of every town in `codes`, in that order."""
    profiles = {r["town_code"]: r for r in records(query(con, "town_profile", town_codes=codes))}
    missing = [c for c in codes if c not in profiles]
    if missing:
        raise TownNotFound(
            f"{', '.join(missing)} not in mart_town__profile: rebuild the warehouse?"
        )
    frames = {
        field_: _split(query(con, name, town_codes=codes, **extra), codes)
        for field_, (name, extra) in TOWN_QUERIES.items()
    }
    peers = query(con, "peers", town_codes=codes)
    bands = dict(zip(peers["town_code"], peers["band_label"], strict=True))
    groups = {band: part.reset_index(drop=True) for band, part in peers.groupby("band_label")}
    return {
        code: TownData(
            code=code,
            profile=profiles[code],
            peers=groups[bands[code]] if code in bands else peers.iloc[0:0],
            **{field_: frames[field_][code] for field_ in TOWN_QUERIES},
        )
        for code in codes
    }


def load_town(con: duckdb.DuckDBPyConnection, code: str) -> TownData:
    return load_towns(con, [code])[code]


# --- data shared by every page: build, quality, sources ----------------------------------------


@dataclass(frozen=True)
class SourceFile:
    part: str
    sha256: str
    bytes: int | None
    fetched_at: str | None


@dataclass(frozen=True)
class SourceVintage:
    dataset: str
    title: str
    title_fr: str
    publisher: str
    licence: str
    documentation: str
    vintage: str
    url: str
    files: tuple[SourceFile, ...]

    @property
    def fetched_on(self) -> str | None:
        dates = [f.fetched_at for f in self.files if f.fetched_at]
        return max(dates)[:10] if dates else None


def provenance(con: duckdb.DuckDBPyConnection) -> list[SourceVintage]:
    """Every dataset vintage the build read, with its raw files as the build recorded them
    (`meta_sources`); an empty `files` means the build found no download manifest."""
    frame = query(con, "sources")
    out = []
    for (dataset, _, vintage), group in frame.groupby(
        ["dataset", "vintage_order", "vintage"], sort=True
    ):
        first = group.iloc[0]
        files = tuple(
            SourceFile(
                r.part,
                r.sha256,
                None if fmt.is_missing(r.bytes) else int(r.bytes),
                None if fmt.is_missing(r.fetched_at) else r.fetched_at,
            )
            for r in fmt.rows(group)
            if not fmt.is_missing(r.sha256)
        )
        out.append(
            SourceVintage(
                dataset,
                first["title"],
                first["title_fr"],
                first["publisher"],
                first["licence"],
                first["documentation"],
                vintage,
                first["source_url"],
                files,
            )
        )
    return out


@dataclass
class SiteData:
    built_at: str
    parameters: dict[str, float]
    # Build parameter → (French label, unit), from meta_parameters.
    parameter_labels: dict[str, tuple[str, str]]
    quality: pd.DataFrame
    sources: list[SourceVintage]
    towns: pd.DataFrame
    # ref_vintages: every registered vintage, is_selected saying which ones the build read.
    vintages: pd.DataFrame
    # (dataset, vintage) pairs meta_build recorded as read by this build.
    built_vintages: set[tuple[str, str]]
    evaluation: pd.DataFrame
    # Candidate town codes whose page exists (index links); filled when pages are written.
    pages: set[str] = field(default_factory=set)


def load_site(con: duckdb.DuckDBPyConnection) -> SiteData:
    meta = records(query(con, "build_meta"))
    if not meta:
        raise RuntimeError("meta_build is empty: the warehouse was not built by `gpect build`")
    parameters = json.loads(meta[0]["parameters"])
    built_vintages = json.loads(meta[0]["vintages"] or "[]")
    return SiteData(
        built_at=str(meta[0]["built_at"])[:16],
        parameters=parameters,
        parameter_labels={
            r["name"]: (r["label_fr"], r["unit"]) for r in records(query(con, "parameters"))
        },
        quality=query(con, "quality"),
        sources=provenance(con),
        towns=query(con, "towns_index", top=recommended_count(parameters)),
        vintages=query(con, "vintages"),
        built_vintages={(v["dataset"], v["vintage"]) for v in built_vintages},
        evaluation=query(con, "evaluation"),
    )


def recommended_count(parameters: dict[str, float]) -> int:
    """How many sectors the Synthèse and the index recommend: the build's own setting."""
    return int(parameters.get("recommended_sectors", 3))
