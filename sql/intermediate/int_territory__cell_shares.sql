-- purpose: the share of each BMO bassin × département cell that falls in each territory (sum of its
--          communes' apportionment weights). A bassin holds its own cells whole.
-- grain: one row per territory × bassin × département
-- upstream: int_territory__communes, int_bmo__apportionment_weights

select
    t.territory_type,
    t.territory_code,
    w.bassin_code,
    w.departement_code,
    sum(w.weight) as share
from int_territory__communes as t
join int_bmo__apportionment_weights as w using (commune_code)
group by all
