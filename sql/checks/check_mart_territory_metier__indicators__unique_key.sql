-- purpose: one row per territory × survey year × métier in the métier indicators.
-- grain: one row per duplicated key
-- upstream: mart_territory_metier__indicators

select 'duplicated_key' as failure_type,
       format('mart_territory_metier__indicators: {} rows for {} {} × survey year {} × métier {} {} '
              || '(one expected)', count(*), territory_type, territory_code, survey_year,
              metier_nomenclature, metier_code) as description,
       territory_type, territory_code, survey_year, metier_nomenclature, metier_code, count(*) as n
from mart_territory_metier__indicators
group by territory_type, territory_code, survey_year, metier_nomenclature, metier_code
having count(*) > 1
