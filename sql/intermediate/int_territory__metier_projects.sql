-- purpose: hiring, difficult and seasonal projects per territory and métier: each BMO cell times
--          the share of it the territory holds; the estimated part and its censoring variance are
--          carried alongside. Bassins, zones d'emploi and the catchments of the towns with métier
--          detail only (int_towns__candidates.has_metier_detail): sector figures of every
--          catchment come from int_territory__sector_projects.
-- grain: one row per territory × survey year × métier
-- upstream: int_bmo__cells, int_territory__cell_shares, int_towns__candidates

select
    s.territory_type,
    s.territory_code,
    c.survey_year,
    c.metier_nomenclature,
    c.metier_code,
    min(c.metier_label) as metier_label,
    any_value(c.sector_code) as sector_code,
    sum(c.hiring_projects * s.share) as hiring_projects,
    sum(c.difficult_projects * s.share) as difficult_projects,
    sum(c.seasonal_projects * s.share) as seasonal_projects,
    sum(case when c.is_hiring_estimated then c.hiring_projects * s.share else 0 end) as hiring_estimated,
    -- A secret cell lies uniformly in (0, B) and is estimated at B / 2: its variance (share × B)² / 12.
    sum(case when c.is_hiring_estimated then power(2 * c.hiring_projects * s.share, 2) / 12 else 0 end)
        as hiring_censored_variance,
    sum(case when c.is_difficult_estimated then c.difficult_projects * s.share else 0 end) as difficult_estimated
from int_bmo__cells as c
join int_territory__cell_shares as s using (bassin_code, departement_code)
where s.territory_type <> 'catchment'
   or s.territory_code in (select town_code from int_towns__candidates where has_metier_detail)
group by all
