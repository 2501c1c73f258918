"""Data checks on hand-made rows: every check has a breaker on the real warehouse
(tests/breakers.py), the big-towns check re-derives the candidate list from its source, and a
failing row says what is wrong and for which key."""

from __future__ import annotations

import pandas as pd
from breakers import BREAKERS
from sqlkit import run_model

from flows.pipeline import build as build_mod

CHECK = "check_mart_town__profile__big_towns_present"
# a big ACV town (Aville), a small one (Cé), a big town outside the programme (Bigtown) and a big
# town listed by a former code (D-ancien, merged into Dé)
COMMUNES = pd.DataFrame(
    {
        "commune_code": ["11001", "11002", "11003", "11004"],
        "commune_label": ["Aville", "Cé", "Bigtown", "Dé"],
        "population": [80_000, 12_000, 300_000, 50_000],
    }
)
PROGRAMMES = pd.DataFrame(
    {
        "commune_code": ["11001", "11002", "11099", "11003"],
        "programme": ["ACV", "ACV2", "ACV", "PVD"],
    }
)
PASSAGE = pd.DataFrame(
    {
        "old_code": ["11001", "11002", "11003", "11004", "11099"],
        "current_code": ["11001", "11002", "11003", "11004", "11004"],
    }
)


def missing(profiles: list[str], candidates: list[str] | None = None) -> pd.DataFrame:
    tables = {
        "int_geo__communes": COMMUNES,
        "int_programme__communes": PROGRAMMES,
        "int_geo__code_passage": PASSAGE,
        "mart_town__profile": pd.DataFrame({"town_code": profiles}, dtype="str"),
    }
    if candidates is not None:
        tables["param_candidates"] = pd.DataFrame({"commune_code": candidates}, dtype="str")
    return run_model(CHECK, tables)


def test_big_acv_towns_present_pass():
    assert missing(["11001", "11002", "11004"]).empty
    # a small candidate without a profile is the unique-key check's business, not this one's
    assert missing(["11001", "11004"]).empty


def test_a_big_acv_town_lost_is_named_even_when_listed_by_a_former_code():
    got = missing(["11002"])
    assert sorted(got.town_code) == ["11001", "11004"]
    assert set(got.failure_type) == {"big_town_missing"}
    dee = got[got.town_code == "11004"].description.iloc[0]
    assert dee == (
        "mart_town__profile: candidate town 11004 (Dé, 50000 inhabitants) has no profile (every "
        "candidate of 50,000 inhabitants or more must have one)"
    )


def test_a_user_list_replaces_the_programmes():
    # Bigtown is no ACV town but the user listed it; Aville is ACV but not listed
    assert missing(["11003"], ["11003", "11002"]).empty
    assert missing(["11002"], ["11003", "11002"]).town_code.tolist() == ["11003"]


def test_every_check_has_a_breaker():
    _, checks = build_mod.discover()
    assert {c.name for c in checks} == set(BREAKERS)
