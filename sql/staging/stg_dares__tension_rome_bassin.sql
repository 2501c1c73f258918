-- purpose: Dares/France Travail tension indicators by ROME × bassin BMO (classes 1–5).
-- grain: one row per year × ROME code × bassin (the partial 2019 extract excluded: it only lists
--        tensioned cells and would bias any average)
-- upstream: src_tension_rome_bassin

with source as (
    select * from src_tension_rome_bassin where vintage <> '2019'
)

select
    cast(vintage as integer) as tension_year,
    rome_code,
    bassin_code,
    job_offers_avg,
    jobseekers_abc_avg,
    tension_class
from source
where tension_class is not null
