-- purpose: no negative count or rate anywhere in the marts.
-- grain: one row per offending mart row
-- upstream: mart_territory_sector__indicators, mart_territory_metier__indicators,
--           mart_town__training_supply

select 'negative_count_or_rate_out_of_range' as failure_type,
       format('mart_territory_sector__indicators {} {} × survey year {} × sector {}: hiring {}, '
              || 'difficult {}, seasonal {}, shrunk difficulty rate {} (counts ≥ 0, rate in 0..1)',
              territory_type, territory_code, survey_year, sector_code, hiring_projects,
              difficult_projects, seasonal_projects, difficulty_rate_shrunk) as description,
       'sector indicators' as mart, territory_code as key, sector_code as detail
from mart_territory_sector__indicators
where hiring_projects < 0 or difficult_projects < 0 or seasonal_projects < 0
   or difficulty_rate_shrunk < 0 or difficulty_rate_shrunk > 1
union all
select 'negative_count',
       format('mart_territory_metier__indicators {} {} × survey year {} × métier {}: hiring {}, '
              || 'difficult {}, seasonal {} (counts ≥ 0)', territory_type, territory_code,
              survey_year, metier_code, hiring_projects, difficult_projects, seasonal_projects),
       'metier indicators', territory_code, metier_code
from mart_territory_metier__indicators
where hiring_projects < 0 or difficult_projects < 0 or seasonal_projects < 0
union all
select 'negative_count',
       format('mart_town__training_supply town {} × sector {}: {} places, {} accessible places per '
              || '1,000 (counts ≥ 0)', town_code, sector_code, places, accessible_places_per_1000),
       'training supply', town_code, sector_code
from mart_town__training_supply
where places < 0 or accessible_places_per_1000 < 0
