-- purpose: BCN table MEF (modules élémentaires de formation): the statistical MEF_STAT_11 code
--          used by Affelnet, Parcoursup and the constat de rentrée, with the CFD it prepares.
-- grain: one row per row of the table (one per MEF; a MEF_STAT_11 code may appear on several)
-- upstream: src_bcn_mef

with source as (
    select * from src_bcn_mef
),

renamed as (
    select
        ---------- ids
        mef_stat_11_code as mefstat11_code,
        cfd_code
    from source
)

select * from renamed
