"""The implantation concept of each town (clef en main, tiers-lieu, progressif) and the rule,
in French, that chose it."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from reports import fmt

CONCEPTS = {
    "turnkey": "Clef en main",
    "third_place": "Tiers-lieu",
    "progressive": "Progressif",
}
CONCEPT_DEFINITIONS = {
    "turnkey": "Clef en main, adossé à un lycée professionnel ou technologique : formation dès la "
    "première année, environ {turnkey_learners} apprenants en régime de croisière.",
    "third_place": "Tiers-lieu pour les publics éloignés de l'emploi (demandeurs d'emploi, jeunes "
    "sans qualification, inclusion numérique) : environ {third_place_people} personnes par an.",
    "progressive": "Progressif : services d'abord, formation montant en charge sur trois ans, "
    "surtout à distance : environ {progressive_learners} apprenants après trois ans.",
}


def definition(concept: str, params: Mapping[str, float]) -> str:
    """The concept's French definition with the sizes the settings give it."""
    return CONCEPT_DEFINITIONS[concept].format(**{k: fmt.number(v) for k, v in params.items()})


def concepts(table: pd.DataFrame, params: Mapping[str, float]) -> pd.DataFrame:
    """The implantation concept of each town and the rule that chose it, tried in order:

    1. clef en main if at least one lycée of the town teaches a recommended sector and the
       catchment yields at least the concept's cruising-speed learners a year;
    2. otherwise tiers-lieu if the unemployment rate or the jobseekers per working-age resident
       reach their thresholds;
    3. otherwise progressive."""
    need_learners = params["turnkey_learners"]
    u_max, j_max = params["third_place_unemployment_rate"], params["third_place_jobseeker_rate"]
    rows = []
    for r in table.itertuples(index=False):
        learners = r.potential_learners
        has_partner = r.partner_lycees > 0
        enough = pd.notna(learners) and learners >= need_learners
        if has_partner and enough:
            rows.append(
                (
                    "turnkey",
                    f"Règle 1 : {r.partner_lycees} lycée(s) de la ville dans les filières "
                    f"recommandées ({r.partner_names}) et {fmt.number(learners)} apprenants "
                    f"potentiels par an (≥ {fmt.number(need_learners)}).",
                )
            )
            continue
        why_not_1 = (
            "aucun lycée de la ville dans les filières recommandées"
            if not has_partner
            else f"{fmt.number(learners)} apprenants potentiels par an "
            f"(< {fmt.number(need_learners)})"
        )
        high_u = pd.notna(r.unemployment_rate) and r.unemployment_rate >= u_max
        high_j = pd.notna(r.jobseekers_per_working_age) and r.jobseekers_per_working_age >= j_max
        social = (
            f"chômage {fmt.percent(r.unemployment_rate, 1)} (seuil {fmt.percent(u_max, 1)}), "
            f"demandeurs d'emploi {fmt.percent(r.jobseekers_per_working_age, 1)} des 15-64 ans "
            f"(seuil {fmt.percent(j_max, 1)})"
        )
        if high_u or high_j:
            rows.append(("third_place", f"Règle 2 : {why_not_1} ; besoin social élevé : {social}."))
        else:
            rows.append(
                (
                    "progressive",
                    f"Règle 3 : {why_not_1} ; besoin social sous les seuils : {social}.",
                )
            )
    out = pd.DataFrame(rows, columns=["concept", "concept_rule"], index=table.index)
    out["concept_label"] = out["concept"].map(CONCEPTS)
    out["town_code"] = table["town_code"].to_numpy()
    return out[["town_code", "concept", "concept_label", "concept_rule"]]
