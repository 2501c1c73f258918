"""The shared primitives of connectors/shared: INSEE codes, the name fold, atomic writes."""

from __future__ import annotations

import json
import os
import re

import pytest

from connectors.shared import codes, files, names
from flows.pipeline import lock


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Château-Thierry", "chateau thierry"),
        ("CHATEAU THIERRY", "chateau thierry"),
        (" château  thierry ", "chateau thierry"),
        ("Chateau_Thierry", "chateau thierry"),
        ("Œuilly", "oeuilly"),
        ("œuilly", "oeuilly"),
        ("Lætitia", "laetitia"),
        ("ﬁnistère", "finistere"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Saint‑Dié–des‑Vosges", "saint die des vosges"),
        ("Straßburg", "strassburg"),
        ("'-", ""),
    ],
)
def test_one_fold_for_place_names(given, expected):
    assert names.fold(given) == expected


@pytest.mark.parametrize(
    "given, expected",
    [
        ("02168", "02168"),
        (" 2a004 ", "2A004"),
        ("2B033", "2B033"),
        ("97411", "97411"),
        ("1A004", None),
        ("2168", None),
        ("021680", None),
        ("Tulle", None),
    ],
)
def test_commune_codes_as_the_cog_writes_them(given, expected):
    assert codes.commune_code(given) == expected


@pytest.mark.parametrize(
    "write, expected",
    [
        (lambda p: files.write_text(p, "é\n"), "é\n".encode()),
        (lambda p: files.write_bytes(p, b"\x00\x01"), b"\x00\x01"),
        (lambda p: files.write_json(p, {"a": "é"}), b'{\n  "a": "\xc3\xa9"\n}\n'),
        (lambda p: files.write_with(p, lambda tmp: tmp.write_text("x")), b"x"),
    ],
)
def test_atomic_writes_leave_only_the_target(tmp_path, write, expected):
    target = tmp_path / "sub" / "out.txt"
    assert write(target) == target
    assert target.read_bytes() == expected
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_work_file(tmp_path):
    target = tmp_path / "out.json"
    files.write_json(target, {"v": 1})

    def half(tmp):
        tmp.write_text("{")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.write_with(target, half)
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_killed_writers_work_file_is_one_the_lock_cleans_up(tmp_path):
    work = files.temporary_path(tmp_path / "index.html")
    assert work.parent == tmp_path
    assert re.fullmatch(rf"\.index\.html\.{os.getpid()}\.tmp", work.name)
    orphan = work.with_name(work.name.replace(str(os.getpid()), str(2**22 + 1)))
    orphan.write_text("half a page")
    assert lock.remove_orphans(tmp_path) == [orphan]
