-- Each master client's tier: the first band by `priority` with min <= aum < max (empty max =
-- unbounded). A client with no AUM, or none inside any band, gets the lowest tier, flagged.
-- Only the attributes routing and advisor placement read are carried: the wide golden record is
-- copied once, into dim_client (a copy per model was most of the assignment build at 1M).
with

golden as (

    select * from {{ ref('int_clients_golden') }}

),

segmentation_tiers as (

    select * from {{ ref('segmentation_tiers') }}

),

lowest_tier as (

    select tier
    from segmentation_tiers
    order by priority desc, tier asc
    limit 1

),

banded as (

    select
        golden.master_client_id,
        segmentation_tiers.tier

    from golden
    inner join segmentation_tiers
        on
            golden.aum_usd >= segmentation_tiers.min_aum_usd
            and (
                segmentation_tiers.max_aum_usd is null
                or golden.aum_usd < segmentation_tiers.max_aum_usd
            )
    qualify row_number() over (
        partition by golden.master_client_id
        order by segmentation_tiers.priority asc, segmentation_tiers.tier asc
    ) = 1

),

tiered as (

    select
        golden.master_client_id,
        golden.region_key,
        golden.segment_key,
        -- The labels as delivered: the change reasons quote them.
        golden.region_raw as region,
        golden.segment_raw as segment,
        golden.aum_usd,
        golden.advisor_email,
        coalesce(banded.tier, lowest_tier.tier) as tier,
        {{ normalize_label('coalesce(banded.tier, lowest_tier.tier)') }} as tier_key,
        golden.aum_usd is null as is_aum_missing,
        banded.tier is null as is_tier_defaulted

    from golden
    cross join lowest_tier
    left join banded
        on golden.master_client_id = banded.master_client_id

)

select * from tiered
