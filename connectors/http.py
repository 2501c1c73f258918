"""One HTTP session for every publisher: timeouts, retries with backoff, a User-Agent, a size cap.

Downloads stream into a temporary file while hashing, so a failed or oversized transfer never
reaches `data/raw`. The network policy: an overall deadline per download (a server trickling bytes
is cut off), the server's Retry-After capped, redirects followed only on the same host or to https
on a declared publisher host (`connectors/redirect_hosts.toml`), the final URL and the redirects
recorded. A local-directory mirror goes through `copy_local`, which records the same manifest
fields and compares files by content.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.digests import Digests, digest_of
from connectors.errors import DownloadError
from connectors.http_config import HttpConfig

CHUNK = 1 << 20
MAX_REDIRECTS = 10
HOSTS_FILE = Path(__file__).with_name("redirect_hosts.toml")


@cache
def publisher_hosts() -> frozenset[str]:
    """Hosts a download may be redirected to (connectors/redirect_hosts.toml), https only."""
    with HOSTS_FILE.open("rb") as fh:
        return frozenset(h.lower() for h in tomllib.load(fh)["hosts"])


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
    redirects: tuple[str, ...] = ()


def _temp_file(tmp_dir: Path, kind: str) -> Path:
    """A fresh temporary file; its name carries the pid so that a killed run's leftovers can be
    found (flows/pipeline/lock.py), and is unique across threads."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix=f"{kind}-{os.getpid()}-", suffix=".part")
    os.close(fd)
    return Path(name)


class CappedRetry(Retry):
    """urllib3's Retry, with the server's Retry-After shortened to `max_retry_after` seconds."""

    max_retry_after: float = 120.0

    def new(self, **kw):
        fresh = super().new(**kw)
        fresh.max_retry_after = self.max_retry_after
        return fresh

    def get_retry_after(self, response):
        asked = super().get_retry_after(response)
        return None if asked is None else min(asked, self.max_retry_after)


def make_session(cfg: HttpConfig) -> requests.Session:
    retry = CappedRetry(
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
    retry.max_retry_after = cfg.max_retry_after
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
    started = time.monotonic()
    response, hops = _get_following_redirects(session, url, headers, cfg, err)
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
        announced = response.headers.get("Content-Length")
        if announced is not None and not announced.strip().isdigit():
            raise DownloadError(
                problem=f"invalid Content-Length header {announced[:40]!r}",
                hint="the server's answer is malformed; nothing was stored, retry later",
                **err,
            )
        declared = None if announced is None else int(announced)
        if declared is not None and declared > cfg.max_bytes:
            raise DownloadError(
                problem=f"announced size {declared:,} B exceeds the cap of {cfg.max_bytes:,} B",
                hint="raise GPECT_MAX_DOWNLOAD_MB if this file is legitimately that large",
                **err,
            )
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = _temp_file(tmp_dir, "download")
        digest = hashlib.sha256()
        received = 0
        try:
            with tmp.open("wb") as out:
                # read1 returns what has arrived (at most one read per call), so a server that
                # trickles bytes still lets the deadline be checked between reads.
                while chunk := response.raw.read1(CHUNK, decode_content=True):
                    if time.monotonic() - started > cfg.deadline:
                        raise DownloadError(
                            problem=f"not finished after the deadline of {cfg.deadline:g} s "
                            f"({received:,} B received)",
                            hint="the server is too slow; retry later, or raise "
                            "GPECT_DOWNLOAD_DEADLINE",
                            **err,
                        )
                    received += len(chunk)
                    if received > cfg.max_bytes:
                        raise DownloadError(
                            problem=f"body exceeds the cap of {cfg.max_bytes:,} B",
                            hint="raise GPECT_MAX_DOWNLOAD_MB if this is expected",
                            **err,
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            tmp.unlink(missing_ok=True)
            raise DownloadError(
                problem=f"transfer interrupted after {received:,} B ({exc.__class__.__name__})",
                hint="the body was truncated; nothing was stored, retry later",
                **err,
            ) from exc
        except DownloadError:
            tmp.unlink(missing_ok=True)
            raise
        if declared is not None and received != declared:
            tmp.unlink(missing_ok=True)
            raise DownloadError(
                problem=f"truncated body: received {received:,} B of {declared:,} B announced",
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
            redirects=hops,
        )


def redirect_refusal(current: str, target: str) -> str | None:
    """Why a redirect from `current` to `target` is not followed, or None when it is allowed: a
    redirect stays on the same scheme and host, or goes to https on a declared publisher host."""
    here, there = urlsplit(current), urlsplit(target)
    if (there.scheme, there.netloc) == (here.scheme, here.netloc):
        return None
    if there.scheme != "https":
        return f"redirected to {target}, which is not https"
    host = (there.hostname or "").lower()
    if host not in publisher_hosts():
        return f"redirected to {target}, whose host {host!r} is not a declared publisher host"
    return None


def _get_following_redirects(
    session: requests.Session, url: str, headers: dict, cfg: HttpConfig, err: dict
) -> tuple[requests.Response, tuple[str, ...]]:
    """GET `url`, following redirects only where `redirect_refusal` allows; (response, hops)."""
    hops: list[str] = []
    current = url
    while True:
        try:
            response = session.get(
                current,
                headers=headers,
                stream=True,
                timeout=(cfg.connect_timeout, cfg.read_timeout),
                allow_redirects=False,
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
        if not response.is_redirect:
            return response, tuple(hops)
        target = urljoin(current, response.headers["Location"])
        response.close()
        refusal = redirect_refusal(current, target)
        if refusal:
            raise DownloadError(
                problem=refusal,
                hint="if this host really serves the publisher's files, add it to "
                "connectors/redirect_hosts.toml (after checking it)",
                **err,
            )
        hops.append(target)
        if len(hops) > MAX_REDIRECTS:
            raise DownloadError(
                problem=f"more than {MAX_REDIRECTS} redirects", hint="retry later", **err
            )
        current = target


def copy_local(
    source: Path,
    tmp_dir: Path,
    cfg: HttpConfig,
    *,
    dataset: str,
    vintage: str,
    known_sha256: str | None = None,
    digests: Digests | None = None,
) -> Transfer:
    """Mirror read from a local directory. The file is compared by content (sha256) with the
    revision stored before, never by size and mtime alone: a file rewritten in place with the
    same size and mtime is still seen as changed (`digests` hashes it again: its ctime moved)."""
    url = source.resolve().as_uri()
    err = dict(dataset=dataset, vintage=vintage, where=str(source))
    if not source.is_file():
        raise DownloadError(
            problem="file missing from the mirror directory",
            hint="check the mirror path and connectors/mirror_paths.csv",
            **err,
        )
    size = source.stat().st_size
    if size > cfg.max_bytes:
        raise DownloadError(
            problem=f"size {size:,} B exceeds the cap of {cfg.max_bytes:,} B",
            hint="raise GPECT_MAX_DOWNLOAD_MB if this is expected",
            **err,
        )
    if size == 0:
        raise DownloadError(problem="empty file", hint="the mirror copy is broken", **err)
    if known_sha256 is not None and digest_of(source, digests) == known_sha256:
        return Transfer(url, url, "not_modified", sha256=known_sha256)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(tmp_dir, "copy")
    digest = hashlib.sha256()
    copied = 0
    with source.open("rb") as src, tmp.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            copied += len(chunk)
            out.write(chunk)
    shutil.copystat(source, tmp)
    return Transfer(
        url_asked=url,
        final_url=url,
        status="downloaded",
        path=tmp,
        sha256=digest.hexdigest(),
        bytes=copied,
        filename=source.name,
    )
