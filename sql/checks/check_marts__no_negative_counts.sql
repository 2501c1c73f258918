-- purpose: no negative count or rate anywhere in the marts.
-- grain: one row per offending mart row
-- upstream: mart_territory_sector__indicators, mart_territory_metier__indicators,
--           mart_town__training_supply

select 'sector indicators' as mart, territory_code as key, sector_code as detail
from mart_territory_sector__indicators
where hiring_projects < 0 or difficult_projects < 0 or seasonal_projects < 0
   or difficulty_rate_shrunk < 0 or difficulty_rate_shrunk > 1
union all
select 'metier indicators', territory_code, metier_code
from mart_territory_metier__indicators
where hiring_projects < 0 or difficult_projects < 0 or seasonal_projects < 0
union all
select 'training supply', town_code, sector_code
from mart_town__training_supply
where places < 0 or accessible_places_per_1000 < 0
