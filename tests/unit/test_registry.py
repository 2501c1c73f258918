"""The catalogue, column maps and mirror map agree with each other."""

from __future__ import annotations

import csv

import pytest

from connectors import parse, registry
from connectors.mirror import DEFAULT_MAP, load_map
from connectors.registry import CatalogError, load_catalog


def test_every_vintage_has_a_source_and_a_resolvable_column_map():
    cat = registry.catalog()
    assert len(cat) >= 40
    for ds in cat.values():
        assert ds.documentation.startswith("https://"), ds.id
        assert parse.column_map_path(ds.column_map).is_file(), ds.id
        for vintage in ds.vintages.values():
            assert vintage.url or vintage.datagouv, (ds.id, vintage.name)
            specs = parse.load_column_map(ds.column_map, vintage.name)
            names = [s.column for s in specs]
            assert len(names) == len(set(names)), (ds.id, "duplicate output columns")
            assert all(n == n.lower() and " " not in n for n in names), (ds.id, names)


def test_bmo_2025_is_registered_with_its_official_url():
    v2025 = registry.get("bmo").vintage("2025")
    assert v2025.url.startswith("https://www.data.gouv.fr/")
    assert parse.load_column_map("bmo", "2025")[10].source == "BE25"


def test_mirror_map_only_names_registered_vintages():
    cat = registry.catalog()
    for (ds, vintage), path in load_map().items():
        assert ds in cat, ds
        assert vintage in cat[ds].vintages, (ds, vintage)
        assert not path.startswith("/") and ".." not in path
        if cat[ds].vintages[vintage].parts:
            assert "{part}" in path


def test_mirror_map_is_one_documented_csv():
    with DEFAULT_MAP.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["dataset", "vintage", "path"]


def test_catalogue_rejects_a_vintage_without_a_source(tmp_path):
    (tmp_path / "x.toml").write_text(
        """
[datasets.demo]
publisher = "P"
title = "T"
licence = "LO"
documentation = "https://example.org"
format = { kind = "csv", encoding = "utf-8", sep = ";" }
[datasets.demo.vintages.2024]
note = "no url"
""",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="demo vintage 2024"):
        load_catalog(tmp_path)


def test_catalogue_requires_declared_csv_encoding(tmp_path):
    (tmp_path / "x.toml").write_text(
        """
[datasets.demo]
publisher = "P"
title = "T"
licence = "LO"
documentation = "https://example.org"
format = { kind = "csv", sep = ";" }
[datasets.demo.vintages.2024]
url = "https://example.org/a.csv"
""",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="encoding"):
        load_catalog(tmp_path)
