-- purpose: a commune's accessible supply against the national median: access / median; where the
--          median is 0, any access counts as 10 times the median (ample) and none as 0, so that
--          the thinnest supply is still found where most communes have none.
-- used by: int_town_sector__context

create macro access_ratio(access, national_median) as
    case
        when national_median > 0 then access / national_median
        when access > 0 then 10
        else 0
    end
