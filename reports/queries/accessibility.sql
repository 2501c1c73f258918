-- purpose: accessible training places per 1,000 working-age residents (E2SFCA, all levels) of the
--          town by sector, against the national median over communes (chart "Accessibilité de
--          l'offre"); sectors the supply data barely cover nationally are flagged.
-- source: mart_town_sector__ranking, ref_standardisation (indicator 'log_access')
-- params: $town_code
select
    r.sector_code,
    r.sector_label,
    r.accessible_places_per_1000,
    cast(ref.median as double) as national_median_per_1000,
    r.is_supply_data_thin
from mart_town_sector__ranking as r
left join ref_standardisation as ref
    on ref.sector_code = r.sector_code and ref.indicator = 'log_access'
where r.town_code = $town_code
order by r.accessible_places_per_1000 desc, r.sector_code
