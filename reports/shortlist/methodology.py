"""The methodology in French, with the values used: the workbook's sheet and the page's section
share this text."""

from __future__ import annotations

from collections.abc import Mapping

from reports import fmt
from reports.shortlist.concepts import definition as concept_definition
from reports.shortlist.criteria import CRITERIA, NORMALISATION_LABELS
from reports.shortlist.result import Shortlist


def _catchment_text(build: Mapping[str, float]) -> str:
    if not {"catchment_minutes", "detour_factor", "speed_kmh"} <= set(build):
        return ""
    minutes, detour, speed = (
        fmt.shortest(build[k]) for k in ("catchment_minutes", "detour_factor", "speed_kmh")
    )
    return (
        f"Zone de {minutes} minutes : distance à vol d'oiseau × {detour} à {speed} km/h "
        "(approximation, pas un calcul d'itinéraire)."
    )


def methodology(result: Shortlist) -> list[tuple[str, str]]:
    """(heading, French text) pairs explaining every step with the values used."""
    p = result.params
    mc = result.monte_carlo
    weights_text = " ; ".join(
        f"{c.label} {fmt.percent(w)}" for c, w in zip(CRITERIA, result.weights, strict=True)
    )
    rows = [
        (
            "Objet",
            "Classement transparent et reproductible des villes candidates à l'ouverture d'un "
            f"centre de formation ({len(result.table)} villes). Chaque point du score s'explique "
            "par un critère ; l'incertitude due au choix des poids et de la normalisation est "
            "mesurée par simulation.",
        ),
        ("Poids des critères", weights_text + " (paramètres GPECT_SHORTLIST_WEIGHT_*)."),
    ]
    for c in CRITERIA:
        indicators_text = " ; ".join(
            f"{i.label} ({'plus' if i.direction > 0 else 'moins'} = plus de besoin ou de capacité)"
            for i in c.indicators
        )
        definition = c.definition.format(top_sectors=int(p["top_sectors"]))
        rows.append((c.label, f"{definition} Indicateurs : {indicators_text}."))
    rows += [
        (
            "Normalisation et score",
            "Chaque indicateur est ramené de 0 à 1 entre la plus faible et la plus forte valeur "
            "des villes candidates (min-max) ; un critère est la moyenne de ses indicateurs ; "
            "le score est la somme des critères pondérés, sur 100 points. La contribution de "
            "chaque critère (poids × valeur × 100) explique le rang. Une valeur manquante prend "
            "la position neutre (0,5) et est signalée. Égalités : le plus petit code INSEE "
            "d'abord.",
        ),
        (
            "Robustesse",
            f"{fmt.number(mc.draws)} tirages (graine {int(p['seed'])}) : poids tirés selon une "
            f"loi de Dirichlet centrée sur les poids par défaut (concentration "
            f"{fmt.shortest(p['dirichlet_concentration'])}) et normalisation tirée au hasard "
            "parmi "
            + ", ".join(
                f"{NORMALISATION_LABELS[m]} "
                f"({fmt.number(mc.normalisation_counts.get(m, 0))} tirages)"
                for m in mc.methods
            )
            + ". Pour chaque ville : rang médian, intervalle de 90 % (5e et 95e centiles du "
            f"rang) et part des tirages où elle figure dans les {result.top} premières. Le "
            "z-score n'est pas monotone (relever une valeur extrême élargit l'écart-type) : "
            "c'est pourquoi le rang affiché utilise min-max.",
        ),
        (
            "Concept d'implantation",
            "Règles appliquées dans l'ordre. 1. "
            + concept_definition("turnkey", p)
            + f" Si au moins un lycée de la ville forme dans une des {int(p['top_sectors'])} "
            "premières filières et que la zone compte au moins "
            f"{fmt.number(p['turnkey_learners'])} apprenants potentiels par an. 2. "
            + concept_definition("third_place", p)
            + " Sinon, si le taux de chômage atteint "
            f"{fmt.percent(p['third_place_unemployment_rate'], 1)} ou les demandeurs d'emploi "
            f"{fmt.percent(p['third_place_jobseeker_rate'], 1)} des 15-64 ans. "
            "3. " + concept_definition("progressive", p) + " Dans les autres cas.",
        ),
        (
            "Apprenants potentiels et rentabilité",
            f"Apprenants potentiels = actifs de 15 à 64 ans de la zone de 30 minutes × "
            f"{fmt.percent(p['participation_rate'], 1)} (taux de participation supposé) ; un "
            f"centre est rentable entre {fmt.number(p['break_even_low'])} et "
            f"{fmt.number(p['break_even_high'])} apprenants par an ; le critère plafonne à "
            f"{fmt.shortest(p['audience_cap'])} fois le seuil haut.",
        ),
        (
            "Éligibilité (affichée, jamais éliminatoire)",
            f"Population de la commune et de son unité urbaine 2020 entre "
            f"{fmt.number(p['population_min'])} et {fmt.number(p['population_max'])} habitants "
            "(unité urbaine : somme des communes de même code ; une commune rurale, code « 000 », "
            "n'en a pas) ; appartenance à Action Cœur de Ville, ACV 2 et Territoires d'industrie.",
        ),
        (
            "Choix d'un ensemble de villes",
            "Couverture maximale gloutonne : à chaque étape, la ville dont le score multiplié par "
            "la part des 15-64 ans de sa zone de 30 minutes non encore couverte par les villes "
            "déjà choisies est la plus forte. Une ville bien classée dont la zone recoupe celle "
            "d'une ville choisie perd la part couverte et peut être écartée ; la liste dit par "
            "quelle voisine.",
        ),
        (
            "Données",
            "Entrepôt gpect construit le "
            + (result.built_at[:19] or "n.d.")
            + " : mart_town__profile, mart_town__shortlist_inputs, mart_town_sector__ranking, "
            "mart_town_lycee_sector__shortlist_partners, mart_town__catchment_communes. "
            + _catchment_text(result.build_parameters),
        ),
    ]
    return rows
