-- purpose: the commune of every lycée of every IPS rentrée ingested (not only the one chosen in
--          ref_vintages): the oldest lists still locate UAIs that later ones dropped.
-- grain: one row per rentrée vintage × UAI
-- upstream: src_ips_lycees

with source as (
    select * from src_ips_lycees
),

renamed as (
    select
        ---------- ids
        vintage,
        uai_code,
        commune_code
    from source
)

select * from renamed
