"""Immutable raw store: `data/raw/<dataset>/<vintage>/<sha256[:16]>/<file>` plus `manifest.json`.

A file is moved into place with an atomic rename and made read-only; a new publisher revision
lands in a new content-addressed folder. Write–audit–publish: the download step records the new
revision as *staged* (`staged.json`); the manifest's current `parts` switch to it only after it
parsed and passed its contract (`connectors/parse.py`). A refused revision is *quarantined*: its
files stay in their folder and the manifest lists it under `quarantine` with the reason, while the
previous good revision stays current. A manifest that cannot be read affects its dataset vintage
only: it is reported (`manifest_problem`) and rebuilt by the next fetch.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from connectors.digests import Digests, digest_of, sha256_file
from connectors.errors import DownloadError
from connectors.shared.files import write_json

if TYPE_CHECKING:  # connectors.http imports requests, which reading the store does not need
    from connectors.http import Transfer

MANIFEST = "manifest.json"
STAGED = "staged.json"
QUARANTINE_KEPT = 10  # refused revisions listed in a manifest, newest last
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def safe_filename(name: str, fallback: str) -> str:
    """Keep a publisher's file name readable but never let it choose a path."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._")
    return cleaned[:120] or fallback


def vintage_dir(raw_dir: Path, dataset: str, vintage: str) -> Path:
    return raw_dir / safe_filename(dataset, "dataset") / safe_filename(vintage, "vintage")


def load_json(path: Path, required: dict[str, type]) -> tuple[dict[str, Any] | None, str | None]:
    """(document, None), (None, None) when the file is absent, or (None, what is wrong with it)
    when it is not a JSON object with the `required` keys of the given types."""
    if not path.exists():
        return None, None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{path.name} is unreadable ({exc.__class__.__name__}: {exc})"
    if not isinstance(doc, dict):
        return None, f"{path.name} is not a JSON object"
    for key, kind in required.items():
        if not isinstance(doc.get(key), kind):
            return None, f"{path.name} lacks a valid {key!r}"
    return doc, None


def _manifest(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    doc, problem = load_json(path, {"parts": dict})
    if doc is not None:
        for part, entry in doc["parts"].items():
            if not isinstance(entry, dict) or not {"sha256", "path"} <= set(entry):
                return None, f"{path.name}: part {part!r} lacks its sha256 or path"
        doc.setdefault("history", [])
        doc.setdefault("quarantine", [])
    return doc, problem


def read_manifest(raw_dir: Path, dataset: str, vintage: str) -> dict[str, Any] | None:
    """The manifest, or None when it is absent or damaged (see `manifest_problem`)."""
    return _manifest(vintage_dir(raw_dir, dataset, vintage) / MANIFEST)[0]


def manifest_problem(raw_dir: Path, dataset: str, vintage: str) -> str | None:
    """What is wrong with the vintage's manifest, if it exists and is damaged."""
    return _manifest(vintage_dir(raw_dir, dataset, vintage) / MANIFEST)[1]


def read_staged(raw_dir: Path, dataset: str, vintage: str) -> dict[str, Any] | None:
    """The downloaded revision waiting for its parse (None when there is none or it is damaged:
    the next fetch stages it again)."""
    return _manifest(vintage_dir(raw_dir, dataset, vintage) / STAGED)[0]


def write_staged(raw_dir: Path, dataset: str, vintage: str, staged: dict[str, Any]) -> None:
    write_json(vintage_dir(raw_dir, dataset, vintage) / STAGED, staged)


def drop_staged(raw_dir: Path, dataset: str, vintage: str) -> None:
    (vintage_dir(raw_dir, dataset, vintage) / STAGED).unlink(missing_ok=True)


def empty_manifest(dataset: str, vintage: str) -> dict[str, Any]:
    return {"dataset": dataset, "vintage": vintage, "parts": {}, "history": [], "quarantine": []}


def publish_staged(raw_dir: Path, dataset: str, vintage: str, staged: dict[str, Any]) -> None:
    """The staged revision becomes current; the one it replaces goes to the history."""
    manifest = read_manifest(raw_dir, dataset, vintage) or empty_manifest(dataset, vintage)
    if manifest["parts"] and _shas(manifest["parts"]) != _shas(staged["parts"]):
        manifest["history"].append({"replaced_at": now(), "parts": manifest["parts"]})
    manifest["parts"] = staged["parts"]
    write_json(vintage_dir(raw_dir, dataset, vintage) / MANIFEST, manifest)
    drop_staged(raw_dir, dataset, vintage)


def quarantine_staged(
    raw_dir: Path, dataset: str, vintage: str, staged: dict[str, Any], reason: str
) -> None:
    """Keep a refused revision aside: listed with its reason, never current."""
    manifest = read_manifest(raw_dir, dataset, vintage) or empty_manifest(dataset, vintage)
    entry = {"quarantined_at": now(), "reason": reason, "parts": staged["parts"]}
    # The same revision refused again (the publisher still serves it) replaces its entry.
    kept = [q for q in manifest["quarantine"] if not same_revision(q["parts"], staged["parts"])]
    manifest["quarantine"] = [*kept, entry][-QUARANTINE_KEPT:]
    write_json(vintage_dir(raw_dir, dataset, vintage) / MANIFEST, manifest)
    drop_staged(raw_dir, dataset, vintage)


def _shas(parts: dict[str, Any]) -> dict[str, str]:
    return {p: e["sha256"] for p, e in parts.items()}


def same_revision(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _shas(a) == _shas(b)


_NESTED = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz")
# Members smaller than this may compress extremely well without being a threat.
_RATIO_FLOOR = 1 << 20


def check_archive(
    path: Path, *, dataset: str, vintage: str, max_unpacked: int, max_ratio: float = 100.0
) -> None:
    """Reject unsafe archives (xlsx included, a zip container): members with absolute or '..'
    paths, symbolic links, duplicated names, archives inside the archive, and zip bombs by size
    or by compression ratio (declared sizes are what the reader will inflate)."""
    if not zipfile.is_zipfile(path):
        return

    def unsafe(problem: str) -> DownloadError:
        return DownloadError(
            dataset,
            vintage,
            problem,
            where=path.name,
            hint="the archive is unsafe and was rejected; report it to the publisher",
        )

    with zipfile.ZipFile(path) as zf:
        total = packed = 0
        seen: set[str] = set()
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise unsafe(f"archive member {info.filename!r} has an absolute or '..' path")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise unsafe(f"archive member {info.filename!r} is a symbolic link")
            if name in seen:
                raise unsafe(f"archive member {info.filename!r} appears twice")
            seen.add(name)
            if name.lower().endswith(_NESTED):
                raise unsafe(f"archive member {info.filename!r} is itself an archive")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= _RATIO_FLOOR and ratio > max_ratio:
                raise unsafe(
                    f"archive member {info.filename!r} inflates {ratio:,.0f} times "
                    f"({info.compress_size:,} B → {info.file_size:,} B), over the ratio cap of "
                    f"{max_ratio:g} (GPECT_MAX_COMPRESSION_RATIO)"
                )
            total += info.file_size
            packed += info.compress_size
        if total >= _RATIO_FLOOR and total / max(packed, 1) > max_ratio:
            raise unsafe(
                f"archive inflates {total / max(packed, 1):,.0f} times ({total:,} B), over the "
                f"ratio cap of {max_ratio:g} (GPECT_MAX_COMPRESSION_RATIO)"
            )
        if total > max_unpacked:
            raise DownloadError(
                dataset,
                vintage,
                f"archive unpacks to {total:,} B, over the cap of {max_unpacked:,} B",
                where=path.name,
                hint="raise GPECT_MAX_DOWNLOAD_MB if this is expected",
            )


def store(
    transfer: Transfer,
    raw_dir: Path,
    dataset: str,
    vintage: str,
    *,
    fallback_name: str,
    expected_sha256: str | None,
    max_unpacked: int,
    max_ratio: float = 100.0,
) -> dict[str, Any]:
    """Move a downloaded temp file into the immutable store; return its manifest entry."""
    assert transfer.path is not None and transfer.sha256 is not None
    if expected_sha256 and transfer.sha256 != expected_sha256:
        transfer.path.unlink(missing_ok=True)
        raise DownloadError(
            dataset,
            vintage,
            f"checksum mismatch: got sha256 {transfer.sha256}, "
            f"the catalogue pins {expected_sha256}",
            where=transfer.final_url,
            hint="the publisher revised the file: review it, then update sha256 in "
            "connectors/catalog",
        )
    try:
        check_archive(
            transfer.path,
            dataset=dataset,
            vintage=vintage,
            max_unpacked=max_unpacked,
            max_ratio=max_ratio,
        )
    except (DownloadError, zipfile.BadZipFile):
        transfer.path.unlink(missing_ok=True)
        raise
    name = safe_filename(transfer.filename or transfer.final_url.split("?")[0], fallback_name)
    relative = Path(transfer.sha256[:16]) / name
    target = vintage_dir(raw_dir, dataset, vintage) / relative
    if target.exists() and stored_intact(target, transfer.sha256):
        transfer.path.unlink()
    else:  # absent, or altered since: the fresh copy replaces it
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(transfer.path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(transfer.path, target)
    return {
        "url_asked": transfer.url_asked,
        "final_url": transfer.final_url,
        "final_host": urlsplit(transfer.final_url).hostname or "",
        "redirects": list(transfer.redirects),
        "sha256": transfer.sha256,
        "bytes": transfer.bytes,
        "fetched_at": now(),
        "checked_at": now(),
        "etag": transfer.etag,
        "last_modified": transfer.last_modified,
        "path": relative.as_posix(),
    }


def stored_intact(path: Path, sha256: str, digests: Digests | None = None) -> bool:
    if not path.is_file():
        return False
    return digest_of(path, digests) == sha256


def verify(raw_dir: Path, dataset: str, vintage: str, entry: dict[str, Any]) -> Path:
    """Path of a stored part after checking that its bytes still hash to the manifest's sha256."""
    path = vintage_dir(raw_dir, dataset, vintage) / entry["path"]
    if not path.is_file():
        raise DownloadError(
            dataset,
            vintage,
            "raw file listed in the manifest is missing",
            where=str(path),
            hint=f"run `gpect fetch -d {dataset} -v {vintage}`, which downloads it again",
        )
    if sha256_file(path) != entry["sha256"]:
        raise DownloadError(
            dataset,
            vintage,
            f"checksum mismatch on disk (manifest says {entry['sha256']})",
            where=str(path),
            hint=f"the raw file was altered; run `gpect fetch -d {dataset} -v {vintage}`, which "
            "downloads it again",
        )
    return path
