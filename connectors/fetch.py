"""Fetch one dataset vintage: resolve its source (official URL, data.gouv.fr API or mirror),
download each part conditionally, store it immutably and update the manifest last."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests

from connectors import datagouv, rawstore
from connectors.http import HttpConfig, Transfer, copy_local, download
from connectors.mirror import Mirror
from connectors.registry import Vintage


@dataclass(frozen=True)
class FetchOutcome:
    dataset: str
    vintage: str
    status: str  # "downloaded" | "unchanged"
    bytes: int
    source: str


def sources(
    vintage: Vintage,
    *,
    mirror: Mirror | None,
    session: requests.Session,
    cfg: HttpConfig,
    datagouv_api: str,
) -> dict[str, str | Path]:
    """Where each part of the vintage comes from, after mirror redirection."""
    parts = vintage.parts or ("",)
    if mirror is not None:
        return {p: mirror.locate(vintage.dataset, vintage.name, p) for p in parts}
    if vintage.datagouv is not None:
        url = datagouv.resolve(
            session,
            datagouv_api,
            vintage.datagouv,
            cfg,
            dataset=vintage.dataset,
            vintage=vintage.name,
        )
        return {"": url}
    return vintage.part_urls()


def fetch_vintage(
    vintage: Vintage,
    *,
    raw_dir: Path,
    session: requests.Session,
    cfg: HttpConfig,
    mirror: Mirror | None = None,
    datagouv_api: str = "https://www.data.gouv.fr/api/1",
    force: bool = False,
) -> FetchOutcome:
    ds, vname = vintage.dataset, vintage.name
    previous = rawstore.read_manifest(raw_dir, ds, vname)
    prev_parts = {} if (previous is None or force) else previous["parts"]
    tmp_dir = raw_dir / ".tmp"
    entries: dict[str, dict] = {}
    changed = False
    total = 0
    where = sources(vintage, mirror=mirror, session=session, cfg=cfg, datagouv_api=datagouv_api)
    for part, src in where.items():
        prev = prev_parts.get(part)
        asked = src.resolve().as_uri() if isinstance(src, Path) else src
        same_source = prev is not None and prev["url_asked"] == asked
        etag = prev.get("etag") if same_source else None
        last_mod = prev.get("last_modified") if same_source else None
        transfer: Transfer
        if isinstance(src, Path):
            transfer = copy_local(
                src, tmp_dir, cfg, dataset=ds, vintage=vname, last_modified=last_mod
            )
        else:
            transfer = download(
                session,
                src,
                tmp_dir,
                cfg,
                dataset=ds,
                vintage=vname,
                etag=etag,
                last_modified=last_mod,
            )
        if transfer.status == "not_modified":
            entry = {**prev, "checked_at": rawstore.now()}
        else:
            entry = rawstore.store(
                transfer,
                raw_dir,
                ds,
                vname,
                fallback_name=f"{ds}-{vname}{'-' + part if part else ''}",
                expected_sha256=vintage.sha256 if not vintage.parts else None,
                max_unpacked=cfg.max_bytes * 4,
            )
            if prev is None or prev["sha256"] != entry["sha256"]:
                changed = True
            else:
                entry["fetched_at"] = prev["fetched_at"]
        entries[part] = entry
        total += entry["bytes"]
    history = list(previous.get("history", [])) if previous else []
    if changed and previous is not None:
        history.append({"replaced_at": rawstore.now(), "parts": previous["parts"]})
    manifest = {"dataset": ds, "vintage": vname, "parts": entries, "history": history}
    rawstore.write_json_atomic(
        rawstore.vintage_dir(raw_dir, ds, vname) / rawstore.MANIFEST, manifest
    )
    first = next(iter(entries.values()))
    source = first["url_asked"] if len(entries) == 1 else f"{len(entries)} parts"
    return FetchOutcome(ds, vname, "downloaded" if changed else "unchanged", total, source)
