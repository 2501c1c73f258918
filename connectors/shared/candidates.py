"""Candidate-town lists: one grammar for `gpect build --candidates` and `gpect shortlist
--candidates`, and one way of resolving the lines to INSEE codes.

A list is UTF-8 text (a BOM and CRLF line ends are accepted), one town per line: an INSEE commune
code (`02168`, `2A004`), or a name whose case, accents, hyphens and apostrophes are ignored, with
the département in brackets for homonyms (`Saint-Denis (974)`). Blank lines and `#` comments
(whole lines, or after a space) are ignored. Everything wrong is reported at once, by line
number: bytes that are not UTF-8, an empty list, a town listed twice, an unknown code or name, an
ambiguous name, and a former commune code that INSEE's code-passage table splits between several
current communes (it would silently add towns).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from connectors.shared import codes
from connectors.shared.names import fold

_WITH_DEPARTEMENT = re.compile(rf"(.*?)\s*\(\s*({codes.DEPARTEMENT_CODE.pattern})\s*\)")
_COMMENT = re.compile(r"(^|\s)#.*$")
SHOWN = 10  # offending lines listed in a message


class CandidatesError(ValueError):
    """The list cannot be used as given; the message lists the offending lines and what to do."""


@dataclass(frozen=True)
class Entry:
    line: int  # 1-based line of the file
    text: str  # the line as written, comment and spaces removed
    code: str | None  # an INSEE code, or None for a name
    name: str | None
    departement: str | None


def _refuse(source: str, problems: Sequence[str]) -> CandidatesError:
    shown = list(problems[:SHOWN])
    if len(problems) > SHOWN:
        shown.append(f"… and {len(problems) - SHOWN} more")
    return CandidatesError(f"{source}:\n  " + "\n  ".join(shown))


def read_file(path: Path) -> list[str]:
    """The lines of a candidates file, decoded; CandidatesError when it is missing or not UTF-8."""
    if not path.is_file():
        raise CandidatesError(f"candidates file {path}: no such file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CandidatesError(
            f"candidates file {path}: line {line} is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save it as UTF-8"
        ) from exc
    return text.splitlines()


def parse_lines(lines: Iterable[str], source: str = "candidates file") -> list[Entry]:
    """The entries of a list (grammar only: nothing is looked up yet)."""
    entries: list[Entry] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = _COMMENT.sub("", raw.replace("\ufeff", "")).strip()
        if not text:
            continue
        code = codes.commune_code(text)
        if code:
            entry = Entry(number, text, code, None, None)
            key: tuple = ("code", entry.code)
        else:
            wanted = _WITH_DEPARTEMENT.fullmatch(text)
            name, dep = (wanted.group(1), wanted.group(2)) if wanted else (text, None)
            if not fold(name):
                problems.append(f"line {number}: {text!r} is neither an INSEE code nor a name")
                continue
            entry = Entry(number, text, None, name, dep)
            key = ("name", fold(name), dep)
        if key in seen:
            problems.append(f"line {number}: {text} is already listed on line {seen[key]}")
            continue
        seen[key] = number
        entries.append(entry)
    if problems:
        raise _refuse(source, problems)
    if not entries:
        raise CandidatesError(
            f"{source}: no town listed (only blank lines or comments); list one INSEE code or "
            "name per line, or leave the option out to use the default towns"
        )
    return entries


def resolve(
    entries: Sequence[Entry],
    towns: pd.DataFrame,
    *,
    passage: Mapping[str, Sequence[str]] | None = None,
    unknown_code: str = "not a known commune code",
    unknown_name: str = "no commune of that name",
    nearest: str = "communes",
    outside: str = "",
    source: str = "candidates file",
) -> list[str]:
    """Sorted INSEE codes of the entries among `towns` (town_code, town_label, departement_code).

    `passage` maps former commune codes to the current codes INSEE's passage table gives them:
    a former code with one successor resolves to it, one with several is refused. Two lines
    naming the same town (a code and a name) are refused as well.
    """
    codes = set(towns["town_code"])
    labels = dict(zip(towns["town_code"], towns["town_label"], strict=True))
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for code, label, dep in towns[["town_code", "town_label", "departement_code"]].itertuples(
        index=False
    ):
        by_name.setdefault(fold(label), []).append((code, label, dep))
    chosen: dict[str, int] = {}
    problems: list[str] = []

    def take(entry: Entry, code: str) -> None:
        if code in chosen:
            problems.append(
                f"line {entry.line}: {entry.text} is {code} {labels.get(code, '')}, already "
                f"listed on line {chosen[code]}"
            )
        else:
            chosen[code] = entry.line

    for entry in entries:
        where = f"line {entry.line}: {entry.text}"
        if entry.code is not None:
            successors = list((passage or {}).get(entry.code, ()))
            if entry.code in codes:
                take(entry, entry.code)
            elif len(successors) == 1 and successors[0] in codes:
                take(entry, successors[0])
            elif len(successors) > 1:
                split = ", ".join(f"{c} {labels.get(c, '?')}" for c in sorted(successors))
                problems.append(
                    f"{where}: a former commune code that INSEE's code-passage table splits "
                    f"into {split}; list the current code(s) you mean"
                )
            else:
                problems.append(f"{where}: {unknown_code}")
            continue
        matches = [
            m
            for m in by_name.get(fold(entry.name), [])
            if entry.departement is None or m[2] == entry.departement
        ]
        if len(matches) == 1:
            take(entry, matches[0][0])
        elif matches:
            listed = ", ".join(f"{c} {lab} ({d})" for c, lab, d in sorted(matches))
            problems.append(
                f"{where}: ambiguous, matches {listed}; write the INSEE code or "
                "'Name (département)'"
            )
        else:
            close = difflib.get_close_matches(fold(entry.name), list(by_name), n=5, cutoff=0.75)
            near = [f"{c} {lab} ({d})" for key in close for c, lab, d in by_name[key]]
            hint = f" Closest {nearest}: {', '.join(near)}." if near else ""
            problems.append(f"{where}: {unknown_name}.{hint}{' ' + outside if outside else ''}")
    if problems:
        raise _refuse(source, problems)
    return sorted(chosen)
