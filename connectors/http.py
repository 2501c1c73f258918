"""One HTTP session for every publisher: timeouts, retries with backoff, a User-Agent, a size cap.

Downloads stream into a temporary file while hashing, so a failed or oversized transfer never
reaches `data/raw`. A local-directory mirror goes through the same function (`copy_local`) so that
offline runs record the same manifest fields.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.errors import DownloadError

CHUNK = 1 << 20


@dataclass(frozen=True)
class HttpConfig:
    user_agent: str = "gpect/0.1 (territorial skills-gap diagnostics; open-source pipeline)"
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 4
    backoff: float = 1.0
    max_bytes: int = 500 * 2**20


@dataclass(frozen=True)
class Transfer:
    """What one GET (or local copy) produced; `path` is None when the source did not change."""

    url_asked: str
    final_url: str
    status: str  # "downloaded" | "not_modified"
    path: Path | None = None
    sha256: str | None = None
    bytes: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    filename: str | None = None


def _temp_file(tmp_dir: Path, kind: str) -> Path:
    """A fresh temporary file; its name carries the pid so that a killed run's leftovers can be
    found (flows/lock.py), and is unique across threads."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix=f"{kind}-{os.getpid()}-", suffix=".part")
    os.close(fd)
    return Path(name)


def make_session(cfg: HttpConfig) -> requests.Session:
    retry = Retry(
        total=cfg.retries,
        connect=cfg.retries,
        read=cfg.retries,
        status=cfg.retries,
        backoff_factor=cfg.backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        # Return the last response so that the caller can name the final status in its error.
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = cfg.user_agent
    return session


def _filename_from(response: requests.Response) -> str | None:
    disposition = response.headers.get("Content-Disposition", "")
    for item in disposition.split(";"):
        key, _, value = item.strip().partition("=")
        if key.lower() == "filename" and value:
            return value.strip('"')
    return None


def download(
    session: requests.Session,
    url: str,
    tmp_dir: Path,
    cfg: HttpConfig,
    *,
    dataset: str,
    vintage: str,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Transfer:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    err = dict(dataset=dataset, vintage=vintage, where=url)
    try:
        response = session.get(
            url, headers=headers, stream=True, timeout=(cfg.connect_timeout, cfg.read_timeout)
        )
    except requests.Timeout as exc:
        raise DownloadError(
            problem=f"timed out after {cfg.retries} retries ({exc.__class__.__name__})",
            hint="the publisher is slow or unreachable; retry later or use --mirror",
            **err,
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            problem=f"request failed: {exc}",
            hint="check the network or the URL in connectors/catalog; offline, use --mirror",
            **err,
        ) from exc
    with response:
        if response.status_code == 304:
            return Transfer(
                url, response.url, "not_modified", etag=etag, last_modified=last_modified
            )
        if response.status_code != 200:
            raise DownloadError(
                problem=f"HTTP {response.status_code} {response.reason}",
                hint=(
                    "the publisher does not serve this vintage at this URL (yet?); "
                    "check the URL in connectors/catalog"
                    if response.status_code == 404
                    else "the server kept failing after retries; try again later"
                ),
                **err,
            )
        declared = response.headers.get("Content-Length")
        if declared is not None and int(declared) > cfg.max_bytes:
            raise DownloadError(
                problem=f"announced size {int(declared):,} B exceeds the cap of "
                f"{cfg.max_bytes:,} B",
                hint="raise GPECT_MAX_DOWNLOAD_MB if this file is legitimately that large",
                **err,
            )
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = _temp_file(tmp_dir, "download")
        digest = hashlib.sha256()
        received = 0
        try:
            with tmp.open("wb") as out:
                for chunk in response.iter_content(CHUNK):
                    received += len(chunk)
                    if received > cfg.max_bytes:
                        raise DownloadError(
                            problem=f"body exceeds the cap of {cfg.max_bytes:,} B",
                            hint="raise GPECT_MAX_DOWNLOAD_MB if this is expected",
                            **err,
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except requests.RequestException as exc:
            tmp.unlink(missing_ok=True)
            raise DownloadError(
                problem=f"transfer interrupted after {received:,} B ({exc.__class__.__name__})",
                hint="the body was truncated; nothing was stored, retry later",
                **err,
            ) from exc
        except DownloadError:
            tmp.unlink(missing_ok=True)
            raise
        if declared is not None and received != int(declared):
            tmp.unlink(missing_ok=True)
            raise DownloadError(
                problem=f"truncated body: received {received:,} B of {int(declared):,} B announced",
                hint="nothing was stored; retry later",
                **err,
            )
        if received == 0:
            tmp.unlink(missing_ok=True)
            raise DownloadError(problem="empty body", hint="the publisher served no data", **err)
        return Transfer(
            url_asked=url,
            final_url=response.url,
            status="downloaded",
            path=tmp,
            sha256=digest.hexdigest(),
            bytes=received,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            filename=_filename_from(response),
        )


def copy_local(
    source: Path,
    tmp_dir: Path,
    cfg: HttpConfig,
    *,
    dataset: str,
    vintage: str,
    last_modified: str | None = None,
) -> Transfer:
    """Mirror read from a local directory; the file's mtime plays the role of Last-Modified."""
    url = source.resolve().as_uri()
    err = dict(dataset=dataset, vintage=vintage, where=str(source))
    if not source.is_file():
        raise DownloadError(
            problem="file missing from the mirror directory",
            hint="check the mirror path and connectors/mirror_paths.csv",
            **err,
        )
    stat = source.stat()
    stamp = formatdate(stat.st_mtime, usegmt=True) + f"; size={stat.st_size}"
    if last_modified == stamp:
        return Transfer(url, url, "not_modified", last_modified=stamp)
    if stat.st_size > cfg.max_bytes:
        raise DownloadError(
            problem=f"size {stat.st_size:,} B exceeds the cap of {cfg.max_bytes:,} B",
            hint="raise GPECT_MAX_DOWNLOAD_MB if this is expected",
            **err,
        )
    if stat.st_size == 0:
        raise DownloadError(problem="empty file", hint="the mirror copy is broken", **err)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(tmp_dir, "copy")
    digest = hashlib.sha256()
    with source.open("rb") as src, tmp.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    shutil.copystat(source, tmp)
    return Transfer(
        url_asked=url,
        final_url=url,
        status="downloaded",
        path=tmp,
        sha256=digest.hexdigest(),
        bytes=stat.st_size,
        last_modified=stamp,
        filename=source.name,
    )
