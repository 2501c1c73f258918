-- purpose: possible partners of a training centre in each candidate town: the sites of the town
--          commune that offer vocational lycée training (Affelnet entry capacities, source
--          lycee_pro of the unified offer), by sector, with the lycée's name, type (LP, LPO,
--          LEGT) and whether it carries the "lycée des métiers" label. The shortlist matches these
--          sectors against the town's recommended sectors. Sites missing from the IPS lycée list
--          (agricultural and some private lycées) keep a NULL name and type.
-- grain: one row per town × UAI × sector
-- upstream: int_towns__candidates, int_training__offer, stg_education__lycees

select
    t.town_code,
    o.uai_code,
    l.establishment_label,
    l.lycee_type_code,
    l.school_status,
    coalesce(l.establishment_label ilike '%lycee des metiers%', false) as is_lycee_des_metiers,
    o.sector_code,
    sum(o.places) as places
from int_towns__candidates as t
join int_training__offer as o on o.commune_code = t.town_code and o.source = 'lycee_pro'
left join stg_education__lycees as l using (uai_code)
group by all
