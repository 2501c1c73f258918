-- purpose: a recommended sector is one the operator delivers, readable, with a market that feeds
--          a cohort; its recommendation interval contains its recommendation rank.
-- grain: one row per recommended town × sector that breaks the rule
-- upstream: mart_town_sector__ranking

select
    case when not is_in_operator_catalogue then 'outside_operator_catalogue'
         when not is_readable then 'not_readable'
         when annual_hiring_projects < minimum_market_projects then 'market_too_small'
         when exclusion_code is not null then 'excluded'
         else 'rank_outside_interval' end as failure_type,
    format('mart_town_sector__ranking: town {} × sector {} is recommended (rank {}, interval {}..{}) '
           || 'but catalogue={}, readable={}, {:.0f} hiring projects for a minimum of {:.0f}, '
           || 'exclusion {}', town_code, sector_code, recommendation_rank,
           coalesce(recommendation_rank_low, 0), coalesce(recommendation_rank_high, 0),
           is_in_operator_catalogue, is_readable, cast(annual_hiring_projects as double),
           cast(minimum_market_projects as double),
           coalesce(exclusion_code, 'none')) as description,
    town_code, sector_code, recommendation_rank, exclusion_code,
    is_in_operator_catalogue, annual_hiring_projects, minimum_market_projects
from mart_town_sector__ranking
where recommendation_rank is not null
  and (not is_in_operator_catalogue
       or not is_readable
       or annual_hiring_projects < minimum_market_projects
       or exclusion_code is not null
       or not (recommendation_rank_low <= recommendation_rank
               and recommendation_rank <= recommendation_rank_high))
