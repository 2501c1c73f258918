-- purpose: BMO cells summed over the métiers of each training sector, per bassin × département:
--          what the sector-level territories are apportioned from (int_territory__sector_projects),
--          so that sector figures for thousands of catchments never pass through métier rows.
--          The censoring variance is kept as Σ (2 × estimate)² / 12 over the secret cells: times a
--          territory's share squared, it is the variance of the share of those cells it holds.
-- grain: one row per survey year × bassin × département × sector
-- upstream: int_bmo__cells

select
    survey_year,
    bassin_code,
    departement_code,
    sector_code,
    sum(hiring_projects) as hiring_projects,
    sum(difficult_projects) as difficult_projects,
    sum(seasonal_projects) as seasonal_projects,
    sum(case when is_hiring_estimated then hiring_projects else 0 end) as hiring_estimated,
    sum(case when is_hiring_estimated then power(2 * hiring_projects, 2) / 12 else 0 end)
        as hiring_censored_variance_unit
from int_bmo__cells
group by all
