-- purpose: when the warehouse was built and with which parameters (the shortlist's methodology
--          and workbook properties).
-- source: meta_build
select cast(built_at as varchar) as built_at, parameters
from meta_build
order by built_at desc
limit 1
