-- purpose: the training supply E2SFCA distributes: places or students of the training offer
--          per commune, sector and qualification level, where all three are known and the
--          places are positive. Its communes are the destinations int_geo__commune_pairs keeps.
-- grain: one row per commune × sector × qualification level
-- upstream: int_training__offer

select commune_code, sector_code, qualification_level, sum(places_or_students) as places_or_students
from int_training__offer
where commune_code is not null and places_or_students > 0 and qualification_level is not null
group by all
