"""Dataset registry: one catalogue entry per dataset, the vintage is a parameter.

The catalogue lives in data files (`connectors/catalog/<publisher>.toml`), one per publisher; this
module loads and validates it. A vintage gives either an official download URL (optionally one per
part, for sources split into several files) or, where the publisher's URL changes at each revision
(data.gouv.fr static resources), a dataset slug plus a resource-title pattern that
`connectors.datagouv` resolves at fetch time.

A dataset (or one of its vintages) may declare a data contract, checked on every parse
(`connectors/parse.py`) before the parsed table replaces the previous one:
`contract = { keys = [...], totals = [...], rows_warn = 0.1, rows_refuse = 0.5,
vintage_rows_warn = 0.2 }` — the columns that identify a row (duplicates and NULLs refused), the
count columns whose sums are compared like the row count, the relative change of the row count
(and totals) against the previously accepted revision of the same vintage beyond which the parse
warns or is refused, and the change against the previous vintage of the dataset that warns.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).with_name("catalog")

FORMAT_KEYS = {
    "kind",
    "encoding",
    "sep",
    "decimal",
    "skiprows",
    "header",
    "sheet",
    "member",
    "records",
    "explode",
    "layer",
    "quotechar",
    "max_reject_share",
    "na_values",
}
KINDS = {"csv", "xlsx", "xls", "json", "geojson", "gpkg"}
CONTRACT_KEYS = {"keys", "totals", "rows_warn", "rows_refuse", "vintage_rows_warn"}
# A refreshed revision of a vintage whose row count (or a total) moved by more than these shares
# against the accepted one warns, or is refused (a truncated or duplicated file, a wrong sheet).
DEFAULT_CONTRACT = {"keys": [], "totals": [], "rows_warn": 0.1, "rows_refuse": 0.5}


class CatalogError(ValueError):
    """The catalogue itself is inconsistent (a developer error, caught by the unit tests)."""


@dataclass(frozen=True)
class DataGouvResource:
    slug: str
    title_pattern: str


@dataclass(frozen=True)
class Vintage:
    dataset: str
    name: str
    url: str | None
    datagouv: DataGouvResource | None
    parts: tuple[str, ...]
    sha256: str | None
    fmt: dict[str, Any]
    note: str
    contract: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_CONTRACT))

    def part_urls(self) -> dict[str, str]:
        """Official URL of each part ('' is the single part of an unsplit source)."""
        if self.url is None:
            return {}
        if not self.parts:
            return {"": self.url}
        return {part: self.url.format(part=part) for part in self.parts}


@dataclass(frozen=True)
class Dataset:
    id: str
    publisher: str
    title: str
    # The title French outputs show: the catalogue's `title_fr`, or `title` when it is French.
    title_fr: str
    licence: str
    documentation: str
    group: str
    column_map: str
    description: str
    vintages: dict[str, Vintage] = field(default_factory=dict)

    def vintage(self, name: str) -> Vintage:
        try:
            return self.vintages[name]
        except KeyError:
            known = ", ".join(self.vintages) or "none"
            raise KeyError(
                f"dataset {self.id!r} has no vintage {name!r} (known: {known}); "
                f"register it in connectors/catalog/ first"
            ) from None


def _contract(where: str, *layers: dict[str, Any]) -> dict[str, Any]:
    contract = dict(DEFAULT_CONTRACT)
    for layer in layers:
        if set(layer) - CONTRACT_KEYS:
            raise CatalogError(
                f"{where}: unknown contract keys {sorted(set(layer) - CONTRACT_KEYS)}"
            )
        contract.update(layer)
    return contract


def _vintage(
    dataset_id: str,
    name: str,
    raw: dict[str, Any],
    base_fmt: dict[str, Any],
    base_contract: dict[str, Any],
) -> Vintage:
    where = f"catalogue entry {dataset_id} vintage {name}"
    unknown = set(raw) - {"url", "datagouv", "parts", "sha256", "format", "note", "contract"}
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    url = raw.get("url")
    dg = raw.get("datagouv")
    if (url is None) == (dg is None):
        raise CatalogError(f"{where}: give exactly one of 'url' or 'datagouv'")
    fmt = {**base_fmt, **raw.get("format", {})}
    if set(fmt) - FORMAT_KEYS:
        raise CatalogError(f"{where}: unknown format keys {sorted(set(fmt) - FORMAT_KEYS)}")
    if fmt.get("kind") not in KINDS:
        raise CatalogError(f"{where}: format.kind must be one of {sorted(KINDS)}")
    if fmt["kind"] == "csv" and not {"encoding", "sep"} <= set(fmt):
        raise CatalogError(f"{where}: CSV sources declare their encoding and separator")
    parts = tuple(raw.get("parts", ()))
    if parts and (url is None or "{part}" not in url):
        raise CatalogError(f"{where}: a split source needs a url template with {{part}}")
    return Vintage(
        dataset=dataset_id,
        name=name,
        url=url,
        datagouv=DataGouvResource(dg["slug"], dg["title_pattern"]) if dg else None,
        parts=parts,
        sha256=raw.get("sha256"),
        fmt=fmt,
        note=raw.get("note", ""),
        contract=_contract(where, base_contract, raw.get("contract", {})),
    )


def load_catalog(directory: Path = CATALOG_DIR) -> dict[str, Dataset]:
    datasets: dict[str, Dataset] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
        for ds_id, raw in doc.get("datasets", {}).items():
            if ds_id in datasets:
                raise CatalogError(f"dataset {ds_id!r} is defined twice (second in {path.name})")
            missing = {"publisher", "title", "licence", "documentation", "vintages"} - set(raw)
            if missing:
                raise CatalogError(f"catalogue entry {ds_id} ({path.name}) lacks {sorted(missing)}")
            base_fmt = raw.get("format", {})
            datasets[ds_id] = Dataset(
                id=ds_id,
                publisher=raw["publisher"],
                title=raw["title"],
                title_fr=raw.get("title_fr", raw["title"]),
                licence=raw["licence"],
                documentation=raw["documentation"],
                group=path.stem,
                column_map=raw.get("column_map", ds_id),
                description=raw.get("description", ""),
                vintages={
                    str(v): _vintage(ds_id, str(v), vraw, base_fmt, raw.get("contract", {}))
                    for v, vraw in raw["vintages"].items()
                },
            )
    return datasets


@cache
def catalog() -> dict[str, Dataset]:
    return load_catalog()


def get(dataset_id: str) -> Dataset:
    try:
        return catalog()[dataset_id]
    except KeyError:
        raise KeyError(
            f"unknown dataset {dataset_id!r}; `gpect sources` lists the catalogue"
        ) from None
