-- purpose: the French label and unit of every parameter the build used (section Méthode et
--          sources, table Paramètres du calcul).
-- source: meta_parameters
select name, unit, label_fr
from meta_parameters
