"""Immutable raw store: `data/raw/<dataset>/<vintage>/<sha256[:16]>/<file>` plus `manifest.json`.

A file is moved into place with an atomic rename and made read-only; a new publisher revision
lands in a new content-addressed folder and the manifest switches to it only after every part of
the vintage arrived. Earlier files stay where they were, so a failed refresh changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from connectors.errors import DownloadError
from connectors.http import Transfer

MANIFEST = "manifest.json"
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


def read_manifest(raw_dir: Path, dataset: str, vintage: str) -> dict[str, Any] | None:
    path = vintage_dir(raw_dir, dataset, vintage) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def check_archive(path: Path, *, dataset: str, vintage: str, max_unpacked: int) -> None:
    """Reject zip members with absolute or parent-relative paths, and zip bombs."""
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as zf:
        total = 0
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise DownloadError(
                    dataset,
                    vintage,
                    f"archive member {info.filename!r} has an absolute or '..' path",
                    where=path.name,
                    hint="the archive is unsafe and was rejected; report it to the publisher",
                )
            total += info.file_size
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
        check_archive(transfer.path, dataset=dataset, vintage=vintage, max_unpacked=max_unpacked)
    except (DownloadError, zipfile.BadZipFile):
        transfer.path.unlink(missing_ok=True)
        raise
    name = safe_filename(transfer.filename or transfer.final_url.split("?")[0], fallback_name)
    relative = Path(transfer.sha256[:16]) / name
    target = vintage_dir(raw_dir, dataset, vintage) / relative
    if target.exists():
        transfer.path.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(transfer.path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(transfer.path, target)
    return {
        "url_asked": transfer.url_asked,
        "final_url": transfer.final_url,
        "sha256": transfer.sha256,
        "bytes": transfer.bytes,
        "fetched_at": now(),
        "checked_at": now(),
        "etag": transfer.etag,
        "last_modified": transfer.last_modified,
        "path": relative.as_posix(),
    }


def verify(raw_dir: Path, dataset: str, vintage: str, entry: dict[str, Any]) -> Path:
    """Path of a stored part after checking that its bytes still hash to the manifest's sha256."""
    path = vintage_dir(raw_dir, dataset, vintage) / entry["path"]
    if not path.is_file():
        raise DownloadError(
            dataset,
            vintage,
            "raw file listed in the manifest is missing",
            where=str(path),
            hint="run `gpect fetch --force` for this dataset",
        )
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise DownloadError(
            dataset,
            vintage,
            f"checksum mismatch on disk (manifest says {entry['sha256']})",
            where=str(path),
            hint="the raw file was altered; run `gpect fetch --force`",
        )
    return path
