-- purpose: the tables of the warehouse, to say which expected mart an older build lacks.
-- source: the warehouse catalogue (information_schema)
select table_name
from information_schema.tables
order by table_name
