-- purpose: accessible training places per 1,000 working-age residents (E2SFCA, all levels) of the
--          town by sector, against the national median over communes the supply gap is measured
--          against (chart "Accessibilité de l'offre"); sectors the supply data barely cover
--          nationally are flagged.
-- source: mart_town_sector__ranking
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select
    town_code,
    sector_code,
    sector_label,
    accessible_places_per_1000,
    national_median_places_per_1000 as national_median_per_1000,
    is_supply_data_thin
from mart_town_sector__ranking
where list_contains($town_codes, town_code)
order by town_code, accessible_places_per_1000 desc, sector_code
