"""Build the DuckDB warehouse from the ingested Parquet with the SQL files in `sql/`.

Each file holds one SELECT; the table takes the file's name. Layers run in order (staging,
intermediate, marts) and, inside a layer, in the dependency order its header's `upstream:` list
declares (the body must read exactly those tables; sql/README.md). The macros of `sql/macros/`
are created first. The build writes to a temporary DuckDB file, runs every
`sql/checks/check_*.sql` (each returns failing rows; zero rows is a pass) and only then renames
the file over the published warehouse, so a failed build leaves the previous warehouse untouched.

SQL text is composed here only from the repository's own SQL files, table names checked by
`_name` and file paths quoted by `_literal` (DuckDB cannot bind identifiers or DDL); no value
from a user reaches SQL text: candidate towns and parameters are inserted as bound parameters.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from connectors import parse, registry
from connectors.shared import candidates as candidates_mod
from connectors.shared.files import write_with
from flows.pipeline import diagnostic, parameters, provenance
from flows.pipeline.errors import BuildError
from flows.pipeline.settings import REFERENCE_DIR, REPO_ROOT, SQL_DIR, Settings

LAYERS = ("staging", "intermediate", "marts")
PREFIXES = {"staging": "stg_", "intermediate": "int_", "marts": "mart_", "checks": "check_"}
HEADER_KEYS = ("purpose:", "grain:", "upstream:")
MACROS_DIR = "macros"
# The one-row table of the model parameters (register_parameters) and the candidate towns.
PARAMS_TABLE = "params"
CANDIDATES_TABLE = "param_candidates"
# What a body may read: names with a layer prefix, and the parameter row. Used to keep the
# declared `upstream:` lists true, never to infer dependencies.
_IDENT = re.compile(r"\b((?:stg|int|mart|src|ref|param|meta)_[a-z0-9_]+|params)\b")
_HEADER_KEY = re.compile(r"^--\s*([a-z_]+):", re.MULTILINE)


# Publish guards, beyond the checks: a warehouse is never published without one of these marts
# (a partial SQL project), with no candidate town, or with more than MAX_UNRANKED_SHARE of its
# towns lacking a sector ranking. Empty marts are a check (check_marts__not_empty).
TOWNS_TABLE = "mart_town__profile"
RANKING_TABLE = "mart_town_sector__ranking"
REQUIRED = (TOWNS_TABLE, RANKING_TABLE, "mart_town__catchment_communes")
MAX_UNRANKED_SHARE = 0.0
SHOWN_ROWS = 5  # failing rows named in a message


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path | None
    sql: str
    refs: frozenset[str]
    # A Python model (flows/pipeline/diagnostic) yields its table as data frames instead of SQL.
    run: Callable[[duckdb.DuckDBPyConnection, dict[str, float]], Iterable[object]] | None = None

    @property
    def where(self) -> str:
        return self.path.name if self.path else f"flows/pipeline/diagnostic: {self.name}"


@dataclass
class BuildResult:
    path: Path
    seconds: float
    tables: dict[str, int]
    checks: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _where(path: Path) -> Path:
    return path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path


def declared_upstream(header: str) -> frozenset[str]:
    """The table names of a header's `upstream:` entry, which may run over several lines."""
    keys = list(_HEADER_KEY.finditer(header))
    for key, following in zip(keys, [*keys[1:], None], strict=True):
        if key.group(1) == "upstream":
            text = header[key.end() : following.start() if following else None]
            return frozenset(re.findall(r"[a-z][a-z0-9_]*", re.sub(r"(?m)^--", "", text)))
    return frozenset()


def load_model(path: Path, layer: str) -> Model:
    """A model whose dependencies are its header's `upstream:` list; the body must read exactly
    the tables listed there (an unlisted read would escape the build order, a listed table the
    body does not read would order it for nothing)."""
    text = path.read_text(encoding="utf-8")
    where = _where(path)
    if not path.stem.startswith(PREFIXES[layer]):
        raise BuildError(f"{where}: a {layer} file is named {PREFIXES[layer]}<...>.sql")
    header = text.split("\n\n", 1)[0].lower()
    missing = [k for k in HEADER_KEYS if k not in header]
    if missing:
        raise BuildError(f"{where}: the header comment lacks {missing}")
    body = _strip_comments(text).strip().rstrip(";")
    if ";" in re.sub(r"'(?:[^']|'')*'", "''", body):
        raise BuildError(f"{where}: one SELECT per file (found several statements)")
    refs = declared_upstream(header)
    read = frozenset(_IDENT.findall(body)) - {path.stem}
    if read - refs:
        raise BuildError(
            f"{where}: the body reads {sorted(read - refs)}, absent from its header's upstream: "
            "list them there"
        )
    if refs - read:
        raise BuildError(
            f"{where}: the header's upstream lists {sorted(refs - read)}, which the body does "
            "not read: remove them from the header"
        )
    return Model(path.stem, layer, path, body, refs)


def load_macros(sql_dir: Path = SQL_DIR) -> list[tuple[Path, str]]:
    """(file, `create macro` statement) of every `sql/macros/*.sql`, one macro per file."""
    macros = []
    for path in sorted((sql_dir / MACROS_DIR).glob("*.sql")):
        body = _strip_comments(path.read_text(encoding="utf-8")).strip().rstrip(";")
        if not re.match(rf"create\s+(or\s+replace\s+)?macro\s+{path.stem}\s*\(", body, re.I):
            raise BuildError(
                f"{_where(path)}: a macro file holds one `create macro {path.stem}(...)`"
            )
        macros.append((path, body))
    return macros


def create_macros(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    for path, statement in load_macros(sql_dir):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise BuildError(f"{_where(path)}: {exc}") from exc


def known_inputs(reference_dir: Path = REFERENCE_DIR) -> set[str]:
    """Tables the build registers before any model: source views, reference tables, parameters."""
    return (
        {_name(f"src_{ds}") for ds in registry.catalog()}
        | {_name(f"ref_{p.stem}") for p in reference_dir.glob("*.csv")}
        | {VINTAGES_TABLE, PARAMS_TABLE, CANDIDATES_TABLE}
    )


def discover(
    sql_dir: Path = SQL_DIR,
    without: str | None = None,
    reference_dir: Path = REFERENCE_DIR,
) -> tuple[list[Model], list[Model]]:
    """(models in execution order, checks); `without` drops every model that reads that table,
    directly or through another model. A model or check whose header lists a table that is
    neither a model nor a registered input is an error naming its file."""
    models = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            model = load_model(path, layer)
            models[model.name] = model
    for py in diagnostic.MODELS:
        models[py.name] = Model(py.name, "marts", None, "", py.upstream, py.run)
    checks = [load_model(p, "checks") for p in sorted((sql_dir / "checks").glob("*.sql"))]
    inputs = known_inputs(reference_dir)
    for model in [*models.values(), *checks]:
        unknown = sorted(model.refs - inputs - models.keys())
        if unknown:
            raise BuildError(
                f"{model.where}: upstream lists {unknown}, neither a model of sql/ nor a source, "
                "reference or parameter table: fix the header or add the model"
            )
    if without:
        dropped = {without}
        while grown := {n for n, m in models.items() if m.refs & dropped and n not in dropped}:
            dropped |= grown
        models = {n: m for n, m in models.items() if n not in dropped}
    graph = {name: {r for r in m.refs if r in models} for name, m in models.items()}
    for name, model in models.items():
        for ref in graph[name]:
            if LAYERS.index(models[ref].layer) > LAYERS.index(model.layer):
                raise BuildError(f"{model.where} reads {ref}, a later layer")
    ordered = [models[n] for n in TopologicalSorter(graph).static_order()]
    ordered.sort(key=lambda m: LAYERS.index(m.layer))  # stable: keeps topological order per layer
    return ordered, checks


VINTAGES_TABLE = "ref_vintages"
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _name(name: str) -> str:
    """Table names come from file names and the catalogue; DuckDB cannot bind identifiers, so they
    are checked against a strict pattern instead."""
    if not _SAFE_NAME.match(name):
        raise BuildError(f"unsafe table name {name!r}: use lower-case letters, digits and '_'")
    return name


def _literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def register_sources(
    con: duckdb.DuckDBPyConnection, settings: Settings, needed: set[str]
) -> list[str]:
    """Views `src_<dataset>` over every parsed vintage (with a `vintage` column)."""
    missing = []
    for ds in registry.catalog().values():
        view = _name(f"src_{ds.id}")
        if view not in needed:
            continue
        selects = []
        for vname in ds.vintages:
            table, _, _ = parse.parsed_paths(settings.parsed_dir, ds.id, vname)
            if table.exists():
                selects.append(
                    f"select {_literal(vname)} as vintage, * from read_parquet({_literal(table)})"  # noqa: S608
                )
        if not selects:
            missing.append(ds.id)
            continue
        con.execute(f"create view {view} as " + " union all by name ".join(selects))
    return missing


def register_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    for path in sorted(reference_dir.glob("*.csv")):
        if path.stem == VINTAGES_TABLE.removeprefix("ref_"):
            continue
        # Codes in reference tables keep their leading zeros: read every column as text.
        con.execute(
            f"create table {_name('ref_' + path.stem)} as select * "  # noqa: S608
            f"from read_csv({_literal(path)}, "
            "header = true, all_varchar = true)"
        )


def register_vintages(
    con: duckdb.DuckDBPyConnection, settings: Settings, reference_dir: Path
) -> list[dict]:
    """`ref_vintages`: the vintages each source contributes (data/reference/vintages.csv), with
    the ones this build selects. Of a dataset's declared vintages, the build selects those of the
    best (lowest) preference that is ingested: a preferred vintage not yet downloaded falls back
    to the next one instead of failing, and the choice is recorded in `meta_build`."""
    path = reference_dir / "vintages.csv"
    rows = con.execute(
        f"select * from read_csv({_literal(path)}, header = true, all_varchar = true)"  # noqa: S608
    ).fetchall()
    columns = [d[0] for d in con.description]
    declared = [dict(zip(columns, row, strict=True)) for row in rows]
    for row in declared:
        table, _, _ = parse.parsed_paths(settings.parsed_dir, row["dataset"], row["vintage"])
        row["is_ingested"] = table.exists()
    best: dict[str, int] = {}
    for row in declared:
        if row["is_ingested"]:
            rank = int(row["preference"])
            best[row["dataset"]] = min(best.get(row["dataset"], rank), rank)
    for row in declared:
        row["is_selected"] = row["is_ingested"] and int(row["preference"]) == best[row["dataset"]]
    con.execute(
        f"create table {VINTAGES_TABLE} (dataset varchar, vintage varchar, preference integer, "
        "period varchar, note varchar, is_ingested boolean, is_selected boolean)"
    )
    con.executemany(
        f"insert into {VINTAGES_TABLE} values (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        [
            [
                r["dataset"],
                r["vintage"],
                int(r["preference"]),
                r["period"],
                r["note"],
                r["is_ingested"],
                r["is_selected"],
            ]
            for r in declared
        ],
    )
    return [r for r in declared if r["is_selected"]]


def register_parameters(con: duckdb.DuckDBPyConnection, params: dict[str, float]) -> None:
    """`params`: one row, one double column per parameter, so that a model reads
    `(select catchment_minutes from params)` or cross joins it; `param_candidates` is filled
    once the reference geography is built (resolve_candidates)."""
    columns = ", ".join(f"{_name(name)} double" for name in params)
    con.execute(f"create table {PARAMS_TABLE} ({columns})")
    marks = ", ".join("?" for _ in params)
    con.execute(f"insert into {PARAMS_TABLE} values ({marks})", list(params.values()))  # noqa: S608
    con.execute(f"create table {CANDIDATES_TABLE} (commune_code varchar primary key)")


def resolve_candidates(
    con: duckdb.DuckDBPyConnection, entries: list[candidates_mod.Entry]
) -> list[str]:
    """Current commune codes of a candidates list, against the warehouse's reference geography
    (`int_geo__communes`) and INSEE's passage table (`int_geo__code_passage`), both built before
    the first model that reads `param_candidates`."""
    towns = con.execute(
        "select commune_code as town_code, commune_label as town_label, departement_code "
        "from int_geo__communes"
    ).df()
    passage: dict[str, list[str]] = {}
    for old, current in con.execute(
        "select old_code, current_code from int_geo__code_passage where old_code <> current_code "
        "order by 1, 2"
    ).fetchall():
        passage.setdefault(old, []).append(current)
    try:
        return candidates_mod.resolve(
            entries,
            towns,
            passage=passage,
            unknown_code="not a commune code of the reference geography (COG 2025) nor a "
            "former code INSEE's passage table knows",
        )
    except candidates_mod.CandidatesError as exc:
        raise BuildError(f"{exc}\nFix the list; the previous warehouse is kept.") from exc


def _rows_text(columns: list[str], rows: list[tuple]) -> str:
    shown = "; ".join(
        ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True))
        for row in rows[:SHOWN_ROWS]
    )
    return shown + (f"; … and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else "")


# Every check's first two columns: a short code of the rule broken and a sentence naming the
# table, the key and the rule, which the build error prints (the other columns are for queries).
CHECK_COLUMNS = ("failure_type", "description")
# Marts a good build may leave empty: no lycée partner among a short user list of towns.
MAY_BE_EMPTY = frozenset({"mart_town_lycee_sector__shortlist_partners"})
NO_EMPTY_MART = "check_marts__not_empty"


def _failure_text(columns: list[str], rows: list[tuple]) -> str:
    lines = []
    for row in rows[:SHOWN_ROWS]:
        failure_type, description, *rest = row
        # a NULL description (a NULL in its format arguments) still shows the row's key
        lines.append(
            f"[{failure_type}] "
            + (description or _rows_text(columns[2:], [tuple(rest)]) or "(no description)")
        )
    more = f"\n    … and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
    return "".join(f"\n    {line}" for line in lines) + more


def empty_marts(tables: dict[str, int]) -> list[tuple[str, str]]:
    """The "no mart is empty" check, in Python because one SELECT cannot count the rows of a list
    of tables it reads from the catalogue (DuckDB's estimated_size ignores deletes): the build
    already counted every table it made."""
    return [
        ("empty_mart", f"{name} has no row (only {', '.join(sorted(MAY_BE_EMPTY))} may)")
        for name, rows in sorted(tables.items())
        if name.startswith("mart_") and rows == 0 and name not in MAY_BE_EMPTY
    ]


def run_checks(
    con: duckdb.DuckDBPyConnection, checks: list[Model], tables: dict[str, int] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Run every check, and the empty-mart check over `tables` (name → rows) when given:
    (failing rows per check, one message per failing check)."""
    results, failures = {}, []
    for check in checks:
        # Checks return failing rows only: zero on a good build, so fetching them all is cheap.
        cursor = con.execute(check.sql)
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
        if tuple(columns[:2]) != CHECK_COLUMNS:
            results[check.name] = max(len(rows), 1)
            failures.append(
                f"{check.name}: its first columns are {columns[:2]}, not {list(CHECK_COLUMNS)} "
                "(every check says what is wrong and for which key)"
            )
            continue
        results[check.name] = len(rows)
        if rows:
            failures.append(
                f"{check.name}: {len(rows)} failing rows:{_failure_text(columns, rows)}"
            )
    if tables is not None:
        empty = empty_marts(tables)
        results[NO_EMPTY_MART] = len(empty)
        if empty:
            failures.append(
                f"{NO_EMPTY_MART}: {len(empty)} failing rows:"
                f"{_failure_text(list(CHECK_COLUMNS), empty)}"
            )
    return results, failures


def publish_guards(con: duckdb.DuckDBPyConnection, tables: dict[str, int]) -> list[str]:
    """Why the warehouse must not be published beyond its checks: a REQUIRED mart not built, no
    town, towns without a sector ranking (more than MAX_UNRANKED_SHARE of them)."""
    missing = [name for name in REQUIRED if name not in tables]
    if missing:
        return [f"{', '.join(missing)} not built: the publish guards need them"]
    if tables[TOWNS_TABLE] == 0:
        return ["no candidate town: the warehouse would have no town to report on"]
    unranked = con.execute(
        f"select t.town_code, t.town_label from {TOWNS_TABLE} as t "  # noqa: S608
        f"where not exists (select 1 from {RANKING_TABLE} as r where r.town_code = t.town_code) "
        "order by t.town_code"
    ).fetchall()
    if len(unranked) > MAX_UNRANKED_SHARE * tables[TOWNS_TABLE]:
        return [
            f"{len(unranked)} of {tables[TOWNS_TABLE]} towns have no sector ranking (at most "
            f"{100 * MAX_UNRANKED_SHARE:g} % may): "
            + _rows_text(["town_code", "town_label"], unranked)
        ]
    return []


# While a Python model runs, the data is in its frames and DuckDB only serves it chunk queries:
# its buffer pool is cut to this share of duckdb_memory_limit_mb (lowering the limit evicts cached
# blocks), so the two never hold the peak together.
PYTHON_MODEL_MEMORY_SHARE = 0.25


def write_python_model(con: duckdb.DuckDBPyConnection, model: Model, params: dict) -> None:
    """Append the frames a Python model yields to its table: the first creates it, the next ones
    insert by column name, so that a chunk is released before the next is computed."""
    table = _name(model.name)
    statement = f"create table {table} as select * from python_model_frame"  # noqa: S608
    limit = int(params["duckdb_memory_limit_mb"])
    con.execute(f"set memory_limit = '{max(100, int(limit * PYTHON_MODEL_MEMORY_SHARE))}MB'")
    try:
        for frame in model.run(con, params):
            con.register("python_model_frame", frame)
            con.execute(statement)
            con.unregister("python_model_frame")
            statement = f"insert into {table} by name select * from python_model_frame"  # noqa: S608
    finally:
        con.execute(f"set memory_limit = '{limit}MB'")
    if statement.startswith("create"):
        raise BuildError(f"{model.where}: the model yielded no table")


def configure_duckdb(con: duckdb.DuckDBPyConnection, params: dict[str, float]) -> None:
    """Threads and memory from the settings (duckdb_* in flows/pipeline/settings.py). No insertion
    order is kept (every model that needs an order says ORDER BY), which lets DuckDB stream
    CREATE TABLE AS in parallel without buffering the rows."""
    threads = int(params["duckdb_threads"]) or os.cpu_count() or 1
    memory = int(params["duckdb_memory_limit_mb"])
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory}MB'")
    con.execute("set preserve_insertion_order = false")


def build(
    settings: Settings,
    params: dict[str, float],
    candidates: list[str] | None = None,
    *,
    sql_dir: Path = SQL_DIR,
    reference_dir: Path = REFERENCE_DIR,
    target: Path | None = None,
    without: str | None = None,
) -> BuildResult:
    """Build, check and publish; `without` makes a partial build (no checks, for `reference`).

    `candidates` are the lines of a candidates list (`connectors/shared/candidates.py`), resolved to
    current commune codes once the reference geography is built; None keeps the default towns.
    """
    start = time.perf_counter()
    entries = None
    if candidates is not None:
        try:
            entries = candidates_mod.parse_lines(candidates)
        except candidates_mod.CandidatesError as exc:
            raise BuildError(f"{exc}\nFix the list; the previous warehouse is kept.") from exc
    codes: list[str] | None = None
    target = target or settings.warehouse
    models, checks = discover(sql_dir, without, reference_dir)
    if without:
        checks = []
    needed = set().union(*(m.refs for m in models + checks))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.building.duckdb")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("set autoinstall_known_extensions = false")
        configure_duckdb(con, params)
        missing = register_sources(con, settings, needed)
        if missing:
            raise BuildError(
                f"no ingested data for {missing}; run `gpect fetch` (offline: --mirror) first"
            )
        provenance.record_sources(con, settings.raw_dir, settings.parsed_dir)
        register_reference(con, reference_dir)
        vintages = register_vintages(con, settings, reference_dir)
        register_parameters(con, params)
        parameters.write(con, params)
        create_macros(con, sql_dir)
        tables = {}
        for model in models:
            if entries is not None and codes is None and CANDIDATES_TABLE in model.refs:
                codes = resolve_candidates(con, entries)
                con.executemany(
                    f"insert into {CANDIDATES_TABLE} values (?)",  # noqa: S608
                    [[c] for c in codes],
                )
            try:
                if model.run:
                    write_python_model(con, model, params)
                else:
                    con.execute(f"create table {_name(model.name)} as {model.sql}")
            except duckdb.Error as exc:
                where = model.path.relative_to(sql_dir.parent) if model.path else model.where
                raise BuildError(f"{where}: {exc}") from exc
            count_sql = f"select count(*) from {_name(model.name)}"  # noqa: S608
            tables[model.name] = con.execute(count_sql).fetchone()[0]
        check_results, failures = run_checks(con, checks, None if without else tables)
        if not without:
            failures += publish_guards(con, tables)
        if failures:
            raise BuildError(
                "checks failed, the previous warehouse is kept:\n  " + "\n  ".join(failures)
            )
        con.execute(
            "create table meta_build as select current_timestamp as built_at, "
            "?::json as parameters, ?::json as candidates, ?::json as vintages",
            [
                json.dumps(params),
                json.dumps(codes),
                json.dumps([{"dataset": v["dataset"], "vintage": v["vintage"]} for v in vintages]),
            ],
        )
        con.execute("checkpoint")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return BuildResult(target, time.perf_counter() - start, tables, check_results)


REFERENCE_FILE = REFERENCE_DIR / "standardisation.csv"


def write_reference(settings: Settings, params: dict[str, float], version: str) -> Path:
    """Recompute the national reference distribution and write it as a new reference version.

    Rankings are standardised against this committed file, never against the data of the day:
    regenerating it is a deliberate act (a new `reference_version`), reviewed like code.
    """
    scratch = settings.data_dir / ".reference-build.duckdb"
    try:
        build(settings, params, target=scratch, without="ref_standardisation")
        con = duckdb.connect(str(scratch), read_only=True)
        try:
            frame = con.execute(
                "select ? as reference_version, * from mart_reference__distribution "
                "order by indicator, sector_code",
                [version],
            ).df()
        finally:
            con.close()
    finally:
        scratch.unlink(missing_ok=True)
    return write_with(
        REFERENCE_FILE, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g")
    )
