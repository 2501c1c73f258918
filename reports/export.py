"""Exports for analysts and GIS users: every mart as Parquet and CSV, and the town and catchment
indicators with geometry as a GeoPackage (towns as points, catchments as the union of their
communes' polygons)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import geopandas as gpd

from connectors.cells import write_csv

CATCHMENT_INDICATORS = """
select p.town_code, p.town_label, p.departement_code, p.catchment_communes,
       p.catchment_population, p.catchment_working_age_population, p.catchment_unemployment_rate,
       p.catchment_hiring_projects, p.catchment_estimated_share,
       p.catchment_higher_education_students, p.nearest_higher_education_minutes,
       -- What the operator can open (catalogue, market for a cohort), not the raw rank.
       string_agg(r.sector_label, ' ; ' order by r.recommendation_rank)
           filter (where r.recommendation_rank <= 3) as recommended_sectors,
       string_agg(r.sector_label, ' ; ' order by r.rank)
           filter (where r.is_partner_need) as partner_sectors
from mart_town__profile as p
left join mart_town_sector__ranking as r using (town_code)
group by all
"""


def _atomic(path: Path, write) -> None:
    # Keep the extension: GDAL checks a GeoPackage's file name.
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)


def export(warehouse: Path, commune_polygons: Path, out_dir: Path) -> dict[str, Path]:
    """Write marts and the GeoPackage to `out_dir`; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_name like 'mart\\_%' escape '\\' order by 1"
            ).fetchall()
        ]
        for mart in marts:
            frame = con.table(mart).df()
            for ext in ("parquet", "csv"):
                path = out_dir / f"{mart}.{ext}"
                if ext == "parquet":
                    _atomic(path, lambda p, f=frame: f.to_parquet(p, index=False))
                else:
                    # Labels come from the data: no CSV cell may open as a formula.
                    _atomic(path, lambda p, f=frame: write_csv(f, p))
                written[f"{mart}.{ext}"] = path
        towns = con.execute(CATCHMENT_INDICATORS).df()
        profile = con.table("mart_town__profile").df()
        members = con.execute(
            "select k.town_code, m.old_code from mart_town__catchment_communes as k "
            "join int_geo__code_passage as m on m.current_code = k.commune_code"
        ).df()
    finally:
        con.close()

    polygons = gpd.read_parquet(commune_polygons)[["commune_code", "geometry"]]
    # Polygons are COG 2018: a catchment takes every former commune that became one of its members.
    shapes = polygons.merge(members, left_on="commune_code", right_on="old_code")
    catchments = shapes.dissolve(by="town_code")[["geometry"]].reset_index()
    catchments = catchments.merge(towns, on="town_code", how="right")
    catchments = gpd.GeoDataFrame(catchments, geometry="geometry", crs="EPSG:4326")
    points = gpd.GeoDataFrame(
        profile.drop(columns=["latitude", "longitude"]),
        geometry=gpd.points_from_xy(profile["longitude"], profile["latitude"]),
        crs="EPSG:4326",
    )
    gpkg = out_dir / "gpect_towns.gpkg"

    def write_gpkg(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        points.to_file(tmp, layer="towns", driver="GPKG")
        catchments.to_file(tmp, layer="catchments", driver="GPKG", mode="a")

    _atomic(gpkg, write_gpkg)
    written["gpect_towns.gpkg"] = gpkg
    return written
