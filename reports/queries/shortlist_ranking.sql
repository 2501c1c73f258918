-- purpose: the sectors the diagnostic recommends to each town (deliverable by the operator, with
--          a market that feeds a cohort), in their recommendation order (shortlist criterion
--          "besoins en compétences").
-- source: mart_town_sector__ranking
select town_code, sector_code, sector_label, recommendation_rank as rank, score
from mart_town_sector__ranking
where recommendation_rank is not null
order by town_code, rank
