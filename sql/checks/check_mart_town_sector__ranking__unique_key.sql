-- purpose: the ranking has one row per town × sector and one sector per rank.
-- grain: one row per duplicated key
-- upstream: mart_town_sector__ranking

select town_code, sector_code, null as rank, count(*) as n
from mart_town_sector__ranking group by town_code, sector_code having count(*) > 1
union all
select town_code, null, rank, count(*)
from mart_town_sector__ranking group by town_code, rank having count(*) > 1
