-- purpose: commune → bassin BMO correspondence, per zonage vintage, codes as published.
-- grain: one row per zonage vintage × commune code (historic codes included)
-- upstream: src_bmo_bassin_communes

with source as (
    select * from src_bmo_bassin_communes
)

select
    cast(vintage as integer) as zonage_year,
    commune_code,
    bassin_code,
    bassin_label
from source
where commune_code is not null and bassin_code is not null
