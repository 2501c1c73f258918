-- purpose: per BMO wave, what the sector diagnostic pools: hiring and difficult projects of each
--          candidate-town catchment and each bassin by sector (zeros included), the territory's
--          total over every sector, the national and regional totals the location quotients are
--          measured against, the part resting on censored secret cells (its estimate and the
--          variance of the uniform censoring interval: (share × B)² / 12 a cell) and the
--          empirical-Bayes difficulty prior (int_bmo__prior_rates through the territory's
--          département). National and regional totals include the cells of bassins without
--          communes in the zonage, which no territory holds.
-- grain: one row per territory type ('catchment', 'bassin') × territory code × survey year × sector
--        (NC included: it counts in every total, and is never ranked)
-- upstream: int_towns__candidates, int_territory__communes, int_bmo__waves, ref_sectors,
--           int_territory__sector_projects, int_territory__departement, int_bmo__prior_rates,
--           int_bmo__cells

with territories as (
    select 'catchment' as territory_type, town_code as territory_code from int_towns__candidates
    union all
    select distinct 'bassin', territory_code from int_territory__communes where territory_type = 'bassin'
),

grid as (
    select t.territory_type, t.territory_code, w.survey_year, w.metier_nomenclature, s.sector_code,
           d.departement_code, d.region_code
    from territories as t
    join int_territory__departement as d using (territory_type, territory_code)
    cross join int_bmo__waves as w
    cross join ref_sectors as s
),

national as (
    select survey_year, sector_code,
           sum(hiring_projects) as national_sector_hiring,
           sum(difficult_projects) as national_sector_difficult,
           sum(sum(hiring_projects)) over (partition by survey_year) as national_hiring,
           sum(sum(difficult_projects)) over (partition by survey_year) as national_difficult
    from int_bmo__cells
    group by survey_year, sector_code
),

regional as (
    select survey_year, region_code, sector_code,
           sum(hiring_projects) as region_sector_hiring,
           sum(sum(hiring_projects)) over (partition by survey_year, region_code) as region_hiring
    from int_bmo__cells
    group by survey_year, region_code, sector_code
)

select
    g.territory_type,
    g.territory_code,
    g.survey_year,
    g.metier_nomenclature,
    g.sector_code,
    g.region_code,
    coalesce(p.hiring_projects, 0) as hiring_projects,
    coalesce(p.difficult_projects, 0) as difficult_projects,
    coalesce(p.hiring_estimated, 0) as hiring_estimated,
    coalesce(p.hiring_censored_variance, 0) as hiring_censored_variance,
    sum(coalesce(p.hiring_projects, 0))
        over (partition by g.territory_type, g.territory_code, g.survey_year) as territory_hiring,
    sum(coalesce(p.difficult_projects, 0))
        over (partition by g.territory_type, g.territory_code, g.survey_year) as territory_difficult,
    n.national_sector_hiring,
    n.national_hiring,
    n.national_sector_difficult,
    n.national_difficult,
    coalesce(r.region_sector_hiring, 0) as region_sector_hiring,
    r.region_hiring,
    coalesce(pr.prior_rate, pr_nat.national_rate) as difficulty_prior_rate,
    coalesce(pr.prior_strength, pr_nat.prior_strength) as difficulty_prior_strength,
    pr_nat.national_rate as national_difficulty_rate
from grid as g
left join int_territory__sector_projects as p
    on p.territory_type = g.territory_type and p.territory_code = g.territory_code
   and p.survey_year = g.survey_year and p.sector_code = g.sector_code
left join national as n on n.survey_year = g.survey_year and n.sector_code = g.sector_code
left join regional as r
    on r.survey_year = g.survey_year and r.region_code = g.region_code and r.sector_code = g.sector_code
left join int_bmo__prior_rates as pr
    on pr.survey_year = g.survey_year and pr.sector_code = g.sector_code
   and pr.departement_code = g.departement_code
left join (
    select survey_year, sector_code, any_value(national_rate) as national_rate,
           any_value(prior_strength) as prior_strength
    from int_bmo__prior_rates group by all
) as pr_nat on pr_nat.survey_year = g.survey_year and pr_nat.sector_code = g.sector_code
