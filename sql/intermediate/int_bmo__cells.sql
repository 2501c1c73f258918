-- purpose: BMO cells with an explicit estimate for statistical-secret values. Published values are
--          never below the censoring bound B (param secret_upper_bound = 5; min of all non-secret
--          cells), so a secret cell holds 0 < x < B:
--          * hiring projects: midpoint B/2 ("censored_midpoint");
--          * difficult / seasonal projects: hiring × the métier's département rate (national when
--            the département has none), kept inside the censoring interval and below hiring
--            ("rate_within_censoring").
--          Flags say which values are estimates; figures downstream report their estimated share.
-- grain: one row per survey year × bassin × département × métier
-- upstream: stg_france_travail__bmo, int_crosswalk__metier_sector, params

with cells as (
    select b.*, x.sector_code
    from stg_france_travail__bmo as b
    join int_crosswalk__metier_sector as x using (metier_nomenclature, metier_code)
),

known as (
    select * from cells where not is_hiring_secret
),

rates as (
    -- Rates of published cells by département and, as the fallback, nationally.
    select survey_year, metier_code, departement_code,
           sum(difficult_projects_count) filter (where not is_difficult_secret)
               / nullif(sum(hiring_projects_count) filter (where not is_difficult_secret), 0) as difficult_rate,
           sum(seasonal_projects_count) filter (where not is_seasonal_secret)
               / nullif(sum(hiring_projects_count) filter (where not is_seasonal_secret), 0) as seasonal_rate
    from known
    group by grouping sets ((survey_year, metier_code, departement_code), (survey_year, metier_code))
),

estimated as (
    select
        cells.*,
        case when is_hiring_secret then params.secret_upper_bound / 2 else hiring_projects_count end
            as hiring_projects,
        coalesce(d.difficult_rate, n.difficult_rate, 0) as difficult_rate_prior,
        coalesce(d.seasonal_rate, n.seasonal_rate, 0) as seasonal_rate_prior,
        params.secret_upper_bound as b
    from cells
    cross join params
    left join rates as d
        on d.survey_year = cells.survey_year and d.metier_code = cells.metier_code
       and d.departement_code = cells.departement_code
    left join rates as n
        on n.survey_year = cells.survey_year and n.metier_code = cells.metier_code
       and n.departement_code is null
)

select
    survey_year,
    metier_nomenclature,
    metier_code,
    metier_label,
    fap_family_code,
    sector_code,
    region_code,
    departement_code,
    bassin_code,
    bassin_label,
    hiring_projects,
    case when is_difficult_secret then
        least(case when hiring_projects * difficult_rate_prior < b then hiring_projects * difficult_rate_prior
                   else b / 2 end, hiring_projects)
        else difficult_projects_count end as difficult_projects,
    case when is_seasonal_secret then
        least(case when hiring_projects * seasonal_rate_prior < b then hiring_projects * seasonal_rate_prior
                   else b / 2 end, hiring_projects)
        else seasonal_projects_count end as seasonal_projects,
    is_hiring_secret as is_hiring_estimated,
    is_difficult_secret as is_difficult_estimated,
    is_seasonal_secret as is_seasonal_estimated,
    case when is_hiring_secret then 'censored_midpoint'
         when is_difficult_secret or is_seasonal_secret then 'rate_within_censoring' end as estimate_method
from estimated
