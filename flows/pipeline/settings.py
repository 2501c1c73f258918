"""Settings, read from the environment (GPECT_*) and overridden by CLI options.

This is the only module that reads the environment; connectors, SQL and reports get explicit
arguments.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # connectors.http loads requests (0.2 s): only when settings are read
    from connectors.http import HttpConfig

REPO_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


# Model parameters (documented in README "Method"); each can be overridden by GPECT_<NAME>.
MODEL_DEFAULTS: dict[str, float] = {
    # Catchment: great-circle distance x detour factor at an average road speed (an approximation
    # of road travel time, not a routing engine).
    "catchment_minutes": 30,
    "detour_factor": 1.3,
    "speed_kmh": 60,
    # E2SFCA travel-time bands (minutes) and their weights (Luo & Qi 2009 style step decay).
    "band1_minutes": 10,
    "band2_minutes": 20,
    "band1_weight": 1.0,
    "band2_weight": 0.68,
    "band3_weight": 0.22,
    # BMO secret cells are left-censored: published values are never below this bound.
    "secret_upper_bound": 5,
    # BMO waves pooled by the sector diagnostic: the most recent `bmo_window_waves` waves up to
    # `bmo_window_end` (0: the latest ingested wave), the same window for every town.
    "bmo_window_waves": 3,
    "bmo_window_end": 0,
    # Sector score: weights of its four components, each a log ratio to the national reference
    # clipped to ±ln(component_cap_ratio) so that no single extreme figure decides a rank.
    "weight_specialisation": 0.35,
    "weight_difficulty": 0.15,
    "weight_supply_gap": 0.3,
    "weight_market": 0.2,
    "component_cap_ratio": 4,
    # Market size: a recommended sector's catchment must absorb one cohort a year without the
    # cohort exceeding this share of the sector's annual hiring projects; the cohort is the
    # smallest concept's learners (shortlist turnkey_learners) shared over `recommended_sectors`.
    "recommended_sectors": 3,
    "max_cohort_share_of_hiring": 0.25,
    # Beyond this multiple of the minimum market, a larger market adds nothing to the score: the
    # market component rewards a market able to absorb cohorts, not the largest sectors.
    "market_saturation_ratio": 3,
    # Below this many hiring projects a year in the catchment, a sector's figures are too small to
    # read: flagged and never recommended.
    "min_readable_projects": 10,
    # A trend across the FAP 2009 / FAP 2021 break is flagged as unreliable when the sector's
    # national share moves by more than this relative amount across the break.
    "nomenclature_break_tolerance": 0.15,
    # Rank intervals: resampling draws (waves by Bayesian bootstrap, censored cells, weights from
    # a Dirichlet of this concentration around the weights above) and the seed.
    "rank_draws": 400,
    "rank_seed": 20_251,
    "weight_concentration": 50,
    # The cost of the intervals grows with draws × towns: beyond this budget the draws fall to
    # budget / towns, never below rank_draws_min. 400 draws up to 5,000 towns (the ACV list and
    # the 2,254 communes of 5,000 inhabitants or more keep them); every French commune (34,888)
    # gets the floor, 100 draws, whose 5 % and 95 % percentiles still rest on 5 draws beyond each.
    "rank_draw_budget": 2_000_000,
    "rank_draws_min": 100,
    # Métier-level catchment detail for every candidate up to this many towns, else for the towns
    # of the default list only (the ones that get a report).
    "metier_detail_max_towns": 2500,
    # DuckDB on a 2-core machine shared with other jobs: every core (0; more threads than cores
    # only add buffers) and a memory limit far below the machine's, beyond which DuckDB spills its
    # joins and aggregates to a temporary directory beside the warehouse instead of growing.
    "duckdb_threads": 0,
    "duckdb_memory_limit_mb": 1000,
    # SQL thresholds (sql/README.md "Parameters"): a difficulty prior is the département's rate
    # from this many hiring projects in the sector (else the région's, else the national one);
    # its strength κ is clipped to [prior_strength_min, prior_strength_max] pseudo-projects; a
    # sector whose national mean log1p accessible supply is below min_national_mean_log_access
    # has supply data too thin to read a gap from.
    "prior_min_hiring_projects": 30,
    "prior_strength_min": 2,
    "prior_strength_max": 500,
    "min_national_mean_log_access": 0.1,
}


@dataclass(frozen=True)
class Bound:
    """The allowed range of a numeric setting (inclusive); `integer` settings take whole numbers."""

    low: float
    high: float
    integer: bool = False
    # Settings of one group are weights of one score: they must not all be 0.
    group: str | None = None

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.low:g} to {self.high:g}"


# The allowed range of every MODEL_DEFAULTS entry: a new model setting is added to both dicts in
# one line each (tests/unit/test_settings.py fails on a setting without a bound). The weights of
# a score share a `group`, whose weights must have a positive sum.
SECTOR_SCORE = "sector score"
MODEL_BOUNDS: dict[str, Bound] = {
    "catchment_minutes": Bound(1, 240),
    "detour_factor": Bound(1, 3),
    "speed_kmh": Bound(5, 130),
    "band1_minutes": Bound(1, 240),
    "band2_minutes": Bound(1, 240),
    "band1_weight": Bound(0, 1),
    "band2_weight": Bound(0, 1),
    "band3_weight": Bound(0, 1),
    "secret_upper_bound": Bound(1, 100),
    "bmo_window_waves": Bound(1, 20, integer=True),
    "bmo_window_end": Bound(0, 2100, integer=True),
    "weight_specialisation": Bound(0, 100, group=SECTOR_SCORE),
    "weight_difficulty": Bound(0, 100, group=SECTOR_SCORE),
    "weight_supply_gap": Bound(0, 100, group=SECTOR_SCORE),
    "weight_market": Bound(0, 100, group=SECTOR_SCORE),
    "component_cap_ratio": Bound(1.01, 1000),
    "recommended_sectors": Bound(1, 50, integer=True),
    "max_cohort_share_of_hiring": Bound(0.001, 1),
    "market_saturation_ratio": Bound(1, 1000),
    "min_readable_projects": Bound(0, 100_000),
    "nomenclature_break_tolerance": Bound(0, 10),
    "rank_draws": Bound(1, 100_000, integer=True),
    "rank_seed": Bound(0, 2**32 - 1, integer=True),
    "weight_concentration": Bound(0.01, 10_000),
    "rank_draw_budget": Bound(1, 1e10),
    "rank_draws_min": Bound(1, 100_000, integer=True),
    "metier_detail_max_towns": Bound(0, 1_000_000, integer=True),
    "duckdb_threads": Bound(0, 256, integer=True),
    "duckdb_memory_limit_mb": Bound(100, 1_000_000, integer=True),
    # SQL thresholds (see MODEL_DEFAULTS).
    "prior_min_hiring_projects": Bound(0, 100_000),
    "prior_strength_min": Bound(0, 100_000),
    "prior_strength_max": Bound(1, 100_000),
    "min_national_mean_log_access": Bound(0, 10),
}

SHORTLIST_PREFIX = "GPECT_SHORTLIST_"

SHORTLIST = "shortlist"
# The allowed range of every shortlist setting (defaults in reports/shortlist_parameters.py,
# DEFAULT_PARAMETERS; tests/unit/test_settings.py checks that both list the same names).
SHORTLIST_BOUNDS: dict[str, Bound] = {
    "weight_higher_education": Bound(0, 100, group=SHORTLIST),
    "weight_skills_gap": Bound(0, 100, group=SHORTLIST),
    "weight_social_need": Bound(0, 100, group=SHORTLIST),
    "weight_audience": Bound(0, 100, group=SHORTLIST),
    "weight_partners": Bound(0, 100, group=SHORTLIST),
    "population_min": Bound(0, 10_000_000),
    "population_max": Bound(1, 10_000_000),
    "top_sectors": Bound(1, 50, integer=True),
    "participation_rate": Bound(0, 1),
    "break_even_low": Bound(1, 100_000),
    "break_even_high": Bound(1, 100_000),
    "audience_cap": Bound(1, 100),
    "turnkey_learners": Bound(1, 100_000),
    "third_place_people": Bound(1, 100_000),
    "progressive_learners": Bound(1, 100_000),
    "third_place_unemployment_rate": Bound(0, 1),
    "third_place_jobseeker_rate": Bound(0, 1),
    "draws": Bound(1, 1_000_000, integer=True),
    "seed": Bound(0, 2**32 - 1, integer=True),
    "dirichlet_concentration": Bound(0.01, 10_000),
}

# Operations and transport settings: (variable, default, bound).
OPERATION_BOUNDS: dict[str, tuple[str, Bound]] = {
    "GPECT_MAX_DOWNLOAD_MB": ("500", Bound(0.001, 100_000)),
    "GPECT_CONNECT_TIMEOUT": ("10", Bound(0.1, 600)),
    "GPECT_READ_TIMEOUT": ("120", Bound(0.1, 3600)),
    "GPECT_HTTP_RETRIES": ("4", Bound(0, 20, integer=True)),
    "GPECT_DOWNLOAD_DEADLINE": ("1800", Bound(1, 86_400)),
    "GPECT_RETRY_AFTER_MAX": ("120", Bound(0, 3600)),
    "GPECT_MAX_COMPRESSION_RATIO": ("100", Bound(2, 100_000)),
    "GPECT_TASK_WORKERS": ("4", Bound(1, 256, integer=True)),
    "GPECT_LOCK_TIMEOUT": ("600", Bound(0, 86_400)),
}
TASK_RUNNERS = ("thread", "dask")

# A plain decimal number: no "nan", "inf", hexadecimal, "1_000" or decimal comma, which Python's
# float() would accept or an operator could mean differently.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class SettingsError(ValueError):
    """One or more GPECT_* settings are invalid; the message names each with its allowed range."""


def parse_number(variable: str, text: str, bound: Bound) -> float:
    """The value of `variable` as a finite number inside `bound`, or SettingsError saying why."""
    allowed = f"{variable} must be {bound.describe()}"
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        hint = " (use a decimal point)" if re.fullmatch(r"[+-]?\d+,\d+", stripped) else ""
        raise SettingsError(f"{allowed}, got {text!r}{hint}")
    value = float(stripped)
    if not math.isfinite(value):
        raise SettingsError(f"{allowed}, got {text!r} (not a finite number)")
    if bound.integer and value != int(value):
        raise SettingsError(f"{allowed}, got {text!r}")
    if not bound.low <= value <= bound.high:
        raise SettingsError(f"{allowed}, got {text!r}")
    return value + 0.0  # -0 is 0


def _weights_positive(
    bounds: dict[str, Bound], values: dict[str, float], variable: Callable[[str], str]
) -> list[str]:
    """One problem per group of score weights that are all 0."""
    groups: dict[str, list[str]] = {}
    for name, bound in bounds.items():
        if bound.group is not None:
            groups.setdefault(bound.group, []).append(name)
    return [
        f"the {group} weights ({', '.join(variable(n) for n in names)}) are all 0: at least one "
        "must be positive"
        for group, names in groups.items()
        if sum(values[n] for n in names) <= 0
    ]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    mirror: str | None
    mirror_map: Path | None
    opendata: Path
    datagouv_api: str
    http: HttpConfig
    model: dict[str, float]
    # Shortlist settings given in the environment (GPECT_SHORTLIST_<NAME>); the defaults and the
    # valid names live in reports/shortlist_parameters.py (DEFAULT_PARAMETERS).
    shortlist: dict[str, float] = field(default_factory=dict)
    # Operations: where Prefect runs per-dataset and per-town tasks ("thread" or "dask"), an
    # existing Dask scheduler (None: a temporary local cluster), how many workers, and how long a
    # run waits for another run holding the data directory.
    task_runner: str = "thread"
    dask_address: str | None = None
    task_workers: int = 4
    lock_timeout: float = 600.0
    # Where the report site is published (an http(s) base URL): the workbook links each town to
    # <site_url>/towns/<INSEE>.html, links that still work once the file is e-mailed. None: links
    # relative to data/out/ (they work inside data/out/ or the zip of `gpect shortlist --zip`).
    site_url: str | None = None

    @property
    def build_parameters(self) -> dict[str, float]:
        """What the build reads (the `params` row): the model parameters and the concept size the
        market-size rule derives from (a shortlist setting, see reports/shortlist_parameters.py)."""
        from reports.shortlist_parameters import DEFAULT_PARAMETERS

        turnkey = self.shortlist.get("turnkey_learners", DEFAULT_PARAMETERS["turnkey_learners"])
        return {**self.model, "turnkey_learners": float(turnkey)}

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "gpect.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def parsed_dir(self) -> Path:
        return self.data_dir / "parsed"

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def mirror_problem(mirror: str | None, variable: str = "GPECT_MIRROR") -> str | None:
    """Why a mirror cannot be used: neither an http(s) base URL nor an existing directory."""
    if mirror is None or mirror.startswith(("http://", "https://")) or Path(mirror).is_dir():
        return None
    return f"{variable} must be an http(s) base URL or an existing directory, got {mirror!r}"


def _read(variable: str, default: str, bound: Bound, problems: list[str]) -> float:
    try:
        return parse_number(variable, _env(variable, default), bound)
    except SettingsError as exc:
        problems.append(str(exc))
        return float(default)


def load() -> Settings:
    """Every GPECT_* setting parsed and range-checked at once; SettingsError lists each problem
    (variable, allowed range, value given) on its own line."""
    from connectors.http import HttpConfig
    from reports.shortlist_parameters import DEFAULT_PARAMETERS

    problems: list[str] = []
    ops = {
        var: _read(var, default, bound, problems)
        for var, (default, bound) in OPERATION_BOUNDS.items()
    }
    model = {
        name: _read(f"GPECT_{name.upper()}", str(default), MODEL_BOUNDS[name], problems)
        for name, default in MODEL_DEFAULTS.items()
    }
    if model["band1_minutes"] >= model["band2_minutes"] or (
        model["band2_minutes"] >= model["catchment_minutes"]
    ):
        problems.append(
            "GPECT_BAND1_MINUTES < GPECT_BAND2_MINUTES < GPECT_CATCHMENT_MINUTES is required, got "
            f"{model['band1_minutes']:g}, {model['band2_minutes']:g}, "
            f"{model['catchment_minutes']:g}"
        )
    problems += _weights_positive(MODEL_BOUNDS, model, lambda n: f"GPECT_{n.upper()}")
    shortlist: dict[str, float] = {}
    for variable, value in sorted(os.environ.items()):
        if not variable.startswith(SHORTLIST_PREFIX) or value == "":
            continue
        name = variable.removeprefix(SHORTLIST_PREFIX).lower()
        if name not in SHORTLIST_BOUNDS:
            problems.append(
                f"{variable} is not a shortlist setting; valid names: "
                + ", ".join(f"{SHORTLIST_PREFIX}{n.upper()}" for n in SHORTLIST_BOUNDS)
            )
            continue
        try:
            shortlist[name] = parse_number(variable, value, SHORTLIST_BOUNDS[name])
        except SettingsError as exc:
            problems.append(str(exc))
    merged = {**DEFAULT_PARAMETERS, **shortlist}
    problems += _weights_positive(
        SHORTLIST_BOUNDS, merged, lambda n: f"{SHORTLIST_PREFIX}{n.upper()}"
    )
    for low, high in (("population_min", "population_max"), ("break_even_low", "break_even_high")):
        if merged[low] > merged[high]:
            problems.append(
                f"{SHORTLIST_PREFIX}{low.upper()} ({merged[low]:g}) must not exceed "
                f"{SHORTLIST_PREFIX}{high.upper()} ({merged[high]:g})"
            )
    runner = _env("GPECT_TASK_RUNNER", "thread").strip()
    if runner not in TASK_RUNNERS:
        problems.append(
            f"GPECT_TASK_RUNNER must be one of {', '.join(TASK_RUNNERS)}, got {runner!r}"
        )
    api = _env("GPECT_DATAGOUV_API", "https://www.data.gouv.fr/api/1").strip()
    if not api.startswith(("https://", "http://")):
        problems.append(f"GPECT_DATAGOUV_API must be an http(s) URL, got {api!r}")
    site_url = _env("GPECT_SITE_URL")
    if site_url is not None and not site_url.strip().startswith(("https://", "http://")):
        problems.append(f"GPECT_SITE_URL must be an http(s) URL, got {site_url!r}")
    mirror = _env("GPECT_MIRROR")
    map_path = _env("GPECT_MIRROR_MAP")
    problems += [p for p in [mirror_problem(mirror)] if p]
    if map_path and not Path(map_path).is_file():
        problems.append(f"GPECT_MIRROR_MAP must be an existing CSV file, got {map_path!r}")
    if problems:
        raise SettingsError(
            "invalid settings (fix these environment variables and run again):\n  "
            + "\n  ".join(problems)
        )
    return Settings(
        data_dir=Path(_env("GPECT_DATA_DIR", str(REPO_ROOT / "data"))),
        mirror=mirror,
        mirror_map=Path(map_path) if map_path else None,
        opendata=Path(_env("GPECT_OPENDATA", str(REPO_ROOT.parent / "shared" / "opendata"))),
        datagouv_api=api,
        http=HttpConfig(
            connect_timeout=ops["GPECT_CONNECT_TIMEOUT"],
            read_timeout=ops["GPECT_READ_TIMEOUT"],
            retries=int(ops["GPECT_HTTP_RETRIES"]),
            max_bytes=int(ops["GPECT_MAX_DOWNLOAD_MB"] * 2**20),
            deadline=ops["GPECT_DOWNLOAD_DEADLINE"],
            max_retry_after=ops["GPECT_RETRY_AFTER_MAX"],
            max_compression_ratio=ops["GPECT_MAX_COMPRESSION_RATIO"],
        ),
        model=model,
        shortlist=shortlist,
        task_runner=runner,
        dask_address=_env("GPECT_DASK_ADDRESS"),
        task_workers=int(ops["GPECT_TASK_WORKERS"]),
        lock_timeout=ops["GPECT_LOCK_TIMEOUT"],
        site_url=site_url.strip() if site_url else None,
    )
