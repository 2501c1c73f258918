-- purpose: the communes of the town's catchment with travel time and population (map and its
--          table).
-- source: mart_town__catchment_communes
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select town_code, commune_code, commune_label, travel_minutes, population, working_age_population, latitude, longitude
from mart_town__catchment_communes
where list_contains($town_codes, town_code)
order by town_code, travel_minutes, commune_code
