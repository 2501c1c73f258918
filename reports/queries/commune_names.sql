-- purpose: names of every commune, to tell a non-candidate commune from an unknown name.
-- source: mart_commune__names
select commune_code, commune_label, departement_code
from mart_commune__names
order by 1
