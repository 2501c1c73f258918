-- purpose: every candidate town has a complete sector ranking: every sector but 'NC', ranks 1..n,
--          a score and a suggested level.
-- grain: one row per town whose ranking is incomplete
-- upstream: int_towns__candidates, mart_town_sector__ranking, ref_sectors

with expected as (select count(*) as n from ref_sectors where sector_code <> 'NC')

select 'incomplete_ranking' as failure_type,
       format('mart_town_sector__ranking: town {} has {} of {} sectors, ranks up to {}, {} scores '
              || 'and {} suggested levels (every sector but NC, ranked 1..n, expected)',
              t.town_code, count(r.sector_code), expected.n, coalesce(max(r.rank), 0),
              count(r.score), count(r.suggested_level)) as description,
       t.town_code, count(r.sector_code) as sectors, max(r.rank) as max_rank
from int_towns__candidates as t
left join mart_town_sector__ranking as r using (town_code)
cross join expected
group by t.town_code, expected.n
having count(r.sector_code) <> expected.n
    or max(r.rank) <> expected.n
    or count(r.score) <> expected.n
    or count(r.suggested_level) <> expected.n
