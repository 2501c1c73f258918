-- purpose: lycées of the IPS rentrée chosen in ref_vintages with their type (LP, LPO, LEGT) and sector, to find
--          vocational partners in a town.
-- grain: one row per UAI
-- upstream: src_ips_lycees, ref_vintages

select uai_code, establishment_label, commune_code, lycee_type_code, sector_label
from src_ips_lycees
where vintage in (select vintage from ref_vintages where dataset = 'ips_lycees' and is_selected)
