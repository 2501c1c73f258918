"""`gpect export` on the real warehouse: marts as Parquet and CSV, towns and catchments as
GeoPackage and GeoParquet, and datapackage.json validated by frictionless (Table Schema) and read
by GDAL's ogrinfo (Debian gdal-bin, installed by .ci/run)."""

from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
from frictionless import Package

from flows.pipeline.provenance import map_polygons_path
from reports.export import export

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def exported(ingested, warehouse, tmp_path_factory):
    cfg, _ = ingested
    polygons = map_polygons_path(cfg.parsed_dir)
    out = tmp_path_factory.mktemp("export")
    return (
        cfg,
        out,
        export(warehouse.path, polygons, out),
    )


def test_datapackage_describes_every_table_and_validates(exported, warehouse):
    cfg, out, written = exported
    package = json.loads(written["datapackage.json"].read_text(encoding="utf-8"))
    csvs = {r["name"]: r for r in package["resources"] if r["format"] == "csv"}
    assert {f"{name}.csv" for name in csvs} == {k for k in written if k.endswith(".csv")}
    assert {r["path"] for r in package["resources"] if r["format"] == "parquet"} == {
        "gpect_towns.parquet",
        "gpect_catchments.parquet",
    }
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["description"] and field["description_en"], (resource["name"], field)
    profile = {f["name"]: f for f in csvs["mart_town__profile"]["schema"]["fields"]}
    assert profile["population"]["type"] == "integer" and profile["population"]["unit"] == "persons"
    assert profile["catchment_working_age_population"]["type"] == "integer"
    assert profile["catchment_bts_places"]["type"] == "integer"  # HUGEINT, not a float
    assert profile["is_acv"]["type"] == "boolean"
    ranking = {f["name"]: f for f in csvs["mart_town_sector__ranking"]["schema"]["fields"]}
    assert ranking["reason_codes"]["type"] == "array"
    # sources: every vintage the build read, with the sha256 of the raw files it read
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        built = json.loads(
            con.execute("select cast(vintages as varchar) from meta_build").fetchone()[0]
        )
    finally:
        con.close()
    titles = " ".join(s["title"] for s in package["sources"])
    for v in built:
        assert f"({v['vintage']})" in titles
    manifest = json.loads((cfg.raw_dir / "bmo" / "2025" / "manifest.json").read_text())
    shas = {f["sha256"] for s in package["sources"] for f in s["files"]}
    assert {p["sha256"] for p in manifest["parts"].values()} <= shas
    assert package["licenses"][0]["name"] == "etalab-2.0"

    # frictionless: descriptor and data (the 96 MB métier table on its first 20,000 rows)
    tabular = {**package, "resources": list(csvs.values())}
    report = Package(tabular, basepath=str(out)).validate(limit_rows=20_000)
    assert report.valid, report.flatten(["resource", "rowNumber", "fieldName", "message"])[:5]


def test_populations_are_integers_and_geoparquet_matches_the_geopackage(exported):
    _, out, written = exported
    profile = pd.read_parquet(written["mart_town__profile.parquet"])
    for column in ("population", "working_age_population", "catchment_population"):
        assert str(profile[column].dtype) == "Int64", column
    text = written["mart_town__profile.csv"].read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    assert "." not in text[1].split(",")[header.index("population")]
    for layer in ("towns", "catchments"):
        parquet = gpd.read_parquet(written[f"gpect_{layer}.parquet"])
        gpkg = gpd.read_file(written["gpect_towns.gpkg"], layer=layer)
        assert parquet.crs == gpkg.crs == "EPSG:4326"
        # In town order, both formats: a re-export writes the same layers.
        assert list(parquet["town_code"]) == list(gpkg["town_code"])
        assert list(parquet["town_code"]) == sorted(parquet["town_code"])
        assert parquet.geometry.is_valid.all()


def test_ogrinfo_reads_the_layer_descriptions_without_a_version_warning(exported):
    _, _, written = exported
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "GDAL is missing: apt-get install gdal-bin (see .ci/run)"
    done = subprocess.run(
        [ogrinfo, "-so", str(written["gpect_towns.gpkg"]), "catchments"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "DESCRIPTION=Zones de 30 minutes des villes candidates" in done.stdout
    assert "30-minute catchments of the candidate towns" in done.stdout
    assert "partially supported" not in done.stderr + done.stdout


def test_export_writes_every_mart_and_a_geopackage(exported, warehouse):
    cfg, _, written = exported

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
