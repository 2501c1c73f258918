-- purpose: DEFM ABC jobseekers by commune (communes over 5,000 inhabitants), monthly, for the
--          vintage and period year chosen in ref_vintages.
-- grain: one row per commune × month (the file's 2–3 character département totals dropped; the
--        few commune codes listed twice in a month are summed, as the publisher's rows split them)
-- upstream: src_jobseekers_commune, ref_vintages

with chosen as (
    select vintage, cast(period as integer) as period_year
    from ref_vintages where dataset = 'jobseekers_commune' and is_selected
),

source as (
    select src_jobseekers_commune.*
    from src_jobseekers_commune
    join chosen using (vintage)
    where length(geo_code) = 5
      and cast(right(period_label, 4) as integer) = chosen.period_year
)

select
    geo_code as commune_code,
    period_label,
    cast(right(period_label, 4) as integer) as period_year,
    sum(jobseekers_abc_count) as jobseekers_abc_count
from source
group by all
