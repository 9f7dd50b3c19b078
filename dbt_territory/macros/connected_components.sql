{#- Connected components of an undirected graph as a chain of CTEs (no trailing comma):
    `<prefix>_labels_<iterations>` holds (node_id, component_id) for every node that has an
    edge, component_id = the smallest node id of its component. Each round takes the
    smallest label among a node and its neighbours, then jumps to the label's own label
    (pointer jumping), so long chains converge in few rounds. Plain joins and group-bys
    only (a recursive CTE would need UNION, which Snowflake's recursion does not allow);
    the data test `assert_crosswalk_merged_pairs_share_master` proves convergence.
    `edges` is a relation or CTE with columns node_a, node_b. -#}
{% macro connected_components(prefix, edges, iterations=var('er_cluster_iterations')) -%}
{{ prefix }}_arcs as (

    select node_a as node_id, node_b as neighbour_id from {{ edges }}
    union all
    select node_b as node_id, node_a as neighbour_id from {{ edges }}

),

{{ prefix }}_labels_0 as (

    select
        node_id,
        least(node_id, min(neighbour_id)) as component_id

    from {{ prefix }}_arcs
    group by node_id

)
{%- for round in range(1, iterations + 1) %},

{{ prefix }}_spread_{{ round }} as (

    select
        {{ prefix }}_arcs.node_id,
        min(neighbour_labels.component_id) as component_id

    from {{ prefix }}_arcs
    inner join {{ prefix }}_labels_{{ round - 1 }} as neighbour_labels
        on {{ prefix }}_arcs.neighbour_id = neighbour_labels.node_id
    group by {{ prefix }}_arcs.node_id

),

{{ prefix }}_labels_{{ round }} as (

    select
        previous.node_id,
        least(previous.component_id, spread.component_id, coalesce(jumped.component_id, spread.component_id))
            as component_id

    from {{ prefix }}_labels_{{ round - 1 }} as previous
    inner join {{ prefix }}_spread_{{ round }} as spread
        on previous.node_id = spread.node_id
    left join {{ prefix }}_labels_{{ round - 1 }} as jumped
        on spread.component_id = jumped.node_id

)
{%- endfor %}
{%- endmacro %}

{#- After `connected_components(prefix, edges)`: two more CTEs (no trailing comma).
    `<prefix>_conflicts` holds the components that join both ends of a pair in `cut_pairs`
    (columns node_a, node_b: pairs that must stay apart) or that hold more than `max_size`
    nodes; `<prefix>_kept_edges` the edges inside those components that satisfy `keep` (a
    condition on the edges' columns), from which the caller re-clusters them. -#}
{% macro component_conflicts(prefix, edges, cut_pairs, keep, max_size, iterations=var('er_cluster_iterations')) -%}
{%- set labels = prefix ~ '_labels_' ~ iterations -%}
{{ prefix }}_conflicts as (

    select labels_a.component_id

    from {{ cut_pairs }}
    inner join {{ labels }} as labels_a
        on {{ cut_pairs }}.node_a = labels_a.node_id
    inner join {{ labels }} as labels_b
        on {{ cut_pairs }}.node_b = labels_b.node_id
    where labels_a.component_id = labels_b.component_id

    union

    select component_id

    from {{ labels }}
    group by component_id
    having count(*) > {{ max_size }}

),

{{ prefix }}_kept_edges as (

    select {{ edges }}.*

    from {{ edges }}
    inner join {{ labels }} as labels
        on {{ edges }}.node_a = labels.node_id
    inner join {{ prefix }}_conflicts as conflicts
        on labels.component_id = conflicts.component_id
    where {{ keep }}

)
{%- endmacro %}
