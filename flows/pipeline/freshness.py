"""Is an output up to date with what it was made from? Input fingerprints in sidecar JSON files.

A fingerprint maps each input to a short token: the sha256 of small text inputs (SQL files,
reference tables, the build code) and size + modification time of the parsed Parquet tables
(hashing hundreds of MB at every run would cost more than it saves). After a successful build the
fingerprint is written beside the warehouse (`.gpect.duckdb.inputs.json`) together with the
warehouse's own size and time; a later run compares and skips the build when nothing differs,
and otherwise says what changed. A warehouse replaced by anything else (another build path, a
copy) no longer matches its recorded size and time, so it is rebuilt rather than trusted.
`gpect run` treats the reports and the shortlist the same way (`output_inputs`: the published
warehouse, the settings and the rendering code), with sidecars beside `out/site/index.html` and
`out/shortlist/shortlist.csv`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connectors import parse, registry
from connectors.shared.files import write_json
from flows.pipeline import parameters
from flows.pipeline.settings import REFERENCE_DIR, REPO_ROOT, SQL_DIR, Settings

if TYPE_CHECKING:
    from flows.pipeline import build as build_mod

# The Python side of the build: the build itself and the diagnostic's Python models. Hashed, not
# imported, so that deciding nothing changed loads neither DuckDB nor pandas.
PIPELINE_DIR = Path(__file__).parent
BUILD_CODE = (
    PIPELINE_DIR / "build.py",
    PIPELINE_DIR / "parameters.py",
    PIPELINE_DIR / "provenance.py",
    *sorted((PIPELINE_DIR / "diagnostic").glob("*.py")),
)

PUBLISHED = "@published"


def sidecar(output: Path) -> Path:
    return output.with_name(f".{output.name}.inputs.json")


def file_stat(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def content(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def hashed(paths: Iterable[Path], root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): content(p) for p in sorted(paths)}


def warehouse_inputs(
    settings: Settings,
    params: dict[str, float],
    candidates: list[str] | None,
    *,
    sql_dir: Path = SQL_DIR,
    reference_dir: Path = REFERENCE_DIR,
) -> dict[str, str]:
    """Everything `flows.pipeline.build.build` reads, as input name → token."""
    items = {
        "params": json.dumps(params, sort_keys=True),
        "parameter catalogue": json.dumps(parameters.catalogue(params)),
        "candidates": json.dumps(candidates),
    }
    items |= {f"code:{p.relative_to(REPO_ROOT)}": content(p) for p in BUILD_CODE}
    items |= {f"sql:{k}": v for k, v in hashed(sql_dir.rglob("*.sql"), sql_dir).items()}
    items |= {
        f"reference:{k}": v for k, v in hashed(reference_dir.glob("*.csv"), reference_dir).items()
    }
    for ds in registry.catalog().values():
        for vname in ds.vintages:
            table, _, _ = parse.parsed_paths(settings.parsed_dir, ds.id, vname)
            if table.exists():
                items[f"parsed:{ds.id}/{vname}"] = file_stat(table)
    return items


# Settings that do not change what the reports and the shortlist show.
_TRANSPORT = {"mirror", "mirror_map", "http", "datagouv_api", "lock_timeout"} | {
    "task_runner",
    "dask_address",
    "task_workers",
}


def output_inputs(settings: Settings, code: Iterable[Path]) -> dict[str, str]:
    """What the reports and the shortlist are made from: the published warehouse, the settings
    (weights, seeds…) and the `code` files and folders (templates included) that render them."""
    items = {
        "warehouse": file_stat(settings.warehouse),
        "settings": repr({k: v for k, v in vars(settings).items() if k not in _TRANSPORT}),
    }
    for path in code:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        files = [p for p in files if "__pycache__" not in p.parts]
        items |= {f"code:{k}": v for k, v in hashed(files, REPO_ROOT).items()}
    return items


def recorded(output: Path) -> dict[str, str] | None:
    path = sidecar(output)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def changes(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """Input names added, removed or changed (the output's own entry excluded)."""
    names = (before.keys() | now.keys()) - {PUBLISHED}
    return sorted(n for n in names if before.get(n) != now.get(n))


def stale_reason(output: Path, inputs: dict[str, str]) -> str | None:
    """Why `output` must be made again, or None when it is up to date with `inputs`."""
    if not output.exists():
        return f"{output.name} does not exist yet"
    before = recorded(output)
    if before is None:
        return f"no record of the inputs {output.name} was made from"
    if before.get(PUBLISHED) != file_stat(output):
        return f"{output.name} was replaced since its inputs were recorded"
    changed = changes(before, inputs)
    if not changed:
        return None
    shown = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
    return f"{len(changed)} inputs changed: {shown}"


def record(output: Path, inputs: dict[str, str]) -> None:
    """Remember the inputs `output` was just made from (after it was published)."""
    write_json(sidecar(output), {**inputs, PUBLISHED: file_stat(output)})


@dataclass
class WarehouseOutcome:
    rebuilt: bool
    reason: str  # why it was rebuilt, or why not
    result: build_mod.BuildResult | None


def build_if_stale(
    settings: Settings, candidates: list[str] | None = None, *, force: bool = False
) -> WarehouseOutcome:
    """Build the warehouse unless it is up to date with its inputs (`force` builds anyway).

    The fingerprint is taken before the build: inputs that change during it make the next run
    build again.
    """
    inputs = warehouse_inputs(settings, settings.build_parameters, candidates)
    reason = "forced" if force else stale_reason(settings.warehouse, inputs)
    if reason is None:
        return WarehouseOutcome(False, "inputs unchanged since the last build", None)
    from flows.pipeline import build as build_mod

    result = build_mod.build(settings, settings.build_parameters, candidates)
    record(result.path, inputs)
    return WarehouseOutcome(True, reason, result)
