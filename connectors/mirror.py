"""Redirect official URLs to a mirror: a local directory or an HTTP base URL.

The mapping `connectors/mirror_paths.csv` (dataset, vintage, path; `{part}` for split sources) is
the one documented place that says where each dataset vintage lives inside a mirror. The shipped
mapping describes the layout of `shared/opendata`; another layout gets its own CSV
(`GPECT_MIRROR_MAP`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from connectors.errors import DownloadError

DEFAULT_MAP = Path(__file__).with_name("mirror_paths.csv")


def load_map(path: Path = DEFAULT_MAP) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    mapping: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["dataset"], row["vintage"])
        if key in mapping:
            raise ValueError(f"{path}: {key} is mapped twice")
        mapping[key] = row["path"]
    return mapping


@dataclass(frozen=True)
class Mirror:
    base: str
    mapping: dict[tuple[str, str], str]

    @property
    def is_http(self) -> bool:
        return self.base.startswith(("http://", "https://"))

    def locate(self, dataset: str, vintage: str, part: str = "") -> str | Path:
        try:
            relative = self.mapping[(dataset, vintage)]
        except KeyError:
            raise DownloadError(
                dataset,
                vintage,
                "not present in the mirror",
                where=self.base,
                hint="add it to the mirror map, or fetch it online without --mirror",
            ) from None
        relative = relative.format(part=part)
        if self.is_http:
            return f"{self.base.rstrip('/')}/{quote(relative)}"
        return Path(self.base) / relative

    def has(self, dataset: str, vintage: str) -> bool:
        return (dataset, vintage) in self.mapping


def open_mirror(base: str | Path | None, map_path: Path | None = None) -> Mirror | None:
    if base is None or str(base) == "":
        return None
    return Mirror(str(base), load_map(map_path or DEFAULT_MAP))
