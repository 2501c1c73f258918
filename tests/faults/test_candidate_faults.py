"""Candidate lists, as a tired operator writes them: one grammar for the build and the shortlist,
every bad line refused by number, nothing guessed (pure: no data needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from connectors.shared import candidates as cand

COMMUNES = pd.DataFrame(
    {
        "town_code": ["02168", "93066", "97411", "85084", "85212", "85165", "2A004"],
        "town_label": [
            "Château-Thierry",
            "Saint-Denis",
            "Saint-Denis",
            "Les Achards",
            "Saint-Georges",
            "Montréverd",
            "Ajaccio",
        ],
        "departement_code": ["02", "93", "974", "85", "85", "85", "2A"],
    }
)
# A former code with one successor, one split in two; 85084 is current *and* the former code of
# a split (INSEE's passage table lists it with three successors).
PASSAGE = {"02999": ["02168"], "85030": ["85165", "85212"], "85084": ["85084", "85165", "85212"]}


def write(tmp_path, data: bytes):
    path = tmp_path / "list.txt"
    path.write_bytes(data)
    return path


def resolve_file(path) -> list[str]:
    return cand.resolve(cand.parse_lines(cand.read_file(path)), COMMUNES, passage=PASSAGE)


def test_bom_crlf_blank_lines_comments_and_case_are_accepted(tmp_path):
    path = write(
        tmp_path,
        b"\xef\xbb\xbf# applicants 2026\r\n02168\r\n\r\n  saint-denis (974)  # Reunion\r\n"
        b"2a004\r\n\r\n",
    )
    assert resolve_file(path) == ["02168", "2A004", "97411"]


def test_a_current_code_is_never_replaced_by_the_communes_it_was_split_into(tmp_path):
    assert resolve_file(write(tmp_path, b"85084\n")) == ["85084"]


def test_a_former_code_with_one_successor_resolves_to_it(tmp_path):
    assert resolve_file(write(tmp_path, b"02999\n")) == ["02168"]


# file content → fragments of the refusal
REFUSED = {
    "not UTF-8": (b"02168\nB\xe9ziers\n", ["line 2 is not UTF-8 text", "save it as UTF-8"]),
    "UTF-16": ("02168\n".encode("utf-16"), ["line 1 is not UTF-8 text"]),
    "empty": (b"", ["no town listed"]),
    "only comments and blank lines": (b"# none yet\n\n   \n", ["no town listed"]),
    "a code twice": (b"02168\n2A004\n02168\n", ["line 3: 02168 is already listed on line 1"]),
    "a code and its name": (
        b"02168\nchateau thierry\n",
        ["line 2: chateau thierry is 02168 Château-Thierry, already listed on line 1"],
    ),
    "an unknown code": (b"99999\n", ["line 1: 99999: not a known commune code"]),
    "a former code split in two": (
        b"85030\n",
        [
            "line 1: 85030: a former commune code that INSEE's code-passage table splits into "
            "85165 Montréverd, 85212 Saint-Georges; list the current code(s) you mean"
        ],
    ),
    "an ambiguous name": (
        b"Saint-Denis\n",
        ["line 1: Saint-Denis: ambiguous, matches 93066 Saint-Denis (93), 97411 Saint-Denis (974)"],
    ),
    "a misspelt name": (
        b"Chateau-Thiery\n",
        ["no commune of that name. Closest communes: 02168 Château-Thierry (02)"],
    ),
    "punctuation only": (b"---\n", ["line 1: '---' is neither an INSEE code nor a name"]),
    "markup": (b"[/red]\n", ["line 1: [/red]: no commune of that name"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_lists_are_refused_naming_the_lines(tmp_path, case):
    data, fragments = REFUSED[case]
    with pytest.raises(cand.CandidatesError) as error:
        resolve_file(write(tmp_path, data))
    for fragment in fragments:
        assert fragment in str(error.value)


def test_every_problem_is_listed_up_to_a_limit(tmp_path):
    data = "".join(f"9{i:04d}\n" for i in range(15)).encode()
    with pytest.raises(cand.CandidatesError) as error:
        resolve_file(write(tmp_path, data))
    message = str(error.value)
    assert "line 1: 90000" in message and "line 10: 90009" in message
    assert "line 11:" not in message and "… and 5 more" in message


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(cand.CandidatesError, match="no such file"):
        cand.read_file(tmp_path / "absent.txt")
