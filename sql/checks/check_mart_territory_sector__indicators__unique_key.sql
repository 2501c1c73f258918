-- purpose: one row per territory × survey year × sector in the sector indicators.
-- grain: one row per duplicated key
-- upstream: mart_territory_sector__indicators

select territory_type, territory_code, survey_year, sector_code, count(*) as n
from mart_territory_sector__indicators
group by all
having count(*) > 1
