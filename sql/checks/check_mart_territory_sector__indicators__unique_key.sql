-- purpose: one row per territory × survey year × sector in the sector indicators.
-- grain: one row per duplicated key
-- upstream: mart_territory_sector__indicators

select 'duplicated_key' as failure_type,
       format('mart_territory_sector__indicators: {} rows for {} {} × survey year {} × sector {} '
              || '(one expected)', count(*), territory_type, territory_code, survey_year,
              sector_code) as description,
       territory_type, territory_code, survey_year, sector_code, count(*) as n
from mart_territory_sector__indicators
group by territory_type, territory_code, survey_year, sector_code
having count(*) > 1
