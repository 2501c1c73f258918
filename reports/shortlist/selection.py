"""Choosing a set of towns: greedy maximal covering of the catchments' working-age population,
so that neighbours are not both chosen for the same people."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports import fmt
from reports.shortlist.criteria import ShortlistError


def select_towns(
    ranked: pd.DataFrame, catchments: pd.DataFrame, k: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Greedy maximal covering: pick `k` towns, each time the one whose score × share of its
    catchment's working-age population not yet covered by the towns already picked is largest
    (ties: better headline rank). A town whose catchment a pick already covers loses what is
    covered, so neighbours do not both get chosen for the same people.

    `ranked`: town_code, town_label, score, rank; `catchments`: town_code, commune_code,
    working_age_population. Returns (selected, skipped): the picks in order with their gain and
    the share newly covered; and the towns of the headline top k left out, with the share of their
    catchment already covered and by which picks."""
    if k < 1:
        raise ShortlistError(f"--select must be at least 1, got {k}")
    ranked = ranked.sort_values("rank").reset_index(drop=True)
    k = min(k, len(ranked))
    members = catchments[catchments["town_code"].isin(ranked["town_code"])]
    communes = pd.Index(sorted(members["commune_code"].unique()))
    town_index = pd.Index(ranked["town_code"])
    # The same commune appears once per catchment holding it, always with the same population.
    weight_by_commune = (
        members.groupby("commune_code")["working_age_population"].max().reindex(communes)
    ).fillna(0)
    # towns × communes incidence, weighted by working-age population
    incidence = np.zeros((len(town_index), len(communes)))
    incidence[
        town_index.get_indexer(members["town_code"]), communes.get_indexer(members["commune_code"])
    ] = 1.0
    weighted = incidence * weight_by_commune.to_numpy()[None, :]
    totals = weighted.sum(axis=1)
    score = ranked["score"].to_numpy()
    covered = np.zeros(len(communes), dtype=bool)
    picked: list[int] = []
    rows = []
    for step in range(1, k + 1):
        uncovered = weighted @ ~covered
        share = np.divide(uncovered, totals, out=np.ones_like(totals), where=totals > 0)
        gain = score * share
        gain[picked] = -np.inf
        best = int(np.argmax(gain))  # first maximum: the better headline rank
        picked.append(best)
        newly = uncovered[best]
        covered |= incidence[best] > 0
        rows.append(
            {
                "step": step,
                "town_code": town_index[best],
                "town_label": ranked.at[best, "town_label"],
                "rank": int(ranked.at[best, "rank"]),
                "score": score[best],
                "uncovered_share": share[best],
                "gain": gain[best],
                "newly_covered_working_age": newly,
            }
        )
    selected = pd.DataFrame(rows)
    skipped_rows = []
    for i in range(k):
        if i in picked:
            continue
        own = incidence[i] > 0
        overlaps = []
        for p in picked:
            shared = weighted[i, own & (incidence[p] > 0)].sum()
            if shared > 0:
                share = shared / totals[i] if totals[i] > 0 else 0.0
                overlaps.append((share, ranked.at[p, "town_label"], town_index[p]))
        overlaps.sort(key=lambda o: (-o[0], o[2]))
        covered_share = weighted[i, own & covered].sum() / totals[i] if totals[i] > 0 else 0.0
        skipped_rows.append(
            {
                "town_code": town_index[i],
                "town_label": ranked.at[i, "town_label"],
                "rank": int(ranked.at[i, "rank"]),
                "score": score[i],
                "covered_share": covered_share,
                "covered_by": " ; ".join(
                    f"{label} ({code}) {fmt.percent(s)}" for s, label, code in overlaps
                ),
            }
        )
    skipped = pd.DataFrame(
        skipped_rows,
        columns=["town_code", "town_label", "rank", "score", "covered_share", "covered_by"],
    )
    return selected, skipped
