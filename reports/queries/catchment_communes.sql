-- purpose: the communes of the town's catchment with travel time and population (map and its
--          table).
-- source: mart_town__catchment_communes
-- params: $town_code
select commune_code, commune_label, travel_minutes, population, working_age_population, latitude, longitude
from mart_town__catchment_communes
where town_code = $town_code
order by travel_minutes, commune_code
