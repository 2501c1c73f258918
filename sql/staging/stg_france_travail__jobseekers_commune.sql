-- purpose: DEFM ABC jobseekers by commune (communes over 5,000 inhabitants), monthly.
-- grain: one row per commune × month (the file's 2–3 character département totals dropped; the
--        few commune codes listed twice in a month are summed, as the publisher's rows split them)
-- upstream: src_jobseekers_commune

with source as (
    select * from src_jobseekers_commune
    where length(geo_code) = 5
)

select
    geo_code as commune_code,
    period_label,
    cast(right(period_label, 4) as integer) as period_year,
    sum(jobseekers_abc_count) as jobseekers_abc_count
from source
group by all
