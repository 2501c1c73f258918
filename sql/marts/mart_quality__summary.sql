-- purpose: what the warehouse could not place or classify, counted, for the "Méthode et sources"
--          section of reports: geography exceptions, unapportioned BMO cells, hiring projects
--          resting on estimated secret cells, unclassified métiers and training rows, unlocated
--          training rows, capacities Affelnet marks as unlimited.
-- grain: one row per quality measure
-- upstream: int_geo__exceptions, int_bmo__unapportioned, int_bmo__cells, int_crosswalk__metier_sector,
--           int_training__offer

select 'geography: ' || exception as measure, count(*)::double as value, 'communes' as unit
from int_geo__exceptions group by exception
union all
select 'BMO ' || survey_year || ': hiring projects in cells without commune', sum(hiring_projects), 'projects'
from int_bmo__unapportioned group by survey_year
union all
select 'BMO ' || survey_year || ': share of hiring projects estimated (secret cells)',
       sum(hiring_projects) filter (where hiring_is_estimated) / sum(hiring_projects), 'share'
from int_bmo__cells group by survey_year
union all
select 'métiers mapped to no sector (non classé)', count(*) filter (where is_unmapped), 'métiers'
from int_crosswalk__metier_sector
union all
select 'training rows of source ' || source || ' without sector', count(*) filter (where is_sector_unmapped), 'rows'
from int_training__offer group by source
union all
select 'training rows of source ' || source || ' without commune', count(*) filter (where commune_code is null), 'rows'
from int_training__offer group by source
union all
select 'Affelnet capacities marked unlimited (999)', count(*) filter (where is_capacity_unlimited), 'rows'
from int_training__offer where source = 'lycee_pro'
