-- purpose: the datasets the warehouse read: one view src_<dataset> per dataset (section Méthode
--          et sources, with the raw manifests for vintage, URL, date and sha256).
-- source: the warehouse catalogue (information_schema)
select substr(table_name, 5) as dataset
from information_schema.tables
where table_name like 'src\_%' escape '\'
order by 1
