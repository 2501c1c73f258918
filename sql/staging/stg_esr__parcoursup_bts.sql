-- purpose: Parcoursup BTS capacities (school and apprenticeship) of the session chosen in ref_vintages.
-- grain: one row per UAI × BTS training (MEF_STAT_11) × status
-- upstream: src_parcoursup_bts_capacities, ref_vintages

with source as (
    select * from src_parcoursup_bts_capacities
    where vintage in (select vintage from ref_vintages where dataset = 'parcoursup_bts_capacities' and is_selected)
),

renamed as (
    select
        ---------- ids
        upper(uai_code) as uai_code,
        mefstat11_code,
        ---------- dates
        cast(vintage as integer) as session_year,
        ---------- text
        training_label,
        status_label,
        ---------- counts
        capacity_count as places
    from source
)

select * from renamed
