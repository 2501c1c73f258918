-- purpose: ANCT Action Cœur de Ville: the list of communes of the vintage chosen in ref_vintages.
-- grain: one row per file row
-- upstream: src_acv, ref_vintages

with source as (
    select * from src_acv
    where vintage in (select vintage from ref_vintages where dataset = 'acv' and is_selected)
),

renamed as (
    select
        ---------- ids
        programme_code,
        commune_code,
        ---------- text
        programme_label,
        ---------- vintage
        vintage
    from source
)

select * from renamed
