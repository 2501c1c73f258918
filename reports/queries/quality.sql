-- purpose: what the warehouse could not place or classify (section Méthode et sources).
-- source: mart_quality__summary
select measure, value, unit
from mart_quality__summary
