-- purpose: DEFM ABC jobseekers by geographic code and month (communes over 5,000 inhabitants and
--          the file's département totals), as published, for the vintage chosen in ref_vintages.
-- grain: one row per file row: geographic code × month (a few commune codes are listed twice in a
--        month, the publisher's rows splitting them)
-- upstream: src_jobseekers_commune, ref_vintages

with source as (
    select * from src_jobseekers_commune
    where vintage in (select vintage from ref_vintages where dataset = 'jobseekers_commune' and is_selected)
),

renamed as (
    select
        ---------- ids
        vintage,
        geo_code,
        ---------- dates
        period_label,
        cast(right(period_label, 4) as integer) as period_year,
        ---------- counts
        jobseekers_abc_count
    from source
)

select * from renamed
