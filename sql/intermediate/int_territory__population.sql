-- purpose: population, working-age and active population, census unemployment and jobseekers of
--          every territory (jobseekers: monthly average of the period year of ref_vintages, published for communes over 5,000
--          inhabitants only, so their coverage share is carried).
-- grain: one row per territory type × territory code
-- upstream: int_territory__communes, int_geo__communes, int_territory__jobseekers_commune,
--           int_geo__code_passage

with jobseekers as (
    select m.current_code as commune_code, sum(j.jobseekers_abc_count * m.share) / 12.0 as jobseekers_abc
    from int_territory__jobseekers_commune as j
    join int_geo__code_passage as m on m.old_code = j.commune_code
    group by 1
)

select
    t.territory_type,
    t.territory_code,
    count(*) as communes,
    sum(c.population) as population,
    sum(c.working_age_population) as working_age_population,
    sum(c.active_population) as active_population,
    sum(c.unemployed_population) as unemployed_population,
    sum(c.unemployed_population) / nullif(sum(c.active_population), 0) as unemployment_rate,
    sum(j.jobseekers_abc) as jobseekers_abc,
    sum(j.jobseekers_abc) / nullif(sum(c.working_age_population) filter (where j.jobseekers_abc is not null), 0)
        as jobseekers_per_working_age,
    sum(c.working_age_population) filter (where j.jobseekers_abc is not null)
        / nullif(sum(c.working_age_population), 0) as jobseekers_coverage_share
from int_territory__communes as t
join int_geo__communes as c using (commune_code)
left join jobseekers as j using (commune_code)
group by all
