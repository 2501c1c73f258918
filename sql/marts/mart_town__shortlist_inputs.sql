-- purpose: warehouse-side inputs of the jury shortlist that the town profile does not carry: the
--          town's urban unit (INSEE unités urbaines 2020) and its population, summed over the
--          communes that share the town's uu2020_code. INSEE codes communes outside any urban unit
--          '<département>000' (https://www.insee.fr/fr/information/4802589): those codes are not
--          an urban unit, so such a town gets no urban-unit population rather than the total of
--          its département's rural communes.
-- grain: one row per candidate town
-- upstream: int_towns__candidates, int_geo__communes

with towns as (
    select t.town_code, c.uu2020_code,
           c.uu2020_code is not null and c.uu2020_code not like '__000' as has_urban_unit
    from int_towns__candidates as t
    join int_geo__communes as c on c.commune_code = t.town_code
),

urban_units as (
    select uu2020_code, sum(population) as population, count(*) as communes
    from int_geo__communes
    where uu2020_code is not null and uu2020_code not like '__000'
    group by 1
)

select
    towns.town_code,
    towns.uu2020_code,
    towns.has_urban_unit,
    u.population as urban_unit_population,
    u.communes as urban_unit_communes
from towns
left join urban_units as u on towns.has_urban_unit and u.uu2020_code = towns.uu2020_code
