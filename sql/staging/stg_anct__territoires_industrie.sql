-- purpose: Territoires d'industrie (2023–2027 wave) at EPCI level: the SIRENs listed in each
--          territory's "EPCI name (SIREN); …" field.
-- grain: one row per territory × EPCI SIREN
-- upstream: src_territoires_industrie, ref_vintages

select distinct
    programme_code,
    programme_label,
    regexp_extract(trim(item), '\((\d{9})\)\s*$', 1) as epci_siren
from src_territoires_industrie, unnest(string_split(member_list, ';')) as t(item)
where vintage in (select vintage from ref_vintages where dataset = 'territoires_industrie' and is_selected)
  and regexp_extract(trim(item), '\((\d{9})\)\s*$', 1) <> ''
