-- purpose: the BMO waves of this build (the vintages selected in ref_vintages) with their métier
--          nomenclature, so that a window spanning the FAP 2009 / FAP 2021 break says so, and the
--          wave the published window ends at: the latest wave up to param bmo_window_end (0: the
--          latest wave), the rule of flows/pipeline/diagnostic/ranking.py published_window (a
--          test keeps both equal). Which waves the diagnostic pools is applied there.
-- grain: one row per survey year
-- upstream: stg_france_travail__bmo, ref_vintages, params

with waves as (
    select survey_year, any_value(metier_nomenclature) as metier_nomenclature
    from stg_france_travail__bmo
    where cast(survey_year as varchar) in (
        select vintage from ref_vintages where dataset = 'bmo' and is_selected
    )
    group by all
)

select
    w.survey_year,
    w.metier_nomenclature,
    w.survey_year = max(w.survey_year) filter (
        where p.bmo_window_end = 0 or w.survey_year <= p.bmo_window_end
    ) over () as is_window_end
from waves as w
cross join params as p
