-- purpose: training sites of the town's catchment: places by commune and source (map markers,
--          sized by capacity, and their table).
-- source: mart_town__training_sites
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select
    town_code,
    commune_code,
    commune_label,
    travel_minutes,
    latitude,
    longitude,
    establishments,
    lycee_pro_places,
    bts_places,
    higher_education_students,
    places
from mart_town__training_sites
where list_contains($town_codes, town_code)
order by town_code, places desc, commune_code
