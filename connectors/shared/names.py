"""One fold for place names, so that a town typed by a user, listed in a candidates file or
searched on the index finds the same commune: case, accents and punctuation are ignored.

The ligatures French writes (`Œ`/`œ` as in "Œuilly", `Æ`/`æ`) are spelled out as the two letters
they join, since Unicode gives them no decomposition and an accent strip would drop them;
typographic ligatures (`ﬁ`) decompose under NFKD. Apostrophes (straight or typographic),
hyphens and any other non-alphanumeric character separate words.
"""

from __future__ import annotations

import re
import unicodedata

_SPELLED_OUT = str.maketrans({"œ": "oe", "æ": "ae"})
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """'Château-Thierry' → 'chateau thierry'; 'Œuilly' → 'oeuilly'; "L'Haÿ-les-Roses" →
    'l hay les roses'."""
    spelled = text.casefold().translate(_SPELLED_OUT)
    decomposed = unicodedata.normalize("NFKD", spelled)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", bare).split())
