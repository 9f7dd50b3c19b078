-- The matcher's learned parameters of every night, for a data steward or an auditor: per
-- attribute and level what agreeing is worth (match_weight = log2(m / u)) and where every
-- candidate pair starts (the prior), with the EM run's iterations and convergence.
select * from {{ ref('int_client_match_model') }}
