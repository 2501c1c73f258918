-- purpose: lycées of the latest IPS rentrée with their type (LP, LPO, LEGT) and sector, to find
--          vocational partners in a town.
-- grain: one row per UAI
-- upstream: src_ips_lycees

select uai_code, establishment_label, commune_code, lycee_type_code, sector_label
from src_ips_lycees
where vintage = (select max(vintage) from src_ips_lycees)
