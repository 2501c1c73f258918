-- purpose: the département and région each territory is shrunk toward: the one holding most of its
--          working-age population (a catchment: its town's).
-- grain: one row per territory type × territory code
-- upstream: int_territory__communes, int_geo__communes, int_towns__candidates

with ranked as (
    select t.territory_type, t.territory_code, c.departement_code, c.region_code,
           sum(coalesce(c.working_age_population, 0)) as wa
    from int_territory__communes as t
    join int_geo__communes as c using (commune_code)
    where t.territory_type <> 'catchment'
    group by all
)

select territory_type, territory_code,
       first(departement_code order by wa desc, departement_code) as departement_code,
       first(region_code order by wa desc, departement_code) as region_code
from ranked
group by all
union all
select 'catchment', t.town_code, c.departement_code, c.region_code
from int_towns__candidates as t
join int_geo__communes as c on c.commune_code = t.town_code
