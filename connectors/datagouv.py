"""Resolve a data.gouv.fr resource whose static URL changes at each revision.

ANCT programme lists (and other resources) are re-uploaded under new static URLs
(`static.data.gouv.fr/resources/<slug>/<timestamp>/<file>`); the stable handle is the dataset slug
and the resource title. API reference: https://guides.data.gouv.fr/guide-data.gouv.fr/api/reference
"""

from __future__ import annotations

import re

import requests

from connectors.errors import DownloadError
from connectors.http import HttpConfig, redirect_refusal
from connectors.registry import DataGouvResource


def resolve(
    session: requests.Session,
    api_base: str,
    resource: DataGouvResource,
    cfg: HttpConfig,
    *,
    dataset: str,
    vintage: str,
) -> str:
    """URL of the most recently modified resource whose title matches the pattern."""
    api_url = f"{api_base.rstrip('/')}/datasets/{resource.slug}/"
    err = dict(dataset=dataset, vintage=vintage, where=api_url)
    try:
        response = session.get(api_url, timeout=(cfg.connect_timeout, cfg.read_timeout))
    except requests.RequestException as exc:
        raise DownloadError(
            problem=f"data.gouv.fr API unreachable: {exc}",
            hint="retry later or use --mirror",
            **err,
        ) from exc
    if response.status_code != 200:
        raise DownloadError(
            problem=f"data.gouv.fr API answered HTTP {response.status_code}",
            hint=f"check the dataset slug {resource.slug!r} in connectors/catalog",
            **err,
        )
    try:
        resources = response.json()["resources"]
    except (ValueError, KeyError) as exc:
        raise DownloadError(
            problem="data.gouv.fr API answer has no 'resources' list", hint="retry later", **err
        ) from exc
    pattern = re.compile(resource.title_pattern)
    matches = [r for r in resources if pattern.search(r.get("title", ""))]
    if not matches:
        titles = ", ".join(sorted(r.get("title", "?") for r in resources)[:12])
        raise DownloadError(
            problem=f"no resource title matches {resource.title_pattern!r} (titles: {titles})",
            hint="the publisher renamed its files; update title_pattern in connectors/catalog",
            **err,
        )
    best = max(matches, key=lambda r: r.get("last_modified") or "")
    # The API's answer sends the download elsewhere, like a redirect: the same policy applies.
    refusal = redirect_refusal(api_url, str(best.get("url", "")))
    if refusal:
        raise DownloadError(
            problem=f"the API sends resource {best.get('title')!r} elsewhere: {refusal}",
            hint="if this host really serves the publisher's files, add it to "
            "connectors/redirect_hosts.toml (after checking it)",
            **err,
        )
    return best["url"]
