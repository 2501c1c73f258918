-- purpose: empirical-Bayes priors for difficulty rates. Prior mean: the sector's rate in the
--          territory's département when the département has at least prior_min_hiring_projects
--          (param) hiring projects in the sector, else its région's, else the national rate. Prior strength κ per sector and
--          year by the method of moments over bassins (beta-binomial): with p̄ the national rate,
--          V = Σ n_b (p_b − p̄)² / Σ n_b and B bassins, τ² = V − p̄(1 − p̄)·B / Σ n_b and
--          κ = p̄(1 − p̄) / τ² − 1 (macro moment_prior_strength), clipped to [prior_strength_min,
--          prior_strength_max] (params). BMO counts are survey estimates, so the
--          binomial variance is an approximation (documented in README "Method").
-- grain: one row per survey year × sector × département
-- upstream: int_bmo__cells, int_territory__sector_projects, params

with dept as (
    select survey_year, sector_code, departement_code, any_value(region_code) as region_code,
           sum(difficult_projects) as x, sum(hiring_projects) as n
    from int_bmo__cells group by all
),

region as (
    select survey_year, sector_code, region_code, sum(x) as x, sum(n) as n from dept group by all
),

national as (
    select survey_year, sector_code, sum(x) / nullif(sum(n), 0) as p from dept group by all
),

bassins as (
    select b.survey_year, b.sector_code, b.hiring_projects as n, b.difficult_projects / b.hiring_projects as p_b
    from int_territory__sector_projects as b
    where b.territory_type = 'bassin' and b.hiring_projects > 0
),

kappa as (
    select bassins.survey_year, bassins.sector_code, any_value(national.p) as p,
           sum(n * power(p_b - national.p, 2)) / sum(n)
               - any_value(national.p) * (1 - any_value(national.p)) * count(*) / sum(n) as tau2
    from bassins join national using (survey_year, sector_code)
    group by bassins.survey_year, bassins.sector_code
)

select
    dept.survey_year,
    dept.sector_code,
    dept.departement_code,
    case when dept.n >= p.prior_min_hiring_projects then dept.x / dept.n
         when region.n >= p.prior_min_hiring_projects then region.x / region.n
         else kappa.p end as prior_rate,
    case when dept.n >= p.prior_min_hiring_projects then 'département'
         when region.n >= p.prior_min_hiring_projects then 'région'
         else 'national' end as prior_level,
    kappa.p as national_rate,
    moment_prior_strength(kappa.p, kappa.tau2, p.prior_strength_min, p.prior_strength_max)
        as prior_strength
from dept
join region using (survey_year, sector_code, region_code)
join kappa using (survey_year, sector_code)
cross join params as p
