-- purpose: skills-gap indicators per territory (bassin BMO, zone d'emploi, town catchment) and
--          training sector: hiring projects, difficult projects and the difficulty rate shrunk
--          toward the département/région rate (empirical Bayes: (x + κ·prior) / (n + κ)),
--          seasonal share, hiring intensity per 1,000 working-age residents, the official tension
--          class, the share of hiring projects resting on estimated secret cells, and z-scores
--          against the fixed reference distribution (int_reference__by_sector).
-- grain: one row per territory type × territory code × survey year × sector
-- upstream: int_territory__sector_shrunk, int_tension__bassin_sector, int_geo__communes,
--           int_reference__by_sector

with bassin_of as (
    -- Tension classes are official at bassin level; a catchment takes its town's bassin.
    select 'bassin' as territory_type, bassin_code as territory_code, bassin_code from int_geo__communes
    where bassin_code is not null
    group by all
    union all
    select 'catchment', commune_code, bassin_code from int_geo__communes
)

select
    s.territory_type,
    s.territory_code,
    s.survey_year,
    s.sector_code,
    s.hiring_projects,
    s.difficult_projects,
    s.seasonal_projects,
    s.hiring_estimated / nullif(s.hiring_projects, 0) as estimated_share,
    s.difficult_projects / nullif(s.hiring_projects, 0) as difficulty_rate,
    s.difficulty_rate_shrunk,
    s.prior_rate,
    s.prior_level,
    s.prior_strength,
    s.seasonal_projects / nullif(s.hiring_projects, 0) as seasonal_share,
    s.working_age_population,
    1000 * s.hiring_projects / nullif(s.working_age_population, 0) as hiring_per_1000,
    1000 * s.hiring_projects * s.difficulty_rate_shrunk / nullif(s.working_age_population, 0)
        as difficult_per_1000,
    t.tension_class,
    (ln(1 + s.hiring_projects) - z.log_hiring_mean) / nullif(z.log_hiring_sd, 0) as z_hiring,
    (ln(1 + 1000 * s.hiring_projects / nullif(s.working_age_population, 0)) - z.log_intensity_mean)
        / nullif(z.log_intensity_sd, 0) as z_intensity,
    (ln(1 + 1000 * s.hiring_projects * s.difficulty_rate_shrunk / nullif(s.working_age_population, 0))
        - z.log_difficult_intensity_mean) / nullif(z.log_difficult_intensity_sd, 0) as z_demand_pressure
from int_territory__sector_shrunk as s
left join int_reference__by_sector as z using (sector_code)
left join bassin_of as b using (territory_type, territory_code)
left join int_tension__bassin_sector as t on t.bassin_code = b.bassin_code and t.sector_code = s.sector_code
