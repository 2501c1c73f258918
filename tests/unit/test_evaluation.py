"""The evaluation files: French words in the Markdown, the mart's machine keys in the JSON."""

from __future__ import annotations

import json

import pandas as pd

from reports import evaluation


def frame() -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "family": ["refresh_stability", "specificity"],
            "metric": ["top1_agreement", "first_is_largest_market"],
            "comparison": ["up to 2023 vs up to 2024", "window 2023-2025"],
            "value": [0.7512, 0.25],
            "target": [0.7, None],
            "count": [1246, 246],
        }
    )
    rows["family"] = pd.Categorical(rows["family"], evaluation.FAMILY_ORDER, ordered=True)
    return rows


def test_markdown_is_french_and_json_keeps_the_marts_keys(tmp_path):
    json_path, md_path = evaluation.write(frame(), tmp_path)
    text = md_path.read_text(encoding="utf-8")
    assert "## Stabilité à la mise à jour" in text
    assert (
        "| Stabilité à la mise à jour : même 1re filière (`top1_agreement`) "
        "| jusqu'à 2023 contre jusqu'à 2024 | 0,751 | 0,700 | atteinte | 1\u00a0246 |"
    ) in text
    assert "| `first_is_largest_market` | fenêtre 2023-2025 | 0,250 | — |  | 246 |" in text
    assert " vs " not in text and "up to" not in text
    first, second = json.loads(json_path.read_text(encoding="utf-8"))
    assert (first["comparison"], first["status"]) == ("up to 2023 vs up to 2024", "met")
    assert (second["comparison"], second["status"], second["target"]) == (
        "window 2023-2025",
        None,
        None,
    )
