-- purpose: DEFM ABC jobseekers by commune and month of the period year chosen in ref_vintages;
--          the file's 2–3 character département totals dropped and the few commune codes listed
--          twice in a month summed.
-- grain: one row per commune × month (codes as published)
-- upstream: stg_france_travail__jobseekers_commune, ref_vintages

with chosen as (
    select vintage, cast(period as integer) as period_year
    from ref_vintages where dataset = 'jobseekers_commune' and is_selected
)

select
    j.geo_code as commune_code,
    j.period_label,
    j.period_year,
    sum(j.jobseekers_abc_count) as jobseekers_abc_count
from stg_france_travail__jobseekers_commune as j
join chosen using (vintage, period_year)
where length(j.geo_code) = 5
group by all
