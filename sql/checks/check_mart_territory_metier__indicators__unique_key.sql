-- purpose: one row per territory × survey year × métier in the métier indicators.
-- grain: one row per duplicated key
-- upstream: mart_territory_metier__indicators

select territory_type, territory_code, survey_year, metier_nomenclature, metier_code, count(*) as n
from mart_territory_metier__indicators
group by all
having count(*) > 1
