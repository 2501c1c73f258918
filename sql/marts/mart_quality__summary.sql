-- purpose: what the warehouse could not place or classify, counted, for the "Méthode et sources"
--          section of reports (labels in French, as shown there): geography exceptions, unapportioned BMO cells, hiring projects
--          resting on estimated secret cells, unclassified métiers and training rows, unlocated
--          training rows, capacities Affelnet marks as unlimited.
-- grain: one row per quality measure
-- upstream: int_geo__exceptions, int_bmo__unapportioned, int_bmo__cells, int_crosswalk__metier_sector,
--           int_training__offer

select 'géographie : ' || exception as measure, count(*)::double as value, 'communes' as unit
from int_geo__exceptions group by exception
union all
select 'BMO ' || survey_year || ' : projets de recrutement de bassins sans commune rattachée', sum(hiring_projects), 'projets'
from int_bmo__unapportioned group by survey_year
union all
select 'BMO ' || survey_year || ' : part des projets de recrutement estimée (secret statistique)',
       sum(hiring_projects) filter (where is_hiring_estimated) / sum(hiring_projects), 'part'
from int_bmo__cells group by survey_year
union all
select 'métiers sans filière (non classés)', count(*) filter (where is_unmapped), 'métiers'
from int_crosswalk__metier_sector
union all
select 'offre de formation (' || source || ') sans filière', count(*) filter (where is_sector_unmapped), 'lignes'
from int_training__offer group by source
union all
select 'offre de formation (' || source || ') sans commune connue', count(*) filter (where commune_code is null), 'lignes'
from int_training__offer group by source
union all
select 'capacités Affelnet « sans limite » (999)', count(*) filter (where is_capacity_unlimited), 'lignes'
from int_training__offer where source = 'lycee_pro'
