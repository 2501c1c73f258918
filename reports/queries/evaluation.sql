-- purpose: how far the sector diagnostic can be trusted — split-half reliability, refresh
--          stability, forecast skill, convergent validity — with targets (section Méthode).
-- source: mart_diagnostic__evaluation
select family, metric, comparison, value, target, count
from mart_diagnostic__evaluation
order by family, metric, comparison
