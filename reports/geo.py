"""Commune contours for the catchment map: the parsed COG 2018 polygons regrouped into current
communes, simplified so that a page stays small, as plain coordinate rings (the map is drawn
on plain axes, so it needs neither a tile server nor plotly's world topojson)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import shapely

# ~200 m at French latitudes: invisible at catchment scale, divides the vertex count by ~4.
SIMPLIFY_DEGREES = 0.002
DECIMALS = 4  # ~10 m

Ring = list[tuple[float, float]]

# DuckDB reads and filters the GeoParquet file ~5x faster than geopandas (one row group, 30 MB);
# geometries stay WKB, decoded by shapely.
POLYGONS_SQL = """
select commune_code, geometry
from read_parquet($path)
where $codes is null or list_contains($codes, commune_code)
"""


def read_polygons(path: Path, old_codes: list[str] | None = None) -> pd.DataFrame:
    """Commune polygons (COG 2018 codes, shapely geometries); only `old_codes` when given."""
    if not path.exists():
        raise FileNotFoundError(
            f"commune polygons not found at {path}: run `gpect fetch -d commune_polygons`"
        )
    con = duckdb.connect()
    try:
        rows = con.execute(POLYGONS_SQL, {"path": str(path), "codes": old_codes}).fetchall()
    finally:
        con.close()
    return pd.DataFrame(
        {
            "commune_code": [r[0] for r in rows],
            "geometry": shapely.from_wkb([r[1] for r in rows]),
        }
    )


def catchment_rings(polygons: pd.DataFrame, codes: pd.DataFrame) -> dict[str, list[Ring]]:
    """Exterior rings of each current commune (`codes`: old_code → current_code), simplified and
    rounded. Communes without a polygon are simply absent (the report counts them)."""
    shapes = polygons.merge(codes, left_on="commune_code", right_on="old_code")
    rings: dict[str, list[Ring]] = {}
    for current, group in shapes.groupby("current_code", sort=True):
        merged = shapely.union_all(group["geometry"].to_numpy())
        simple = shapely.simplify(merged, SIMPLIFY_DEGREES, preserve_topology=True)
        parts = getattr(simple, "geoms", [simple])
        rings[current] = [
            [(round(x, DECIMALS), round(y, DECIMALS)) for x, y in part.exterior.coords]
            for part in parts
            if part.geom_type == "Polygon" and not part.is_empty
        ]
    return rings


class Polygons:
    """Where a page takes its contours from: the whole file read once (a whole site), or only
    the catchment's polygons for each page (one report, ~0.3 s instead of ~0.7 s)."""

    def __init__(self, path: Path, preload: bool = False):
        self.path = path
        self._all = read_polygons(path) if preload else None
        # Catchments overlap: a commune's rings are computed once for the whole site.
        self._rings: dict[str, list[Ring]] = {}

    def rings(self, codes: pd.DataFrame) -> dict[str, list[Ring]]:
        todo = codes[~codes["current_code"].isin(self._rings.keys())]
        if not todo.empty:
            if self._all is not None:
                polygons = self._all
            else:
                polygons = read_polygons(self.path, sorted(set(todo["old_code"])))
            self._rings.update(catchment_rings(polygons, todo))
        wanted = set(codes["current_code"])
        return {code: self._rings[code] for code in sorted(wanted) if code in self._rings}
