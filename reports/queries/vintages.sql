-- purpose: which vintage of each source the build read (is_selected) and which other ingested
--          vintages it left aside (section Méthode et sources).
-- source: ref_vintages
select dataset, vintage, preference, period, is_ingested, is_selected
from ref_vintages
order by dataset, preference, vintage
