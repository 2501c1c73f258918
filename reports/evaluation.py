"""The diagnostic's own backtest, as files an operator can keep and quote: the figures of
`mart_diagnostic__evaluation` (computed by the build) written as JSON (machine keys, as the mart
has them) and French Markdown under `data/out/evaluation/`, each against its target where the
project set one. The French words of every figure live here, for the Markdown and the report's
Méthode section alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from connectors.shared.files import write_json, write_text
from reports import data, fmt

# What each figure of mart_diagnostic__evaluation measures, in French: label and one sentence.
EVALUATION_METRICS = {
    ("split_half", "top1_agreement"): (
        "Fiabilité (vagues isolées) : même 1re filière",
        "Part des villes dont la 1re filière recommandée est la même quand le classement est "
        "construit sur une seule vague puis sur une autre.",
    ),
    ("split_half", "top3_overlap"): (
        "Fiabilité (vagues isolées) : filières recommandées communes",
        "Part moyenne des trois filières recommandées que deux classements construits chacun sur "
        "une seule vague ont en commun.",
    ),
    ("split_half", "within_town_spearman"): (
        "Fiabilité (vagues isolées) : corrélation des scores",
        "Corrélation de rang (Spearman), dans chaque ville, des scores des filières entre deux "
        "vagues isolées.",
    ),
    ("refresh_stability", "top1_agreement"): (
        "Stabilité à la mise à jour : même 1re filière",
        "Part des villes dont la 1re filière recommandée ne change pas quand une nouvelle vague "
        "BMO entre dans la fenêtre.",
    ),
    ("refresh_stability", "top3_overlap"): (
        "Stabilité à la mise à jour : filières recommandées communes",
        "Part moyenne des trois filières recommandées conservées quand une nouvelle vague entre "
        "dans la fenêtre.",
    ),
    ("refresh_stability", "within_town_spearman"): (
        "Stabilité à la mise à jour : corrélation des scores",
        "Corrélation de rang, dans chaque ville, des scores avant et après l'ajout d'une vague.",
    ),
    ("forecast_skill", "skill_vs_persistence"): (
        "Prévision : gain sur la dernière vague seule",
        "Réduction de l'erreur quadratique de prévision de la spécialisation observée l'année "
        "suivante, par rapport à la seule dernière vague (0 : aucun gain, 1 : prévision parfaite).",
    ),
    ("forecast_skill", "skill_vs_national"): (
        "Prévision : gain sur la part nationale",
        "Même réduction d'erreur, par rapport à l'hypothèse que chaque filière a dans la zone sa "
        "part nationale.",
    ),
    ("forecast_skill", "spearman"): (
        "Prévision : corrélation avec l'année suivante",
        "Corrélation de rang entre la spécialisation prévue et celle observée l'année suivante, "
        "sur les couples ville × filière lisibles.",
    ),
    ("convergent_validity", "spearman"): (
        "Validité : difficulté et tension officielle",
        "Corrélation de rang, par bassin et filière, entre la part de projets jugés difficiles et "
        "la classe de tension publiée par la Dares : deux mesures indépendantes du même "
        "phénomène.",
    ),
}
# `mart_diagnostic__evaluation.comparison` is written in English by the build; its words in French.
COMPARISON_WORDS = (
    ("mean of the pairs", "moyenne des paires"),
    ("up to ", "jusqu'à "),
    (" vs ", " contre "),
    ("difficulty ", "difficulté "),
    ("Dares tension class", "classe de tension Dares"),
    ("window ", "fenêtre "),
)
# What each family measures, in the words of the Markdown report.
FAMILIES = {
    "split_half": (
        "Fiabilité (vagues isolées)",
        "le classement construit sur une seule vague BMO comparé à celui construit sur une autre "
        "vague : la part d'un classement qui est du signal plutôt que le bruit d'une vague "
        "d'enquête",
    ),
    "refresh_stability": (
        "Stabilité à la mise à jour",
        "le classement publié avec les vagues jusqu'à l'année t comparé à celui publié un an plus "
        "tard : ce qu'un opérateur qui relance le diagnostic chaque printemps voit changer",
    ),
    "forecast_skill": (
        "Prévision",
        "les quotients de localisation groupés et rétrécis construits sur les vagues antérieures "
        "à l'année t+1 comparés aux quotients observés par la vague t+1, ville × filière ; gain = "
        "1 − EQM / EQM d'une prévision de référence (persistance de la dernière vague ; part "
        "nationale, QL = 1) ; au-dessus de 0, la prévision bat la référence",
    ),
    "specificity": (
        "Spécificité",
        "si les recommandations disent quelque chose de propre à chaque ville : combien de fois la "
        "première recommandation n'est que le plus grand marché accessible de la ville, combien "
        "de filières recommandées sont plus spécialisées que la France (QL rétréci > 1), et la "
        "plus grande part des villes qu'une même filière mène",
    ),
    "convergent_validity": (
        "Validité convergente",
        "taux de difficulté bassin × filière (groupé, rétréci) comparé à la classe de tension "
        "officielle de la Dares pour le même bassin et la même filière (Spearman)",
    ),
}
FAMILY_ORDER = list(FAMILIES)
STATUS_FR = {"met": "atteinte", "missed": "non atteinte"}


class EvaluationError(RuntimeError):
    """No evaluation to report; the message says what to run."""


def comparison_fr(text: str) -> str:
    for english, french in COMPARISON_WORDS:
        text = text.replace(english, french)
    return text


def load(warehouse: Path) -> pd.DataFrame:
    if not warehouse.exists():
        raise EvaluationError(f"no warehouse at {warehouse}: run `gpect build` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            frame = data.query(con, "evaluation")
        except duckdb.CatalogException as exc:
            raise EvaluationError(
                f"the warehouse {warehouse} has no mart_diagnostic__evaluation: it was built by "
                "an older gpect; run `gpect build --force`"
            ) from exc
    finally:
        con.close()
    frame["family"] = pd.Categorical(frame["family"], FAMILY_ORDER, ordered=True)
    return frame.sort_values(["family", "comparison", "metric"]).reset_index(drop=True)


def status(value, target) -> str:
    """'met' / 'missed' against a target (a floor), '' where there is none."""
    if fmt.is_missing(target):
        return ""
    return "met" if value >= target else "missed"


def _metric_fr(family: str, metric: str) -> str:
    label = EVALUATION_METRICS.get((family, metric), (None,))[0]
    return f"{label} (`{metric}`)" if label else f"`{metric}`"


def markdown(frame: pd.DataFrame) -> str:
    lines = ["# gpect — ce que vaut le diagnostic des filières", ""]
    for family, rows in frame.groupby("family", observed=True, sort=True):
        title, what = FAMILIES[family]
        lines += [
            f"## {title}",
            "",
            f"{what[0].upper()}{what[1:]}.",
            "",
            "| mesure | comparaison | valeur | cible | résultat | effectif |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows.itertuples():
            lines.append(
                f"| {_metric_fr(family, r.metric)} | {comparison_fr(r.comparison)} "
                f"| {fmt.number(r.value, 3)} "
                f"| {'—' if fmt.is_missing(r.target) else fmt.number(r.target, 3)} "
                f"| {STATUS_FR.get(status(r.value, r.target), '')} | {fmt.number(r.count)} |"
            )
        lines.append("")
    return "\n".join(lines)


def records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for r in frame.itertuples():
        target = None if pd.isna(r.target) else float(r.target)
        value = None if pd.isna(r.value) else float(r.value)
        out.append(
            {
                "family": str(r.family),
                "metric": r.metric,
                "comparison": r.comparison,
                "value": value,
                "target": target,
                "status": status(value, target) or None,
                "count": int(r.count),
            }
        )
    return out


def write(frame: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    """`evaluation.json` and `evaluation.md` in `out_dir`, written atomically."""
    json_path, md_path = out_dir / "evaluation.json", out_dir / "evaluation.md"
    write_json(json_path, records(frame))
    write_text(md_path, markdown(frame) + "\n")
    return json_path, md_path
