-- purpose: each sector of the town as partners see it: annual hiring projects of the catchment
--          against the minimum market for a cohort, shrunk location quotient with its 90 %
--          interval, difficulty rate, operator catalogue and recommendation status (chart
--          "Spécialisation et taille du marché" and its table).
-- source: mart_town_sector__ranking
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select
    town_code,
    sector_code,
    sector_label,
    annual_hiring_projects,
    minimum_market_projects,
    location_quotient_shrunk,
    location_quotient_low,
    location_quotient_high,
    region_location_quotient,
    difficulty_rate_shrunk,
    is_in_operator_catalogue,
    recommendation_rank,
    exclusion_code,
    is_partner_need
from mart_town_sector__ranking
where list_contains($town_codes, town_code)
order by town_code, annual_hiring_projects desc, sector_code
