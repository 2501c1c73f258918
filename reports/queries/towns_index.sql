-- purpose: every candidate town with its département, région, position, population, programmes and the sectors
--          recommended to the operator (recommendation rank ≤ $top, with their tie groups so
--          that tied sectors read "A ou B"), and its needs to build with a partner (index page).
-- source: mart_town__profile, mart_town_sector__ranking
-- params: $top
select
    p.town_code,
    p.town_label,
    p.departement_code,
    p.region_code,
    p.latitude,
    p.longitude,
    p.population,
    p.is_acv,
    p.is_acv2,
    p.is_pvd,
    p.is_territoire_industrie,
    list(r.sector_label order by r.recommendation_rank)
        filter (where r.recommendation_rank <= $top) as recommended_sectors,
    list(r.tie_group order by r.recommendation_rank)
        filter (where r.recommendation_rank <= $top) as recommended_tie_groups,
    list(r.sector_label order by r.rank) filter (where r.is_partner_need) as partner_sectors
from mart_town__profile as p
left join mart_town_sector__ranking as r using (town_code)
group by all
order by p.town_label, p.town_code
