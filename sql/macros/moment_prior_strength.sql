-- purpose: beta-binomial prior strength κ by the method of moments: with p̄ the mean rate and τ²
--          the between-territory variance beyond the binomial one, κ = p̄(1 − p̄) / τ² − 1,
--          clipped to [lowest, highest]; no excess variance (τ² ≤ 0) gives the highest strength.
-- used by: int_bmo__prior_rates

create macro moment_prior_strength(mean_rate, excess_variance, lowest, highest) as
    least(highest, greatest(lowest, case
        when excess_variance > 0 then mean_rate * (1 - mean_rate) / excess_variance - 1
        else highest
    end))
