-- purpose: commune → bassin BMO correspondence of the zonage chosen in ref_vintages, codes as
--          published.
-- grain: one row per commune code (historic codes included)
-- upstream: src_bmo_bassin_communes, ref_vintages

with source as (
    select * from src_bmo_bassin_communes
    where vintage in (select vintage from ref_vintages where dataset = 'bmo_bassin_communes' and is_selected)
),

renamed as (
    select
        ---------- ids
        commune_code,
        bassin_code,
        ---------- text
        bassin_label,
        ---------- dates
        cast(vintage as integer) as zonage_year
    from source
    where commune_code is not null and bassin_code is not null
)

select * from renamed
