"""Settings, read from the environment (GPECT_*) and overridden by CLI options.

This is the only module that reads the environment; connectors, SQL and reports get explicit
arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from connectors.http import HttpConfig

REPO_ROOT = Path(__file__).resolve().parent.parent


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
}


SHORTLIST_PREFIX = "GPECT_SHORTLIST_"


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
    # valid names live in reports/shortlist.py (DEFAULT_PARAMETERS), which rejects unknown ones.
    shortlist: dict[str, float] = field(default_factory=dict)
    # Operations: where Prefect runs per-dataset and per-town tasks ("thread" or "dask"), an
    # existing Dask scheduler (None: a temporary local cluster), how many workers, and how long a
    # run waits for another run holding the data directory.
    task_runner: str = "thread"
    dask_address: str | None = None
    task_workers: int = 4
    lock_timeout: float = 600.0

    @property
    def build_parameters(self) -> dict[str, float]:
        """What the build reads (param_settings): the model parameters and the concept size the
        market-size rule derives from (a shortlist setting, see reports/shortlist.py)."""
        from reports.shortlist import DEFAULT_PARAMETERS

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


def load() -> Settings:
    max_mb = float(_env("GPECT_MAX_DOWNLOAD_MB", "500"))
    map_path = _env("GPECT_MIRROR_MAP")
    return Settings(
        data_dir=Path(_env("GPECT_DATA_DIR", str(REPO_ROOT / "data"))),
        mirror=_env("GPECT_MIRROR"),
        mirror_map=Path(map_path) if map_path else None,
        opendata=Path(_env("GPECT_OPENDATA", str(REPO_ROOT.parent / "shared" / "opendata"))),
        datagouv_api=_env("GPECT_DATAGOUV_API", "https://www.data.gouv.fr/api/1"),
        http=HttpConfig(
            connect_timeout=float(_env("GPECT_CONNECT_TIMEOUT", "10")),
            read_timeout=float(_env("GPECT_READ_TIMEOUT", "120")),
            retries=int(_env("GPECT_HTTP_RETRIES", "4")),
            max_bytes=int(max_mb * 2**20),
        ),
        model={
            name: float(_env(f"GPECT_{name.upper()}", str(default)))
            for name, default in MODEL_DEFAULTS.items()
        },
        shortlist={
            name.removeprefix(SHORTLIST_PREFIX).lower(): float(value)
            for name, value in sorted(os.environ.items())
            if name.startswith(SHORTLIST_PREFIX) and value != ""
        },
        task_runner=_env("GPECT_TASK_RUNNER", "thread"),
        dask_address=_env("GPECT_DASK_ADDRESS"),
        task_workers=int(_env("GPECT_TASK_WORKERS", "4")),
        lock_timeout=float(_env("GPECT_LOCK_TIMEOUT", "600")),
    )
