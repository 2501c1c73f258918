-- purpose: UAI → commune code from every source that gives one: IPS lycées (latest rentrée per
--          UAI), the apprenticeship-centre catalogue and higher-education sites.
-- grain: one row per UAI
-- upstream: src_ips_lycees, src_apprenticeship_centres, src_esr_implantations

with located as (
    select uai_code, commune_code, 1 as priority, vintage as seen from src_ips_lycees
    union all
    select uai_code, commune_code, 2, vintage from src_apprenticeship_centres
    union all
    select rco_uai_code, coalesce(rco_commune_code, commune_code), 3, vintage from src_apprenticeship_centres
    union all
    select uai_code, commune_code, 4, vintage from src_esr_implantations
)

select uai_code, first(commune_code order by priority, seen desc, commune_code) as commune_code
from located
where uai_code is not null and commune_code is not null
group by uai_code
