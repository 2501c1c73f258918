-- purpose: training sites of the town's catchment: places by commune and source (map markers,
--          sized by capacity, and their table).
-- source: mart_town__training_sites
-- params: $town_code
select
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
where town_code = $town_code
order by places desc, commune_code
