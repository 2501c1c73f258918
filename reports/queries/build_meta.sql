-- purpose: when the warehouse was built and with which parameters (section Méthode et sources).
-- source: meta_build
select built_at, parameters
from meta_build
