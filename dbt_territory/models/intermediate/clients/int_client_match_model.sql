{{ config(pre_hook="{{ delete_recomputed_run_dates() }}") }}
-- The matcher's parameters, estimated from tonight's records (Fellegi-Sunter), kept per run
-- date so every night's merges can be explained by the model that made them. In two steps,
-- each `er_em_iterations` rounds of expectation-maximisation (unrolled below, each round
-- reading the one before it) over the histogram of the candidate pairs' comparison vectors
-- (int_client_comparison_patterns, a few hundred rows):
--   1. m, P(level | the same company), as Splink learns it: in training sessions, each over
--      the candidate pairs agreeing on one attribute and estimating the others, with u fixed
--      at its random-pair value (int_client_u_probabilities). Two records sharing a postcode
--      are a random pair as far as their names go, so the name's m is learnt there (the
--      location, the attribute the session selects on, sits it out); two with the same AUM to
--      the unit are one for the location (within 1% is not enough: related companies, a
--      group's members, report AUM that close). Not two sharing their exact name: namesakes
--      (the "sato family office" of Tokyo and of Nagoya) are common among them, and the
--      location's m learnt there took a namesake's other city for a duplicate's. Name and
--      parent are learnt in both sessions and take the mean. Pairs whose names differ in a
--      number (never merged) are left out of both steps.
--   2. the share of candidates that match, with m fixed (and u among the candidates beside
--      it): holding m fixed keeps "a match" meaning what step 1 learnt: EM over m, u and the
--      share together can settle on another split of the candidates (e.g. same city or not).
-- The weights are then those of all record pairs, as Splink's: u among all pairs (the
-- candidates' non-matches from step 2 counted in full, the pairs blocking leaves out from the
-- random sample), the prior the matches' odds among all pairs. Among the candidates alone the
-- attributes are not independent (records sharing a postcode have random names, records
-- sharing a name random places), and the candidates' u undervalued a rare agreement: at 1M
-- records F1 0.937 -> 0.983 on the default profile. The name conflict alone (each name has a
-- word the other lacks) is weighed among the candidates: see all_pair_u.
-- m and u are smoothed by one pseudo-count per level. match_weight is log2(m / u); the
-- prior's is its log2 odds, where every candidate pair starts. Var
-- `er_model_parameters_version` (a run date) reuses that night's reviewed parameters instead.
{%- set comparisons = client_comparisons() %}
{%- set sessions = {
    'same_postcode': {'pairs': 'location_level = 7', 'trains': ['name', 'aum', 'parent']},
    'same_aum': {'pairs': 'aum_level = 3', 'trains': ['location', 'name', 'parent']},
} %}
{#- Levels whose u is counted among the candidates, not all pairs (see all_pair_u). #}
{%- set candidate_u_levels = {'name': [2]} %}
{%- set pinned_version = var('er_model_parameters_version') %}
{%- if pinned_version and execute and not is_incremental() %}
    {{ exceptions.raise_compiler_error(
        "er_model_parameters_version=" ~ pinned_version ~ ": the parameters table must exist"
        ~ " (not on a first run or with --full-refresh); estimate a version first") }}
{%- endif %}
{%- set iterations = var('er_em_iterations') | int %}
{%- if iterations < 2 or iterations > 150 %}
    {{ exceptions.raise_compiler_error(
        "er_em_iterations=" ~ iterations ~ ": expected 2 to 150 (the rounds are nested CTEs;"
        ~ " DuckDB's expression depth stops the query between 150 and 200)") }}
{%- endif %}
with

levels as (

    select * from {{ ref('int_client_u_probabilities') }}

),

patterns as (

    -- Pairs whose names differ in a number are never merged: they say nothing about what a
    -- match looks like (fund series "fund iii" / "fund iv" share a postcode and most of a
    -- name, and taught the name's and AUM's m that siblings are duplicates).
    select * from {{ ref('int_client_comparison_patterns') }}
    where not is_number_conflict

),

conflicting_levels as (

    -- Those pairs, non-matches, per attribute and level (for u among all pairs).
    select
        levels.comparison,
        levels.comparison_level,
        sum(conflicts.pair_count) as pair_count

    from {{ ref('int_client_comparison_patterns') }} as conflicts
    inner join {{ ref('int_client_u_probabilities') }} as levels
        on levels.comparison_level = case levels.comparison
            {%- for comparison in comparisons %}
                when '{{ comparison }}' then conflicts.{{ comparison }}_level
            {%- endfor %}
        end
    where conflicts.is_number_conflict
    group by levels.comparison, levels.comparison_level

),

session_attributes as (

    {%- for session, spec in sessions.items() %}
        {%- for comparison in ['prior'] + spec.trains %}
            select
                '{{ session }}' as training_session,
                '{{ comparison }}' as comparison
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

training_patterns as (

    -- Each session's patterns, one row per trained attribute with a known level (+ prior).
    select
        session_attributes.training_session,
        patterns.pattern_id,
        session_attributes.comparison,
        case session_attributes.comparison
            when 'prior' then 0
            {%- for comparison in comparisons %}
                when '{{ comparison }}' then patterns.{{ comparison }}_level
            {%- endfor %}
        end as comparison_level,
        patterns.pair_count

    from patterns
    inner join session_attributes
        on case session_attributes.training_session
            {%- for session, spec in sessions.items() %}
                when '{{ session }}' then patterns.{{ spec.pairs }}
            {%- endfor %}
        end

),

session_pairs as (

    select
        training_session,
        sum(pair_count) as pairs

    from training_patterns
    where comparison = 'prior'
    group by training_session

),

session_levels as (

    select
        session_attributes.training_session,
        levels.comparison,
        levels.comparison_level,
        levels.level_count,
        levels.u_probability,
        coalesce(session_pairs.pairs, 0) as session_pairs

    from session_attributes
    inner join levels
        on session_attributes.comparison = levels.comparison
    left join session_pairs
        on session_attributes.training_session = session_pairs.training_session

),

session_parameters_0 as (

    -- The starting point: the prior at 0.3, closer levels far more likely for a match.
    select
        training_session,
        comparison,
        comparison_level,
        case
            when comparison = 'prior' then 0.3
            else power(4.0, comparison_level) * 3 / (power(4.0, level_count) - 1)
        end as m_probability

    from session_levels

),

{%- for step in range(1, iterations + 1) %}

    session_log_odds_{{ step }} as (

        -- E step: each pattern's log odds of being a match under the previous round's parameters.
        select
            patterns.training_session,
            patterns.pattern_id,
            sum(case
                when patterns.comparison = 'prior'
                    then ln(previous_round.m_probability / (1 - previous_round.m_probability))
                else ln(previous_round.m_probability / levels.u_probability)
            end) as log_odds

        from training_patterns as patterns
        inner join session_parameters_{{ step - 1 }} as previous_round
            on
                patterns.training_session = previous_round.training_session
                and patterns.comparison = previous_round.comparison
                and patterns.comparison_level = previous_round.comparison_level
        inner join levels
            on
                patterns.comparison = levels.comparison
                and patterns.comparison_level = levels.comparison_level
        group by patterns.training_session, patterns.pattern_id

    ),

    session_expected_matches_{{ step }} as (

        select
            patterns.training_session,
            patterns.comparison,
            patterns.comparison_level,
            sum(patterns.pair_count / (1 + exp(-least(greatest(log_odds.log_odds, -700), 700))))
                as expected_pairs

        from training_patterns as patterns
        inner join session_log_odds_{{ step }} as log_odds
            on
                patterns.training_session = log_odds.training_session
                and patterns.pattern_id = log_odds.pattern_id
        group by patterns.training_session, patterns.comparison, patterns.comparison_level

    ),

    session_parameters_{{ step }} as (

        -- M step: m from the expected matches at each level; the session's match share.
        select
            session_levels.training_session,
            session_levels.comparison,
            session_levels.comparison_level,
            case
                when session_levels.comparison = 'prior'
                    then coalesce(least(greatest(
                        expected.expected_pairs / nullif(session_levels.session_pairs, 0),
                        1e-9
                    ), 1 - 1e-9), 0.3)
                else
                    (coalesce(expected.expected_pairs, 0) + 1.0)
                    / (sum(coalesce(expected.expected_pairs, 0)) over (
                        partition by session_levels.training_session, session_levels.comparison
                    ) + session_levels.level_count)
            end as m_probability

        from session_levels
        left join session_expected_matches_{{ step }} as expected
            on
                session_levels.training_session = expected.training_session
                and session_levels.comparison = expected.comparison
                and session_levels.comparison_level = expected.comparison_level

    ),
{%- endfor %}

m_probabilities as (

    -- An attribute trained in several sessions takes the mean of their estimates.
    select
        latest.comparison,
        latest.comparison_level,
        avg(latest.m_probability) as m_probability,
        max(abs(latest.m_probability - previous.m_probability)) as em_last_change

    from session_parameters_{{ iterations }} as latest
    inner join session_parameters_{{ iterations - 1 }} as previous
        on
            latest.training_session = previous.training_session
            and latest.comparison = previous.comparison
            and latest.comparison_level = previous.comparison_level
    where latest.comparison <> 'prior'
    group by latest.comparison, latest.comparison_level

),

pattern_levels as (

    -- Each candidate pattern once per attribute with a known level, and once for the prior.
    select
        patterns.pattern_id,
        levels.comparison,
        levels.comparison_level,
        patterns.pair_count

    from patterns
    inner join levels
        on levels.comparison_level = case levels.comparison
            when 'prior' then 0
            {%- for comparison in comparisons %}
                when '{{ comparison }}' then patterns.{{ comparison }}_level
            {%- endfor %}
        end

),

candidate_pairs as (

    select coalesce(sum(pair_count), 0) as pairs
    from patterns

),

parameters_0 as (

    -- m as the sessions learnt it (fixed from here on: it defines what a match looks like);
    -- u from random pairs and one candidate pair in ten a match, to start from.
    select
        levels.comparison,
        levels.comparison_level,
        case when levels.comparison = 'prior' then 0.1 else m_probabilities.m_probability end
            as m_probability,
        levels.u_probability

    from levels
    left join m_probabilities
        on
            levels.comparison = m_probabilities.comparison
            and levels.comparison_level = m_probabilities.comparison_level

),

{%- for step in range(1, iterations + 1) %}

    log_odds_{{ step }} as (

        select
            pattern_levels.pattern_id,
            sum(case
                when pattern_levels.comparison = 'prior'
                    then ln(previous_round.m_probability / (1 - previous_round.m_probability))
                else ln(previous_round.m_probability / previous_round.u_probability)
            end) as log_odds

        from pattern_levels
        inner join parameters_{{ step - 1 }} as previous_round
            on
                pattern_levels.comparison = previous_round.comparison
                and pattern_levels.comparison_level = previous_round.comparison_level
        group by pattern_levels.pattern_id

    ),

    expected_{{ step }} as (

        select
            pattern_levels.comparison,
            pattern_levels.comparison_level,
            sum(pattern_levels.pair_count / (1 + exp(-least(greatest(log_odds.log_odds, -700), 700))))
                as expected_matches,
            sum(pattern_levels.pair_count / (1 + exp(least(greatest(log_odds.log_odds, -700), 700))))
                as expected_non_matches

        from pattern_levels
        inner join log_odds_{{ step }} as log_odds
            on pattern_levels.pattern_id = log_odds.pattern_id
        group by pattern_levels.comparison, pattern_levels.comparison_level

    ),

    parameters_{{ step }} as (

        -- M step: the share of matches and u among the candidates; m stays.
        select
            previous_round.comparison,
            previous_round.comparison_level,
            case
                when previous_round.comparison = 'prior'
                    then coalesce(least(greatest(
                        expected.expected_matches / nullif(candidate_pairs.pairs, 0), 1e-9
                    ), 1 - 1e-9), 0.1)
                else previous_round.m_probability
            end as m_probability,
            (coalesce(expected.expected_non_matches, 0) + 1.0)
            / (
                sum(coalesce(expected.expected_non_matches, 0)) over (partition by previous_round.comparison)
                + levels.level_count
            ) as u_probability

        from parameters_{{ step - 1 }} as previous_round
        inner join levels
            on
                previous_round.comparison = levels.comparison
                and previous_round.comparison_level = levels.comparison_level
        cross join candidate_pairs
        left join expected_{{ step }} as expected
            on
                previous_round.comparison = expected.comparison
                and previous_round.comparison_level = expected.comparison_level

    ),
{%- endfor %}

all_pairs as (

    select count(*) * (count(*) - 1) / 2.0 as pairs
    from {{ ref('int_clients_profiled') }}

),

non_matches as (

    -- The weights are for the pairs of all records (as Splink's): there, two records are
    -- nearly independent in each attribute, where candidates sharing a postcode (or a name)
    -- are alike in it and no likelier a match. u among all pairs, counted in two strata:
    -- the candidate pairs in full (the non-matches EM found at each level, smoothed as there)
    -- and the pairs blocking leaves out, from the random sample. A sample of a few hundred
    -- thousand pairs cannot see the rare levels (the same name: ~1e-8 of all pairs at 1M
    -- records), which all lie among the candidates.
    select
        levels.comparison,
        levels.comparison_level,
        coalesce(expected.expected_non_matches, 0) + 1.0
        + coalesce(conflicting_levels.pair_count, 0)
        + levels.non_candidate_pair_share * all_pairs.pairs as non_match_pairs

    from levels
    cross join all_pairs
    left join conflicting_levels
        on
            levels.comparison = conflicting_levels.comparison
            and levels.comparison_level = conflicting_levels.comparison_level
    left join expected_{{ iterations }} as expected
        on
            levels.comparison = expected.comparison
            and levels.comparison_level = expected.comparison_level
    where levels.comparison <> 'prior'

),

all_pair_u as (

    -- Except the name conflict (level 2: each name has a word the other lacks, "baker warren"
    -- / "baker morgan"): its u is the candidates' (EM's non-matches among them). Such a pair
    -- shares a distinctive word, rare among all pairs, but among different companies those
    -- sharing a word are not independent of their place (a group's members, partners' firms in
    -- one building): against all pairs the conflict counted the shared word for the pair
    -- (+2.9 bits) and the same postcode again (+15.5). Against the pairs that share a word or
    -- a postcode, a conflict is common and weighs against the pair, as a conflict should.
    select
        non_matches.comparison,
        non_matches.comparison_level,
        case
            {%- for comparison, conflict_levels in candidate_u_levels.items() %}
                when
                    non_matches.comparison = '{{ comparison }}'
                    and non_matches.comparison_level in ({{ conflict_levels | join(', ') }})
                    then candidate_u.u_probability
            {%- endfor %}
            else
                non_matches.non_match_pairs
                / sum(non_matches.non_match_pairs) over (partition by non_matches.comparison)
        end as u_probability

    from non_matches
    inner join parameters_{{ iterations }} as candidate_u
        on
            non_matches.comparison = candidate_u.comparison
            and non_matches.comparison_level = candidate_u.comparison_level

),

final as (

    select
        {{ run_date() }} as run_date,
        latest.comparison,
        latest.comparison_level,
        -- Rounded (16, 10 and 8 decimals, far below any effect on a decision) so that the same
        -- estimate reads the same on every warehouse (u among all pairs goes down to ~1e-12).
        round(cast(all_pair_u.u_probability as double), 16) as u_probability,
        round(cast(levels.u_probability as double), 10) as random_u_probability,
        round(cast(latest.m_probability as double), 10) as m_probability,
        round(cast(case
            when latest.comparison = 'prior'
                -- The matches' odds among all pairs.
                then ln(
                    latest.m_probability * candidate_pairs.pairs
                    / (all_pairs.pairs - latest.m_probability * candidate_pairs.pairs)
                ) / ln(2)
            else ln(latest.m_probability / all_pair_u.u_probability) / ln(2)
        end as double), 8) as match_weight,
        {{ run_date() }} as estimated_on,
        {{ iterations }} as em_iterations,
        -- How far the last round still moved the parameters: ~0 once EM has converged.
        round(cast(greatest(
            abs(latest.m_probability - previous.m_probability),
            coalesce(abs(latest.u_probability - previous.u_probability), 0),
            coalesce(m_probabilities.em_last_change, 0)
        ) as double), 12) as em_last_change,
        candidate_pairs.pairs as candidate_pairs

    from parameters_{{ iterations }} as latest
    inner join levels
        on
            latest.comparison = levels.comparison
            and latest.comparison_level = levels.comparison_level
    inner join parameters_{{ iterations - 1 }} as previous
        on
            latest.comparison = previous.comparison
            and latest.comparison_level = previous.comparison_level
    left join m_probabilities
        on
            latest.comparison = m_probabilities.comparison
            and latest.comparison_level = m_probabilities.comparison_level
    left join all_pair_u
        on
            latest.comparison = all_pair_u.comparison
            and latest.comparison_level = all_pair_u.comparison_level
    cross join candidate_pairs
    cross join all_pairs

)

{%- if pinned_version %}

    -- A reviewed version reused: tonight's rows are that run date's parameters as they were
    -- (estimated_on says which night's records estimated them); the estimate above is not
    -- read, so not run.
    , pinned as (

        select
            {{ run_date() }} as run_date,
            comparison,
            comparison_level,
            u_probability,
            random_u_probability,
            m_probability,
            match_weight,
            estimated_on,
            em_iterations,
            em_last_change,
            candidate_pairs

        from {{ this }}
        where
            run_date = cast('{{ pinned_version }}' as date)
            -- Tonight's rows are deleted before this runs (delete_recomputed_run_dates):
            -- pinning tonight finds none, and assert_match_model_covers_the_run_date fails.
            and run_date <> {{ run_date() }}

    )

    select * from pinned
{%- else %}

    select * from final
{%- endif %}
