"""INSEE geographic codes as the Code officiel géographique writes them: a commune is five
characters, two for its département (Corsica's `2A`/`2B` since 1976) and three digits; overseas
départements are `97x`, so their communes read `97xyy`
(https://www.insee.fr/fr/information/2560452)."""

from __future__ import annotations

import re

COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
DEPARTEMENT_CODE = re.compile(r"\d{2}|2[AB]|97\d")


def is_commune_code(text: str) -> bool:
    return COMMUNE_CODE.fullmatch(text) is not None


def commune_code(text: str) -> str | None:
    """The commune code `text` designates (spaces around it ignored, `2a004` read as `2A004`), or
    None when it is not one."""
    code = text.strip().upper()
    return code if is_commune_code(code) else None
