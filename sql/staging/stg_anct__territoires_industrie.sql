-- purpose: ANCT Territoires d'industrie (2023–2027 wave) of the vintage chosen in ref_vintages:
--          each territory with its "EPCI name (SIREN); …" member list.
-- grain: one row per territory
-- upstream: src_territoires_industrie, ref_vintages

with source as (
    select * from src_territoires_industrie
    where vintage in (select vintage from ref_vintages where dataset = 'territoires_industrie' and is_selected)
),

renamed as (
    select
        ---------- ids
        programme_code,
        ---------- text
        programme_label,
        member_list
    from source
)

select * from renamed
