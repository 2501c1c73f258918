-- purpose: BCN table V_FORMATION_DIPLOME (diplomas in force and closed): CFD code, NSF group, RNCP
--          level and label, as published.
-- grain: one row per row of the table (one per CFD)
-- upstream: src_bcn_v_formation_diplome

with source as (
    select * from src_bcn_v_formation_diplome
),

renamed as (
    select
        ---------- ids
        cfd_code,
        nsf_group_code,
        rncp_level_code,
        ---------- text
        cfd_label
    from source
)

select * from renamed
