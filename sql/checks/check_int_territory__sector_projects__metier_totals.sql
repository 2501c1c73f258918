-- purpose: the sector-grain apportionment (int_territory__sector_projects) and the métier-grain one
--          (int_territory__metier_projects) agree wherever both exist: summed over a sector's
--          métiers, hiring and difficult projects, their estimated part and the censoring variance
--          equal the sector figures.
-- grain: one row per territory × survey year × sector out of balance
-- upstream: int_territory__sector_projects, int_territory__metier_projects

with metiers as (
    select territory_type, territory_code, survey_year, sector_code,
           sum(hiring_projects) as hiring, sum(difficult_projects) as difficult,
           sum(hiring_estimated) as estimated, sum(hiring_censored_variance) as variance
    from int_territory__metier_projects
    group by all
)

select
    'sector_and_metier_grains_differ' as failure_type,
    format('int_territory__sector_projects {} {} × survey year {} × sector {}: {:.2f} hiring '
           || 'projects, {:.2f} summed over its métiers in int_territory__metier_projects',
           s.territory_type, s.territory_code, s.survey_year, s.sector_code,
           cast(s.hiring_projects as double), cast(m.hiring as double)) as description,
    s.territory_type, s.territory_code, s.survey_year, s.sector_code,
    s.hiring_projects, m.hiring, s.hiring_censored_variance, m.variance
from int_territory__sector_projects as s
join metiers as m using (territory_type, territory_code, survey_year, sector_code)
where abs(s.hiring_projects - m.hiring) > 1e-6 * (1 + m.hiring)
   or abs(s.difficult_projects - m.difficult) > 1e-6 * (1 + m.difficult)
   or abs(s.hiring_estimated - m.estimated) > 1e-6 * (1 + m.estimated)
   or abs(s.hiring_censored_variance - m.variance) > 1e-6 * (1 + m.variance)
