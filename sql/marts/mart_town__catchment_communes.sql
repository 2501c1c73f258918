-- purpose: the communes of each town's catchment with travel time and population, for maps and
--          for the catchment overlap used when choosing a set of towns.
-- grain: one row per town × commune
-- upstream: int_catchment__town_communes, int_geo__communes

select
    k.town_code,
    k.commune_code,
    c.commune_label,
    k.distance_km,
    k.travel_minutes,
    c.population,
    c.working_age_population,
    c.latitude,
    c.longitude
from int_catchment__town_communes as k
join int_geo__communes as c using (commune_code)
