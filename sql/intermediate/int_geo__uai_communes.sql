-- purpose: UAI → commune code from every source that gives one, in this order: IPS lycées (latest
--          rentrée per UAI), the apprenticeship-centre catalogue (the centre's UAI, then its RCO
--          UAI) and higher-education sites. Codes as published (re-based downstream).
-- grain: one row per UAI
-- upstream: stg_education__lycee_communes, stg_mna__apprenticeship_centre_uais, stg_esr__implantations

with located as (
    select uai_code, commune_code, 1 as priority, vintage as seen from stg_education__lycee_communes
    union all
    select uai_code, commune_code, 2, vintage from stg_mna__apprenticeship_centre_uais
    union all
    select rco_uai_code, coalesce(rco_commune_code, commune_code), 3, vintage
    from stg_mna__apprenticeship_centre_uais
    union all
    select uai_code, commune_code, 4, vintage from stg_esr__implantations
)

select uai_code, first(commune_code order by priority, seen desc, commune_code) as commune_code
from located
where uai_code is not null and commune_code is not null
group by uai_code
