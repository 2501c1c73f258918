-- purpose: when the warehouse was built, with which parameters and which source vintages
--          (section Méthode et sources).
-- source: meta_build
select built_at, parameters, vintages
from meta_build
