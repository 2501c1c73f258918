-- purpose: empirical-Bayes rate of x successes in n trials shrunk toward a prior rate with the
--          weight of prior_strength (κ) pseudo-trials: (x + κ·prior) / (n + κ).
-- used by: int_territory__sector_shrunk

create macro shrunk_rate(successes, trials, prior_rate, prior_strength) as
    (successes + prior_strength * prior_rate) / (trials + prior_strength)
