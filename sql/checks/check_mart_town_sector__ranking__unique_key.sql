-- purpose: the ranking has one row per town × sector and one sector per rank.
-- grain: one row per duplicated key
-- upstream: mart_town_sector__ranking

select 'duplicated_sector' as failure_type,
       format('mart_town_sector__ranking: {} rows for town {} × sector {} (one expected)',
              count(*), town_code, sector_code) as description,
       town_code, sector_code, null as rank, count(*) as n
from mart_town_sector__ranking group by town_code, sector_code having count(*) > 1
union all
select 'shared_rank',
       format('mart_town_sector__ranking: town {} gives rank {} to {} sectors (one expected)',
              town_code, rank, count(*)),
       town_code, null, rank, count(*)
from mart_town_sector__ranking group by town_code, rank having count(*) > 1
