-- purpose: the lycées of each town and the sectors they teach (shortlist criterion
--          "partenaires sur place").
-- source: mart_town_lycee_sector__shortlist_partners
select town_code, uai_code, establishment_label, lycee_type_code, is_lycee_des_metiers,
       sector_code, places
from mart_town_lycee_sector__shortlist_partners
order by town_code, uai_code, sector_code
