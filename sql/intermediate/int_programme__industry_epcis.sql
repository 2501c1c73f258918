-- purpose: Territoires d'industrie at EPCI level: the SIRENs listed in each territory's
--          "EPCI name (SIREN); …" member list.
-- grain: one row per territory × EPCI SIREN
-- upstream: stg_anct__territoires_industrie

select distinct
    programme_code,
    programme_label,
    regexp_extract(trim(item), '\((\d{9})\)\s*$', 1) as epci_siren
from stg_anct__territoires_industrie, unnest(string_split(member_list, ';')) as t(item)
where regexp_extract(trim(item), '\((\d{9})\)\s*$', 1) <> ''
