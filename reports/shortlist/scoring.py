"""Aggregation: each indicator normalised across the candidate towns, a criterion as the mean of
its indicators, the score as the weighted sum of the criteria (with its decomposition) and the
headline rank."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.shortlist.criteria import (
    CRITERIA,
    CRITERION_KEYS,
    HEADLINE_NORMALISATION,
    NORMALISATIONS,
    ShortlistError,
)


def normalise(values: pd.Series, method: str) -> pd.Series:
    """Scale one indicator (already oriented: more = more need) across the candidate towns.

    A missing value gets the method's neutral position (0.5, or 0 for the z-score) so that it
    neither helps nor harms; a constant indicator gives every town that neutral position."""
    x = values.astype(float)
    seen = x.dropna()
    neutral = 0.0 if method == "zscore" else 0.5
    if method == "minmax":
        spread = seen.max() - seen.min() if len(seen) else 0.0
        scaled = (x - seen.min()) / spread if spread > 0 else x * 0 + neutral
    elif method == "zscore":
        sd = seen.std(ddof=0) if len(seen) else 0.0
        scaled = (x - seen.mean()) / sd if sd > 0 else x * 0 + neutral
    elif method == "rank":
        scaled = (x.rank(method="average") - 1) / (len(seen) - 1) if len(seen) > 1 else x * 0 + 0.5
    else:
        raise ShortlistError(f"unknown normalisation {method!r}; use one of {NORMALISATIONS}")
    return scaled.fillna(neutral)


def criterion_values(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Each criterion's value per town: the mean of its normalised indicators (one column per
    criterion, in CRITERIA order, plus `<indicator>__norm` columns)."""
    out = {}
    for criterion in CRITERIA:
        parts = []
        for ind in criterion.indicators:
            norm = normalise(ind.direction * table[ind.column], method)
            out[f"{ind.column}__norm"] = norm
            parts.append(norm)
        out[criterion.key] = sum(parts) / len(parts)
    return pd.DataFrame(out, index=table.index)


def rank_towns(table: pd.DataFrame, w: np.ndarray, method: str = HEADLINE_NORMALISATION):
    """Score = Σ weight × criterion value, its decomposition (`contribution_<criterion>`, in points
    out of 100 for min-max) and the rank (1 = strongest case; ties go to the smaller INSEE code).

    Returns `table` sorted by INSEE code with the added columns."""
    table = table.sort_values("town_code").reset_index(drop=True)
    values = criterion_values(table, method)
    contributions = values[list(CRITERION_KEYS)].to_numpy() * w * 100
    out = table.copy()
    for j, key in enumerate(CRITERION_KEYS):
        out[f"criterion_{key}"] = values[key]
        out[f"contribution_{key}"] = contributions[:, j]
    for column in values.columns:
        if column.endswith("__norm"):
            out[column] = values[column]
    out["score"] = contributions.sum(axis=1)
    out["rank"] = _ranks(out["score"].to_numpy()[None, :])[0]
    labels = pd.DataFrame(
        {ind.label: table[ind.column].isna() for c in CRITERIA for ind in c.indicators}
    )
    out["missing_indicators"] = [
        " ; ".join(labels.columns[row]) or None for row in labels.to_numpy()
    ]
    return out


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks per row of a (draws × towns) score matrix: 1 for the highest; ties to the earlier
    column (towns are sorted by INSEE code, so the result does not depend on input order).
    Scores are compared to 1e-9: two towns whose scores differ only by floating-point noise tie."""
    order = np.argsort(-np.round(scores, 9), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :], axis=1)
    return ranks
