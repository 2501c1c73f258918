-- purpose: ANCT Petites villes de demain: programmes with their "Commune (INSEE)" member lists of
--          the vintage chosen in ref_vintages.
-- grain: one row per file row
-- upstream: src_pvd, ref_vintages

with source as (
    select * from src_pvd
    where vintage in (select vintage from ref_vintages where dataset = 'pvd' and is_selected)
),

renamed as (
    select
        ---------- ids
        programme_code,
        ---------- text
        programme_label,
        member_list,
        ---------- vintage
        vintage
    from source
)

select * from renamed
