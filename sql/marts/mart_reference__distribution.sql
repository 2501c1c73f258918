-- purpose: the national distribution each indicator is standardised against, computed for the
--          reference vintage. `gpect reference` writes it to data/reference/standardisation.csv,
--          the fixed, versioned reference the rankings use, so that a refresh of the data cannot
--          silently re-rank towns. Demand indicators are distributed over bassins BMO (difficult hiring
--          with the same shrunk rate as the indicators), supply over communes; all on a log1p scale
--          because they are skewed counts and rates.
-- grain: one row per indicator × sector
-- upstream: int_territory__sector_shrunk, int_access__commune_sector, int_training__offer

with reference_year as (
    select max(survey_year) as survey_year from int_territory__sector_shrunk
),

bassins as (
    select b.sector_code,
           ln(1 + b.hiring_projects) as log_hiring,
           ln(1 + 1000 * b.hiring_projects / nullif(b.working_age_population, 0)) as log_intensity,
           ln(1 + 1000 * b.hiring_projects * b.difficulty_rate_shrunk / nullif(b.working_age_population, 0))
               as log_difficult_intensity,
           1000 * b.hiring_projects / nullif(b.working_age_population, 0) as intensity,
           1000 * b.hiring_projects * b.difficulty_rate_shrunk / nullif(b.working_age_population, 0)
               as difficult_intensity
    from int_territory__sector_shrunk as b, reference_year
    where b.territory_type = 'bassin' and b.survey_year = reference_year.survey_year
),

demand as (
    select 'log_hiring' as indicator, sector_code, avg(log_hiring) as mean, stddev_samp(log_hiring) as sd,
           null::double as median, null::double as national_total
    from bassins group by all
    union all
    select 'log_intensity', sector_code, avg(log_intensity), stddev_samp(log_intensity), median(intensity), null
    from bassins group by all
    union all
    select 'log_difficult_intensity', sector_code, avg(log_difficult_intensity),
           stddev_samp(log_difficult_intensity), median(difficult_intensity), null
    from bassins group by all
),

supply_size as (
    select sector_code, qualification_level, sum(places_or_students) as places_or_students
    from int_training__offer
    where commune_code is not null and qualification_level is not null
    group by all
),

supply as (
    select 'log_access' as indicator, a.sector_code, avg(ln(1 + a.access_all)) as mean,
           stddev_samp(ln(1 + a.access_all)) as sd, median(a.access_all) as median,
           (select sum(places_or_students) from supply_size as z where z.sector_code = a.sector_code)
               as national_total
    from int_access__commune_sector as a group by all
    union all
    select 'access_l' || l.level, a.sector_code, null, null,
           median(case l.level when 4 then a.access_l4 when 5 then a.access_l5 else a.access_l6 end),
           any_value(coalesce(p.places_or_students, 0))
    from int_access__commune_sector as a
    cross join (values (4), (5), (6)) as l(level)
    left join supply_size as p on p.sector_code = a.sector_code and p.qualification_level = l.level
    group by all
)

select
    (select survey_year from reference_year) as reference_survey_year,
    indicator,
    sector_code,
    mean,
    sd,
    median,
    national_total
from (select * from demand union all select * from supply)
