"""Fetch one dataset vintage: resolve its source (official URL, data.gouv.fr API or mirror),
download each part conditionally and store it immutably. A new revision is *staged*, not made
current: `connectors/parse.py` publishes it once it parsed and passed its contract, or
quarantines it (write–audit–publish, see `connectors/rawstore.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests

from connectors import datagouv, rawstore
from connectors.digests import Digests
from connectors.errors import DownloadError
from connectors.http import HttpConfig, Transfer, copy_local, download
from connectors.mirror import Mirror
from connectors.registry import Vintage
from connectors.shared.files import write_json


@dataclass(frozen=True)
class FetchOutcome:
    dataset: str
    vintage: str
    status: str  # "downloaded" (a revision is staged for its parse) | "unchanged"
    bytes: int
    source: str
    warnings: tuple[str, ...] = field(default=())


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


def _usable(
    raw_dir: Path, ds: str, vname: str, entry: dict | None, digests: Digests | None
) -> dict | None:
    """The previous entry of a part if its stored file is still intact; otherwise None, so that
    the part is downloaded again without conditions (a deleted or altered raw file is repaired by
    the next fetch, no --force needed)."""
    if entry is None:
        return None
    path = rawstore.vintage_dir(raw_dir, ds, vname) / entry["path"]
    return entry if rawstore.stored_intact(path, entry["sha256"], digests) else None


def _reverted(previous: dict | None, parts: dict[str, dict]) -> dict | None:
    """The history entry whose revision the publisher serves again, if it is not the current."""
    if previous is None or rawstore.same_revision(previous["parts"], parts):
        return None
    return next(
        (h for h in reversed(previous["history"]) if rawstore.same_revision(h["parts"], parts)),
        None,
    )


def fetch_vintage(
    vintage: Vintage,
    *,
    raw_dir: Path,
    session: requests.Session,
    cfg: HttpConfig,
    mirror: Mirror | None = None,
    datagouv_api: str = "https://www.data.gouv.fr/api/1",
    force: bool = False,
    digests: Digests | None = None,
) -> FetchOutcome:
    """`digests` remembers the sha256 of unchanged local files (raw store, local mirror) between
    runs; without it every one is hashed."""
    ds, vname = vintage.dataset, vintage.name
    previous = rawstore.read_manifest(raw_dir, ds, vname)
    prev_parts = {} if (previous is None or force) else previous["parts"]
    tmp_dir = raw_dir / ".tmp"
    entries: dict[str, dict] = {}
    total = 0
    where = sources(vintage, mirror=mirror, session=session, cfg=cfg, datagouv_api=datagouv_api)
    for part, src in where.items():
        prev = _usable(raw_dir, ds, vname, prev_parts.get(part), digests)
        asked = src.resolve().as_uri() if isinstance(src, Path) else src
        same_source = prev is not None and prev["url_asked"] == asked
        transfer: Transfer
        if isinstance(src, Path):
            transfer = copy_local(
                src,
                tmp_dir,
                cfg,
                dataset=ds,
                vintage=vname,
                known_sha256=prev["sha256"] if same_source else None,
                digests=digests,
            )
        else:
            transfer = download(
                session,
                src,
                tmp_dir,
                cfg,
                dataset=ds,
                vintage=vname,
                etag=prev.get("etag") if same_source else None,
                last_modified=prev.get("last_modified") if same_source else None,
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
                max_ratio=cfg.max_compression_ratio,
            )
            known = prev_parts.get(part)
            if known is not None and known["sha256"] == entry["sha256"]:
                # the same revision (downloaded again to repair its stored file)
                entry["fetched_at"] = known["fetched_at"]
        entries[part] = entry
        total += entry["bytes"]
    first = next(iter(entries.values()))
    source = first["url_asked"] if len(entries) == 1 else f"{len(entries)} parts"
    if previous is not None and rawstore.same_revision(previous["parts"], entries):
        # Nothing new: the current revision was checked (and repaired if its file was damaged).
        write_json(
            rawstore.vintage_dir(raw_dir, ds, vname) / rawstore.MANIFEST,
            {**previous, "parts": entries},
        )
        rawstore.drop_staged(raw_dir, ds, vname)
        return FetchOutcome(ds, vname, "unchanged", total, source)
    staged = {"dataset": ds, "vintage": vname, "parts": entries}
    warnings: tuple[str, ...] = ()
    old = _reverted(previous, entries)
    if old is not None:
        current = next(iter(previous["parts"].values()))
        went_back = (
            f"the publisher serves again the revision replaced on {old['replaced_at'][:10]}, "
            f"older than the current one (sha256 {current['sha256'][:16]}, fetched "
            f"{str(current.get('fetched_at', ''))[:10]})"
        )
        if not force:
            rawstore.quarantine_staged(raw_dir, ds, vname, staged, went_back)
            raise DownloadError(
                ds,
                vname,
                f"{went_back}; it was quarantined and the current revision stays in use",
                where=source,
                hint=f"if going back is intended, run `gpect fetch -d {ds} -v {vname} --force`",
            )
        warnings = (f"{went_back}; accepted because of --force",)
    rawstore.write_staged(raw_dir, ds, vname, staged)
    return FetchOutcome(ds, vname, "downloaded", total, source, warnings)
