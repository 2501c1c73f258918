-- purpose: every training sector of the town, ranked, with score components, reasons, suggested
--          level and operator catalogue flags (sections Synthèse and Écarts: gap chart and table).
-- source: mart_town_sector__ranking
-- params: $town_code
select
    rank,
    sector_code,
    sector_label,
    score,
    demand_pressure,
    volume_intensity,
    supply_gap,
    contribution_demand_pressure,
    contribution_volume_intensity,
    contribution_supply_gap,
    hiring_projects,
    difficult_projects,
    difficulty_rate_shrunk,
    hiring_per_1000,
    accessible_places_per_1000,
    tension_class,
    estimated_share,
    is_supply_data_thin,
    reasons,
    suggested_level,
    array_to_string(operator_levels, ', ') as operator_levels,
    is_in_operator_catalogue,
    operator_can_deliver_level,
    operator_distance_learning,
    operator_work_study
from mart_town_sector__ranking
where town_code = $town_code
order by rank
