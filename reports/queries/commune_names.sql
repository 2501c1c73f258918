-- purpose: names of every commune, to tell a non-candidate commune from an unknown name.
-- source: int_geo__communes
select commune_code, commune_label, departement_code
from int_geo__communes
order by 1
