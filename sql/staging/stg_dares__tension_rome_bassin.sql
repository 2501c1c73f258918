-- purpose: Dares/France Travail tension indicators by ROME × bassin BMO (classes 1–5).
-- grain: one row per ROME code × bassin, of the year chosen in ref_vintages (never the partial
--        2019 extract: it only lists tensioned cells and would bias any average)
-- upstream: src_tension_rome_bassin, ref_vintages

with source as (
    select * from src_tension_rome_bassin
    where vintage in (select vintage from ref_vintages where dataset = 'tension_rome_bassin' and is_selected)
),

renamed as (
    select
        ---------- ids
        rome_code,
        bassin_code,
        ---------- dates
        cast(vintage as integer) as tension_year,
        ---------- measures
        job_offers_avg,
        jobseekers_abc_avg,
        tension_class
    from source
    where tension_class is not null
)

select * from renamed
