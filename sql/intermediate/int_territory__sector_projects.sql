-- purpose: hiring, difficult and seasonal projects per territory and training sector: each BMO
--          bassin × département cell's sector totals times the share of it the territory holds
--          (the apportionment of int_territory__metier_projects, applied at sector grain; the two
--          reconcile, check_int_territory__sector_projects__metier_totals), with the territory's
--          working-age population. A secret cell lies uniformly in (0, B) and is estimated at
--          B / 2: the share of it a territory holds has variance (share × B)² / 12.
-- grain: one row per territory × survey year × sector
-- upstream: int_bmo__sector_cells, int_territory__cell_shares, int_territory__population

select
    s.territory_type,
    s.territory_code,
    c.survey_year,
    c.sector_code,
    sum(c.hiring_projects * s.share) as hiring_projects,
    sum(c.difficult_projects * s.share) as difficult_projects,
    sum(c.seasonal_projects * s.share) as seasonal_projects,
    sum(c.hiring_estimated * s.share) as hiring_estimated,
    sum(c.hiring_censored_variance_unit * s.share * s.share) as hiring_censored_variance,
    any_value(t.working_age_population) as working_age_population
from int_bmo__sector_cells as c
join int_territory__cell_shares as s using (bassin_code, departement_code)
join int_territory__population as t using (territory_type, territory_code)
group by all
