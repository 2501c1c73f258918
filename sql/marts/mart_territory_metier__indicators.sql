-- purpose: indicators per territory and BMO métier: hiring, difficult and seasonal projects, the
--          raw difficulty rate and the rate shrunk toward the métier's sector prior of the
--          territory's département (same κ as the sector), seasonal share, intensity, estimated share.
--          Catchments: the towns with métier detail only (int_territory__metier_projects).
-- grain: one row per territory type × territory code × survey year × métier
-- upstream: int_territory__metier_projects, int_territory__population, int_territory__departement,
--           int_bmo__prior_rates

select
    m.territory_type,
    m.territory_code,
    m.survey_year,
    m.metier_nomenclature,
    m.metier_code,
    m.metier_label,
    m.sector_code,
    m.hiring_projects,
    m.difficult_projects,
    m.seasonal_projects,
    m.hiring_estimated / nullif(m.hiring_projects, 0) as estimated_share,
    m.difficult_projects / nullif(m.hiring_projects, 0) as difficulty_rate,
    (m.difficult_projects + pr.prior_strength * pr.prior_rate) / (m.hiring_projects + pr.prior_strength)
        as difficulty_rate_shrunk,
    m.seasonal_projects / nullif(m.hiring_projects, 0) as seasonal_share,
    1000 * m.hiring_projects / nullif(p.working_age_population, 0) as hiring_per_1000
from int_territory__metier_projects as m
join int_territory__population as p using (territory_type, territory_code)
join int_territory__departement as d using (territory_type, territory_code)
left join int_bmo__prior_rates as pr
    on pr.survey_year = m.survey_year and pr.sector_code = m.sector_code
   and pr.departement_code = d.departement_code
