-- purpose: Parcoursup BTS capacities (school and apprenticeship) of the session chosen in ref_vintages.
-- grain: one row per UAI × BTS training (MEF_STAT_11) × status
-- upstream: src_parcoursup_bts_capacities, ref_vintages

select
    cast(vintage as integer) as session_year,
    upper(uai_code) as uai_code,
    mefstat11_code,
    training_label,
    status_label,
    capacity_count as places
from src_parcoursup_bts_capacities
where vintage in (select vintage from ref_vintages where dataset = 'parcoursup_bts_capacities' and is_selected)
