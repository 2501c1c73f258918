-- purpose: the BMO waves of this build (the vintages selected in ref_vintages) with their métier
--          nomenclature, so that a window spanning the FAP 2009 / FAP 2021 break says so. Which
--          waves the diagnostic pools is a setting applied by flows/pipeline/diagnostic (bmo_window_*).
-- grain: one row per survey year
-- upstream: stg_france_travail__bmo, ref_vintages

select survey_year, any_value(metier_nomenclature) as metier_nomenclature
from stg_france_travail__bmo
where cast(survey_year as varchar) in (
    select vintage from ref_vintages where dataset = 'bmo' and is_selected
)
group by all
