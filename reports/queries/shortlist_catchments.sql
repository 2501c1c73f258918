-- purpose: the communes of each town's catchment with their working-age population (the
--          shortlist's set selection, which covers people once).
-- source: mart_town__catchment_communes
select town_code, commune_code, working_age_population
from mart_town__catchment_communes
order by town_code, commune_code
