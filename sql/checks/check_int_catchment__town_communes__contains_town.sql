-- purpose: every catchment contains its own town.
-- grain: one row per town missing from its catchment
-- upstream: int_towns__candidates, int_catchment__town_communes

select
    'town_outside_its_catchment' as failure_type,
    format('int_catchment__town_communes: town {} ({}) is not a commune of its own catchment',
           t.town_code, t.town_label) as description,
    t.town_code, t.town_label
from int_towns__candidates as t
where not exists (
    select 1 from int_catchment__town_communes as c
    where c.town_code = t.town_code and c.commune_code = t.town_code
)
