-- purpose: ANCT Action Cœur de Ville 2: programmes with their "Commune (INSEE)" member lists
--          (every vintage ingested: one edition).
-- grain: one row per file row
-- upstream: src_acv2

with source as (
    select * from src_acv2
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
