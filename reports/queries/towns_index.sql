-- purpose: every candidate town with its département, population, programmes and three first
--          sectors (index page).
-- source: mart_town__profile, mart_town_sector__ranking
select
    p.town_code,
    p.town_label,
    p.departement_code,
    p.population,
    p.is_acv,
    p.is_pvd,
    p.is_territoire_industrie,
    string_agg(r.sector_label, ' ; ' order by r.rank) filter (where r.rank <= 3) as top_sectors
from mart_town__profile as p
left join mart_town_sector__ranking as r using (town_code)
group by all
order by p.town_label, p.town_code
