-- purpose: Parcoursup BTS capacities (school and apprenticeship) of the latest session.
-- grain: one row per UAI × BTS training (MEF_STAT_11) × status
-- upstream: src_parcoursup_bts_capacities

select
    cast(vintage as integer) as session_year,
    upper(uai_code) as uai_code,
    mefstat11_code,
    training_label,
    status_label,
    capacity_count as places
from src_parcoursup_bts_capacities
where vintage = (select max(vintage) from src_parcoursup_bts_capacities)
