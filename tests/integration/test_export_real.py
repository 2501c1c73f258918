"""`gpect export` on the real warehouse: marts as Parquet and CSV, towns and catchments as GeoPackage."""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd
import pytest

from connectors import parse
from reports.export import export

pytestmark = pytest.mark.realdata


def test_export_writes_every_mart_and_a_geopackage(ingested, warehouse, tmp_path):
    cfg, _ = ingested
    polygons, _, _ = parse.parsed_paths(cfg.parsed_dir, "commune_polygons", "cog2018")
    written = export(warehouse.path, polygons, tmp_path)

    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        marts = {
            name: con.execute(f"select count(*) from {name}").fetchone()[0]  # noqa: S608
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_name like 'mart\\_%' escape '\\'"
            ).fetchall()
        }
        towns = con.execute("select count(*) from mart_town__profile").fetchone()[0]
    finally:
        con.close()
    for mart, rows in marts.items():
        assert len(pd.read_parquet(written[f"{mart}.parquet"])) == rows
        assert len(pd.read_csv(written[f"{mart}.csv"], dtype=str)) == rows
    ranking = pd.read_csv(written["mart_town_sector__ranking.csv"], dtype=str)
    assert ranking["town_code"].str.len().eq(5).all()  # INSEE codes keep their leading zeros

    points = gpd.read_file(written["gpect_towns.gpkg"], layer="towns")
    catchments = gpd.read_file(written["gpect_towns.gpkg"], layer="catchments")
    assert len(points) == towns and len(catchments) == towns
    assert not catchments.geometry.is_empty.any() and catchments.geometry.is_valid.all()
    # The GeoPackage's sectors are the recommended ones, in recommendation order, never a sector
    # outside the operator's catalogue (those are the partner needs).
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        expected = con.execute(
            "select town_code, string_agg(sector_label, ' ; ' order by recommendation_rank) "
            "from mart_town_sector__ranking where recommendation_rank <= 3 group by 1"
        ).df()
        outside = set(
            con.execute(
                "select sector_label from mart_town_sector__ranking "
                "where town_code = '58194' and not is_in_operator_catalogue"
            ).df()["sector_label"]
        )
    finally:
        con.close()
    shown = catchments.set_index("town_code")["recommended_sectors"]
    assert len(expected) >= 240
    for town, sectors in expected.itertuples(index=False):
        assert shown[town] == sectors
    nevers = shown["58194"].split(" ; ")
    assert len(nevers) == 3 and not outside & set(nevers)
    assert catchments["partner_sectors"].notna().any()
    # each catchment polygon contains its own town
    joined = points[["town_code", "geometry"]].merge(
        catchments[["town_code", "geometry"]], on="town_code", suffixes=("_town", "_area")
    )
    inside = gpd.GeoSeries(joined["geometry_area"]).contains(gpd.GeoSeries(joined["geometry_town"]))
    assert inside.all(), joined.loc[~inside, "town_code"].tolist()
