-- purpose: hiring, difficult and seasonal projects per territory and training sector, with the
--          territory's working-age population and the estimated share of its hiring projects.
-- grain: one row per territory × survey year × sector
-- upstream: int_territory__metier_projects, int_territory__population

select
    p.territory_type,
    p.territory_code,
    p.survey_year,
    p.sector_code,
    sum(p.hiring_projects) as hiring_projects,
    sum(p.difficult_projects) as difficult_projects,
    sum(p.seasonal_projects) as seasonal_projects,
    sum(p.hiring_estimated) as hiring_estimated,
    sum(p.hiring_censored_variance) as hiring_censored_variance,
    any_value(t.working_age_population) as working_age_population
from int_territory__metier_projects as p
join int_territory__population as t using (territory_type, territory_code)
group by all
