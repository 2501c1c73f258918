-- purpose: a recommended sector is one the operator delivers, readable, with a market that feeds
--          a cohort; its recommendation interval contains its recommendation rank.
-- grain: one row per recommended town × sector that breaks the rule
-- upstream: mart_town_sector__ranking

select town_code, sector_code, recommendation_rank, exclusion_code,
       is_in_operator_catalogue, annual_hiring_projects, minimum_market_projects
from mart_town_sector__ranking
where recommendation_rank is not null
  and (not is_in_operator_catalogue
       or not is_readable
       or annual_hiring_projects < minimum_market_projects
       or exclusion_code is not null
       or not (recommendation_rank_low <= recommendation_rank
               and recommendation_rank <= recommendation_rank_high))
