"""Settings: every GPECT_* environment variable declared once (`Variables`), read and validated
once when a command starts (`load`), and passed down as one immutable `Settings` object.

This is the only module that reads the environment; connectors, SQL and reports get explicit
arguments. `python -m flows.pipeline.settings --readme` writes the README's settings table from
the declaration.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.http_config import HttpConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "sql"
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
PREFIX = "GPECT_"
SHORTLIST_PREFIX = "GPECT_SHORTLIST_"

# Sections of the declaration: what each setting is for. Model and shortlist settings are the
# parameters of the method (the build reads the model ones, reports/shortlist/ the others).
SOURCES = "sources"
HTTP = "http"
MODEL = "model"
SHORTLIST = "shortlist"
PUBLICATION = "publication"
OPERATIONS = "operations"

# Weights of one score share a group: they must not all be 0.
SECTOR_SCORE = "sector score"
SHORTLIST_SCORE = "shortlist"

# Variables that other tools read, not gpect: accepted so that their presence is not a typo.
FOREIGN_VARIABLES = {
    "GPECT_CHECKOUT": "the checkout a Prefect worker runs the flows in (prefect.yaml pull step)",
    "GPECT_AXE_DIR": "where the accessibility tests find axe-core (tests/integration)",
}

# A plain decimal number: no "nan", "inf", hexadecimal, "1_000" or decimal comma, which Python's
# float() would accept or an operator could mean differently.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class SettingsError(ValueError):
    """One or more GPECT_* settings are invalid; the message names each with its allowed range."""


def _shown(value: float) -> str:
    """A bound or default as written: 2000000, not 2e+06."""
    return f"{value:g}" if value != int(value) else str(int(value))


@dataclass(frozen=True)
class Bound:
    """The allowed range of a numeric setting (inclusive); `integer` settings take whole numbers."""

    low: float
    high: float
    integer: bool = False
    group: str | None = None

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {_shown(self.low)} to {_shown(self.high)}"


@dataclass(frozen=True)
class Spec:
    """What the declaration says of a setting beyond its type, default and English doc."""

    section: str
    label_fr: str
    unit: str = ""
    bound: Bound | None = None
    # Text settings: "url" (http(s)), "mirror" (URL or directory), "file" (existing file),
    # "path", or the accepted words.
    kind: str | tuple[str, ...] = "number"
    # The default as the README shows it, where the real one depends on the checkout.
    shown: str | None = None


def number(
    section: str,
    default: float,
    unit: str,
    bounds: tuple[float, float],
    label_fr: str,
    doc: str,
    *,
    integer: bool = False,
    group: str | None = None,
) -> Any:
    info = Field(default, description=doc)
    info.metadata.append(Spec(section, label_fr, unit, Bound(*bounds, integer, group)))
    return info


def text(
    section: str,
    default: str | None,
    kind: str | tuple[str, ...],
    label_fr: str,
    doc: str,
    *,
    shown: str | None = None,
) -> Any:
    info = Field(default, description=doc)
    info.metadata.append(Spec(section, label_fr, kind=kind, shown=shown))
    return info


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


def mirror_problem(mirror: str | None, variable: str = "GPECT_MIRROR") -> str | None:
    """Why a mirror cannot be used: neither an http(s) base URL nor an existing directory."""
    if mirror is None or mirror.startswith(("http://", "https://")) or Path(mirror).is_dir():
        return None
    return f"{variable} must be an http(s) base URL or an existing directory, got {mirror!r}"


def variable(name: str) -> str:
    return f"{PREFIX}{name.upper()}"


def _text_problem(variable: str, kind: str | tuple[str, ...], value: str) -> str | None:
    if isinstance(kind, tuple):
        if value in kind:
            return None
        return f"{variable} must be one of {', '.join(kind)}, got {value!r}"
    if kind == "url" and not value.startswith(("https://", "http://")):
        return f"{variable} must be an http(s) URL, got {value!r}"
    if kind == "mirror":
        return mirror_problem(value, variable)
    if kind == "file" and not Path(value).is_file():
        return f"{variable} must be an existing CSV file, got {value!r}"
    return None


class Variables(BaseSettings):
    """The declaration: one field per GPECT_<FIELD> variable, in the README's order."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, frozen=True, validate_default=True
    )

    # --- sources ---
    data_dir: str = text(
        SOURCES,
        str(REPO_ROOT / "data"),
        "path",
        "Dossier des données",
        "raw downloads, parsed Parquet, warehouse",
        shown="`data/`",
    )
    mirror: str | None = text(
        SOURCES,
        None,
        "mirror",
        "Miroir des sources",
        "read sources from a mirror: a local directory or an `http(s)://` base URL",
    )
    mirror_map: str | None = text(
        SOURCES,
        None,
        "file",
        "Emplacement de chaque millésime dans le miroir",
        "where each dataset vintage lives in the mirror (CSV: dataset, vintage, path)",
        shown="`connectors/mirror_paths.csv`",
    )
    opendata: str = text(
        SOURCES,
        str(REPO_ROOT.parent / "shared" / "opendata"),
        "path",
        "Fichiers réels des tests d'intégration",
        "real files for the integration tests",
        shown="`../shared/opendata`",
    )
    datagouv_api: str = text(
        SOURCES,
        "https://www.data.gouv.fr/api/1",
        "url",
        "API de data.gouv.fr",
        "API resolving data.gouv.fr resources whose URL changes at each revision",
    )

    # --- HTTP ---
    max_download_mb: float = number(
        HTTP,
        500,
        "MB",
        (0.001, 100_000),
        "Taille maximale d'un téléchargement",
        "download size cap (and 4× for unpacked archives)",
    )
    connect_timeout: float = number(
        HTTP, 10, "s", (0.1, 600), "Délai de connexion", "HTTP connection timeout"
    )
    read_timeout: float = number(
        HTTP, 120, "s", (0.1, 3600), "Délai de lecture", "HTTP read timeout between two packets"
    )
    http_retries: float = number(
        HTTP,
        4,
        "",
        (0, 20),
        "Nouvelles tentatives HTTP",
        "retries with backoff on 429/5xx and connection errors",
        integer=True,
    )
    download_deadline: float = number(
        HTTP,
        1800,
        "s",
        (1, 86_400),
        "Durée maximale d'un téléchargement",
        "seconds one download may take in all, however slowly the server sends",
    )
    retry_after_max: float = number(
        HTTP,
        120,
        "s",
        (0, 3600),
        "Attente maximale demandée par un serveur",
        "longest `Retry-After` honoured (a longer one is shortened to it)",
    )
    # Real files stay under 15 (measured on shared/opendata), zip bombs reach thousands.
    max_compression_ratio: float = number(
        HTTP,
        100,
        "",
        (2, 100_000),
        "Taux de compression maximal d'une archive",
        "archives (and xlsx) inflating more than this many times their size are refused",
    )

    # --- model (the build's parameters, the `params` row) ---
    # Catchment: great-circle distance x detour factor at an average road speed (an approximation
    # of road travel time, not a routing engine).
    catchment_minutes: float = number(
        MODEL,
        30,
        "min",
        (1, 240),
        "Temps d'accès maximal de la zone",
        "longest travel time from the town to a commune of its catchment (see Method)",
    )
    detour_factor: float = number(
        MODEL,
        1.3,
        "",
        (1, 3),
        "Coefficient de détour appliqué à la distance à vol d'oiseau",
        "road distance ÷ great-circle distance",
    )
    speed_kmh: float = number(
        MODEL, 60, "km/h", (5, 130), "Vitesse moyenne supposée", "average road speed"
    )
    # E2SFCA travel-time bands (minutes) and their weights (Luo & Qi 2009 style step decay).
    band1_minutes: float = number(
        MODEL,
        10,
        "min",
        (1, 240),
        "Accessibilité (E2SFCA) : fin de la 1re tranche",
        "end of the first E2SFCA travel-time band",
    )
    band2_minutes: float = number(
        MODEL,
        20,
        "min",
        (1, 240),
        "Accessibilité (E2SFCA) : fin de la 2e tranche",
        "end of the second E2SFCA band (the third ends at the catchment limit)",
    )
    band1_weight: float = number(
        MODEL,
        1.0,
        "",
        (0, 1),
        "Accessibilité : poids de la 1re tranche",
        "E2SFCA weight of the first band",
    )
    band2_weight: float = number(
        MODEL,
        0.68,
        "",
        (0, 1),
        "Accessibilité : poids de la 2e tranche",
        "E2SFCA weight of the second band",
    )
    band3_weight: float = number(
        MODEL,
        0.22,
        "",
        (0, 1),
        "Accessibilité : poids de la 3e tranche",
        "E2SFCA weight of the third band",
    )
    # BMO secret cells are left-censored: published values are never below this bound.
    secret_upper_bound: float = number(
        MODEL,
        5,
        "",
        (1, 100),
        "Borne des cellules secrètes BMO (valeur publiée minimale)",
        "BMO censoring bound for secret cells",
    )
    # The same window for every town.
    bmo_window_waves: float = number(
        MODEL,
        3,
        "",
        (1, 20),
        "Vagues BMO cumulées par le diagnostic",
        "BMO waves pooled by the sector diagnostic: the most recent N",
        integer=True,
    )
    bmo_window_end: float = number(
        MODEL,
        0,
        "",
        (0, 2100),
        "Dernière vague de la fenêtre (0 : la plus récente)",
        "survey year of the last wave pooled (0: the latest ingested)",
        integer=True,
    )
    # Sector score: weights of its four components, each a log ratio to the national reference
    # clipped to ±ln(component_cap_ratio) so that no single extreme figure decides a rank.
    weight_specialisation: float = number(
        MODEL,
        0.35,
        "",
        (0, 100),
        "Poids de la spécialisation",
        "sector score weight of specialisation (weights are normalised to sum to 1)",
        group=SECTOR_SCORE,
    )
    weight_difficulty: float = number(
        MODEL,
        0.15,
        "",
        (0, 100),
        "Poids de la difficulté de recrutement",
        "sector score weight of hiring difficulty",
        group=SECTOR_SCORE,
    )
    weight_supply_gap: float = number(
        MODEL,
        0.3,
        "",
        (0, 100),
        "Poids de l'écart à l'offre de formation",
        "sector score weight of the training supply gap",
        group=SECTOR_SCORE,
    )
    weight_market: float = number(
        MODEL,
        0.2,
        "",
        (0, 100),
        "Poids de la taille du marché",
        "sector score weight of market size",
        group=SECTOR_SCORE,
    )
    component_cap_ratio: float = number(
        MODEL,
        4,
        "",
        (1.01, 1000),
        "Plafond de chaque composante (rapport à la référence nationale)",
        "each score component is a log ratio clipped to ± ln of this",
    )
    # Market size: a recommended sector's catchment must absorb one cohort a year without the
    # cohort exceeding this share of the sector's annual hiring projects; the cohort is the
    # smallest concept's learners (shortlist turnkey_learners) shared over `recommended_sectors`.
    recommended_sectors: float = number(
        MODEL,
        3,
        "",
        (1, 50),
        "Filières recommandées par ville",
        "sectors recommended per town",
        integer=True,
    )
    max_cohort_share_of_hiring: float = number(
        MODEL,
        0.25,
        "",
        (0.001, 1),
        "Part maximale des projets de recrutement annuels qu'une cohorte peut occuper",
        "minimum annual hiring = turnkey learners ÷ recommended sectors ÷ this share",
    )
    # Beyond this multiple of the minimum market, a larger market adds nothing to the score: the
    # market component rewards a market able to absorb cohorts, not the largest sectors.
    market_saturation_ratio: float = number(
        MODEL,
        3,
        "",
        (1, 1000),
        "Multiple du marché minimal au-delà duquel la taille du marché n'ajoute rien",
        "the market component saturates at this multiple of the minimum market",
    )
    min_readable_projects: float = number(
        MODEL,
        10,
        "",
        (0, 100_000),
        "Projets par an en dessous desquels une filière n'est pas lue",
        "below this many hiring projects a year a cell is flagged unreadable, never recommended",
    )
    nomenclature_break_tolerance: float = number(
        MODEL,
        0.15,
        "",
        (0, 10),
        "Variation de la part nationale d'une filière au-delà de laquelle son évolution à travers "
        "la rupture FAP 2009 / FAP 2021 est signalée",
        "a trend across the FAP 2009 / 2021 break is flagged when the sector's national share "
        "moves more than this",
    )
    # Rank intervals: resampling draws (waves by Bayesian bootstrap, censored cells, weights from
    # a Dirichlet of this concentration around the weights above) and the seed.
    rank_draws: float = number(
        MODEL,
        400,
        "",
        (1, 100_000),
        "Tirages du rééchantillonnage (intervalles de rang)",
        "resampling draws behind the 90 % rank intervals",
        integer=True,
    )
    rank_seed: float = number(
        MODEL,
        20_251,
        "",
        (0, 2**32 - 1),
        "Graine du rééchantillonnage",
        "seed of the rank resampling",
        integer=True,
    )
    weight_concentration: float = number(
        MODEL,
        50,
        "",
        (0.01, 10_000),
        "Concentration de la loi de Dirichlet des poids tirés",
        "Dirichlet concentration of the resampled weights around the sector score weights",
    )
    # The cost of the intervals grows with draws × towns: beyond this budget the draws fall to
    # budget / towns, never below rank_draws_min. 400 draws up to 5,000 towns (the ACV list and
    # the 2,254 communes of 5,000 inhabitants or more keep them); every French commune (34,888)
    # gets the floor, 100 draws, whose 5 % and 95 % percentiles still rest on 5 draws beyond each.
    rank_draw_budget: float = number(
        MODEL,
        2_000_000,
        "",
        (1, 1e10),
        "Budget de tirages (tirages × villes)",
        "draws × towns cap: beyond it draws fall to budget / towns (the mart records "
        "`interval_draws`)",
    )
    rank_draws_min: float = number(
        MODEL,
        100,
        "",
        (1, 100_000),
        "Tirages minimaux par ville",
        "fewest draws per town, whatever the budget",
        integer=True,
    )
    metier_detail_max_towns: float = number(
        MODEL,
        2500,
        "",
        (0, 1_000_000),
        "Villes au-delà desquelles le détail par métier est réservé à la liste par défaut",
        "métier-level catchment detail for every candidate up to this many towns, else only for "
        "the default-list towns (the ones that get a report)",
        integer=True,
    )
    # DuckDB on a 2-core machine shared with other jobs: every core (0; more threads than cores
    # only add buffers) and a memory limit far below the machine's, beyond which DuckDB spills its
    # joins and aggregates to a temporary directory beside the warehouse instead of growing.
    duckdb_threads: float = number(
        MODEL,
        0,
        "",
        (0, 256),
        "Fils d'exécution DuckDB (0 : tous les cœurs)",
        "DuckDB threads (0: every core)",
        integer=True,
    )
    duckdb_memory_limit_mb: float = number(
        MODEL,
        1000,
        "MB",
        (100, 1_000_000),
        "Mémoire maximale de DuckDB",
        "DuckDB memory limit (beyond it joins and aggregates spill to disk)",
        integer=True,
    )
    # SQL thresholds (sql/README.md "Parameters"): a difficulty prior is the département's rate
    # from this many hiring projects in the sector (else the région's, else the national one); its
    # strength κ is clipped to a range of pseudo-projects; a sector whose national mean log1p
    # accessible supply is below the last threshold has supply data too thin to read a gap from.
    prior_min_hiring_projects: float = number(
        MODEL,
        30,
        "",
        (0, 100_000),
        "Projets minimum pour un a priori départemental",
        "from this many hiring projects in the sector a département (else its région) is its own "
        "difficulty prior",
    )
    prior_strength_min: float = number(
        MODEL,
        2,
        "",
        (0, 100_000),
        "Force minimale de l'a priori (κ)",
        "lowest strength κ of the empirical-Bayes difficulty prior",
    )
    prior_strength_max: float = number(
        MODEL,
        500,
        "",
        (1, 100_000),
        "Force maximale de l'a priori (κ)",
        "highest κ (also when bassins show no excess variance)",
    )
    min_national_mean_log_access: float = number(
        MODEL,
        0.1,
        "",
        (0, 10),
        "Seuil de couverture des données d'offre",
        "below this national mean of log1p accessible places per 1,000, a sector's supply data "
        "are too thin to read a gap from",
    )

    # --- shortlist (reports/shortlist/) ---
    shortlist_weight_higher_education: float = number(
        SHORTLIST,
        0.20,
        "",
        (0, 100),
        "Poids de l'enseignement supérieur",
        "shortlist criterion weight of higher education (weights are normalised to sum to 1)",
        group=SHORTLIST_SCORE,
    )
    shortlist_weight_skills_gap: float = number(
        SHORTLIST,
        0.25,
        "",
        (0, 100),
        "Poids du déficit de compétences",
        "shortlist criterion weight of the skills gap",
        group=SHORTLIST_SCORE,
    )
    shortlist_weight_social_need: float = number(
        SHORTLIST,
        0.25,
        "",
        (0, 100),
        "Poids du besoin social",
        "shortlist criterion weight of social need",
        group=SHORTLIST_SCORE,
    )
    shortlist_weight_audience: float = number(
        SHORTLIST,
        0.15,
        "",
        (0, 100),
        "Poids du public potentiel",
        "shortlist criterion weight of the potential audience",
        group=SHORTLIST_SCORE,
    )
    shortlist_weight_partners: float = number(
        SHORTLIST,
        0.15,
        "",
        (0, 100),
        "Poids des partenaires",
        "shortlist criterion weight of partner lycées",
        group=SHORTLIST_SCORE,
    )
    shortlist_population_min: float = number(
        SHORTLIST,
        10_000,
        "",
        (0, 10_000_000),
        "Population minimale",
        "eligibility band of the commune and of its urban unit: lower end (shown, never "
        "eliminatory)",
    )
    shortlist_population_max: float = number(
        SHORTLIST,
        100_000,
        "",
        (1, 10_000_000),
        "Population maximale",
        "eligibility band: upper end",
    )
    shortlist_top_sectors: float = number(
        SHORTLIST,
        3,
        "",
        (1, 50),
        "Filières retenues pour le déficit de compétences",
        "sectors whose mean score measures the skills gap and that partner lycées must teach",
        integer=True,
    )
    # The share of the catchment's active population (15-64) expected to train at the centre each
    # year is an assumption to discuss with the operator; a centre breaks even at 120-150 learners
    # a year.
    shortlist_participation_rate: float = number(
        SHORTLIST,
        0.003,
        "",
        (0, 1),
        "Taux de participation annuel",
        "potential learners = catchment active population (15-64) × this rate",
    )
    shortlist_break_even_low: float = number(
        SHORTLIST,
        120,
        "",
        (1, 100_000),
        "Seuil de rentabilité (bas)",
        "learners a year a centre needs to break even: lower end",
    )
    shortlist_break_even_high: float = number(
        SHORTLIST,
        150,
        "",
        (1, 100_000),
        "Seuil de rentabilité (haut)",
        "learners a year a centre needs to break even: upper end",
    )
    shortlist_audience_cap: float = number(
        SHORTLIST,
        2.0,
        "",
        (1, 100),
        "Plafond du critère de public",
        "beyond this multiple of the break-even upper end, more people add nothing",
    )
    shortlist_turnkey_learners: float = number(
        SHORTLIST,
        80,
        "",
        (1, 100_000),
        "Apprenants du concept « clef en main » (cohorte de référence)",
        "learners a year of the turnkey concept (clef en main), also the build's cohort",
    )
    shortlist_third_place_people: float = number(
        SHORTLIST,
        85,
        "",
        (1, 100_000),
        "Personnes accueillies par le tiers-lieu",
        "people a year of the third-place concept (tiers-lieu)",
    )
    shortlist_progressive_learners: float = number(
        SHORTLIST,
        300,
        "",
        (1, 100_000),
        "Apprenants du concept progressif",
        "learners a year of the progressive concept at cruising speed",
    )
    # The census unemployment rate of France is 13.4 %.
    shortlist_third_place_unemployment_rate: float = number(
        SHORTLIST,
        0.20,
        "",
        (0, 1),
        "Taux de chômage du tiers-lieu",
        "census unemployment rate from which the tiers-lieu concept applies",
    )
    shortlist_third_place_jobseeker_rate: float = number(
        SHORTLIST,
        0.20,
        "",
        (0, 1),
        "Taux de demandeurs d'emploi du tiers-lieu",
        "jobseeker rate from which the tiers-lieu concept applies",
    )
    shortlist_draws: float = number(
        SHORTLIST,
        2000,
        "",
        (1, 1_000_000),
        "Tirages Monte-Carlo",
        "Monte Carlo draws over the criterion weights",
        integer=True,
    )
    shortlist_seed: float = number(
        SHORTLIST,
        20_240,
        "",
        (0, 2**32 - 1),
        "Graine Monte-Carlo",
        "seed of the Monte Carlo draws",
        integer=True,
    )
    shortlist_dirichlet_concentration: float = number(
        SHORTLIST,
        50,
        "",
        (0.01, 10_000),
        "Concentration de la loi de Dirichlet",
        "Dirichlet weights around the defaults: alpha = concentration × weight",
    )

    # --- publication ---
    site_url: str | None = text(
        PUBLICATION,
        None,
        "url",
        "Adresse de publication du site",
        "where the report site is published (`https://…`): the workbook links to "
        "`<URL>/towns/<INSEE>.html` and the Prefect `reports` artifact to `<URL>/index.html`; "
        "unset, links are relative to `data/out/`",
    )

    # --- operations ---
    lock_timeout: float = number(
        OPERATIONS,
        600,
        "s",
        (0, 86_400),
        "Attente du verrou",
        "seconds a run waits for another run holding the data directory",
    )
    task_runner: str = text(
        OPERATIONS,
        "thread",
        ("thread", "dask"),
        "Exécuteur des tâches Prefect",
        "where Prefect flows run their per-dataset / per-town tasks",
    )
    task_workers: float = number(
        OPERATIONS,
        4,
        "",
        (1, 256),
        "Fils ou processus des tâches",
        "threads, or workers of the temporary local Dask cluster",
        integer=True,
    )
    dask_address: str | None = text(
        OPERATIONS,
        None,
        "text",
        "Ordonnanceur Dask",
        "an existing Dask scheduler (`tcp://host:8786`) instead of a temporary local cluster",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _checked(cls, value: Any, info: ValidationInfo) -> Any:
        name, spec = info.field_name, SPECS[info.field_name]
        if value is None:
            return None
        if spec.bound is not None:
            return parse_number(variable(name), str(value), spec.bound)
        if spec.kind == "url" or isinstance(spec.kind, tuple):
            value = value.strip()
        problem = _text_problem(variable(name), spec.kind, value)
        if problem:
            raise SettingsError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Variables:
        values = self.model_dump()
        problems = []
        if not self.band1_minutes < self.band2_minutes < self.catchment_minutes:
            problems.append(
                "GPECT_BAND1_MINUTES < GPECT_BAND2_MINUTES < GPECT_CATCHMENT_MINUTES is required, "
                f"got {self.band1_minutes:g}, {self.band2_minutes:g}, {self.catchment_minutes:g}"
            )
        groups: dict[str, list[str]] = {}
        for name, spec in SPECS.items():
            if spec.bound is not None and spec.bound.group is not None:
                groups.setdefault(spec.bound.group, []).append(name)
        problems += [
            f"the {group} weights ({', '.join(map(variable, names))}) are all 0: at least one "
            "must be positive"
            for group, names in groups.items()
            if sum(values[n] for n in names) <= 0
        ]
        for low, high in (
            ("prior_strength_min", "prior_strength_max"),
            ("shortlist_population_min", "shortlist_population_max"),
            ("shortlist_break_even_low", "shortlist_break_even_high"),
        ):
            if values[low] > values[high]:
                problems.append(
                    f"{variable(low)} ({values[low]:g}) must not exceed "
                    f"{variable(high)} ({values[high]:g})"
                )
        if problems:
            raise SettingsError("\n  ".join(problems))
        return self

    def section(self, section: str, prefix: str = "") -> dict[str, float]:
        return {
            name.removeprefix(prefix): getattr(self, name)
            for name, spec in SPECS.items()
            if spec.section == section
        }

    def settings(self) -> Settings:
        return Settings(
            data_dir=Path(self.data_dir),
            mirror=self.mirror,
            mirror_map=Path(self.mirror_map) if self.mirror_map else None,
            opendata=Path(self.opendata),
            datagouv_api=self.datagouv_api,
            http=HttpConfig(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries=int(self.http_retries),
                max_bytes=int(self.max_download_mb * 2**20),
                deadline=self.download_deadline,
                max_retry_after=self.retry_after_max,
                max_compression_ratio=self.max_compression_ratio,
            ),
            model=self.section(MODEL),
            shortlist=self.section(SHORTLIST, "shortlist_"),
            task_runner=self.task_runner,
            dask_address=self.dask_address,
            task_workers=int(self.task_workers),
            lock_timeout=self.lock_timeout,
            site_url=self.site_url,
        )


def _spec(name: str) -> Spec:
    return next(m for m in Variables.model_fields[name].metadata if isinstance(m, Spec))


SPECS: dict[str, Spec] = {name: _spec(name) for name in Variables.model_fields}
TASK_RUNNERS = SPECS["task_runner"].kind


def _defaults(section: str, prefix: str = "") -> dict[str, float]:
    return {
        name.removeprefix(prefix): Variables.model_fields[name].default
        for name, spec in SPECS.items()
        if spec.section == section
    }


# The parameters of the method by the names the build (the `params` row) and the shortlist use.
MODEL_DEFAULTS: dict[str, float] = _defaults(MODEL)
SHORTLIST_DEFAULTS: dict[str, float] = _defaults(SHORTLIST, "shortlist_")
# Parameter name → its field in Variables (tests/unit/test_settings.py: no name is in both).
PARAMETER_FIELDS: dict[str, str] = {
    **{name: name for name in MODEL_DEFAULTS},
    **{name: f"shortlist_{name}" for name in SHORTLIST_DEFAULTS},
}


@dataclass(frozen=True)
class Settings:
    """What a run needs, validated at the door and passed down (to Prefect tasks too)."""

    data_dir: Path
    mirror: str | None
    mirror_map: Path | None
    opendata: Path
    datagouv_api: str
    http: HttpConfig
    model: dict[str, float]
    # Every shortlist parameter, by its name in reports/shortlist/ (no GPECT_SHORTLIST_ prefix).
    shortlist: dict[str, float]
    # Where Prefect runs per-dataset and per-town tasks, an existing Dask scheduler (None: a
    # temporary local cluster), how many workers, and how long a run waits for the data directory.
    task_runner: str
    dask_address: str | None
    task_workers: int
    lock_timeout: float
    # None: links relative to data/out/ (they work inside data/out/ or the zip of
    # `gpect shortlist --zip`); a URL keeps the workbook's links working once it is e-mailed.
    site_url: str | None

    @property
    def build_parameters(self) -> dict[str, float]:
        """What the build reads (the `params` row): the model parameters and the concept size the
        market-size rule derives from (a shortlist setting)."""
        return {**self.model, "turnkey_learners": self.shortlist["turnkey_learners"]}

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


def unknown_variables(environ: dict[str, str]) -> list[str]:
    """One problem per GPECT_* variable that is neither a setting nor read by another tool,
    with the closest setting names (a typo would otherwise leave the default silently)."""
    known = [variable(name) for name in SPECS]
    problems = []
    for name in sorted(n for n in environ if n.upper().startswith(PREFIX)):
        if name.upper() in known or name.upper() in FOREIGN_VARIABLES:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=3)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        if name.upper().startswith(SHORTLIST_PREFIX):
            what = "a shortlist setting"
            listed = "valid names: " + ", ".join(k for k in known if k.startswith(SHORTLIST_PREFIX))
        else:
            what, listed = "a gpect setting", "README.md, section Settings, lists every variable"
        problems.append(f"{name} is not {what}{hint}; fix or unset it ({listed})")
    return problems


def _messages(error: ValidationError) -> list[str]:
    """The validators' own one-line messages (pydantic's wrapping removed)."""
    lines = []
    for item in error.errors():
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, SettingsError):
            lines.append(str(cause))
        else:
            where = variable(str(item["loc"][0])) if item["loc"] else "settings"
            lines.append(f"{where}: {item['msg']}, got {item['input']!r}")
    return lines


def load() -> Settings:
    """Every GPECT_* setting parsed and range-checked at once; SettingsError lists each problem
    (variable, allowed range, value given) on its own line."""
    problems = unknown_variables(dict(os.environ))
    try:
        variables = Variables()
    except ValidationError as exc:
        problems += _messages(exc)
    if problems:
        raise SettingsError(
            "invalid settings (fix these environment variables and run again):\n  "
            + "\n  ".join(problems)
        )
    return variables.settings()


# --- the README's settings table -------------------------------------------------------------

README = REPO_ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- settings:start -->", "<!-- settings:end -->"
REGENERATE = "python -m flows.pipeline.settings --readme"


def markdown_table() -> str:
    """One row per variable: default, unit, allowed values and meaning, from the declaration."""
    rows = [
        "| variable | default | unit | allowed | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, spec in SPECS.items():
        field = Variables.model_fields[name]
        default = field.default
        if spec.shown is not None:
            shown = spec.shown
        elif default is None:
            shown = "unset"
        elif spec.bound is not None:
            shown = _shown(default)
        else:
            shown = f"`{default}`"
        if spec.bound is not None:
            bound = spec.bound
            allowed = f"{'whole, ' if bound.integer else ''}{_shown(bound.low)} to "
            allowed += _shown(bound.high)
        elif isinstance(spec.kind, tuple):
            allowed = ", ".join(f"`{word}`" for word in spec.kind)
        else:
            allowed = {
                "url": "http(s) URL",
                "mirror": "directory or http(s) URL",
                "file": "existing file",
                "path": "directory",
                "text": "text",
            }[spec.kind]
        rows.append(
            f"| `{variable(name)}` | {shown} | {spec.unit} | {allowed} | {field.description} |"
        )
    return "\n".join(rows) + "\n"


def readme_with_table(readme: str) -> str:
    """`readme` with the generated table between the settings markers."""
    head, found, rest = readme.partition(TABLE_START + "\n")
    _, found_end, tail = rest.partition(TABLE_END)
    if not (found and found_end):
        raise SettingsError(f"README.md has no {TABLE_START} … {TABLE_END} block to fill")
    return f"{head}{TABLE_START}\n{markdown_table()}{TABLE_END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(markdown_table())
