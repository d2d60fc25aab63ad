-- The domains an SPF record authorises to send mail, following nested include:/redirect= chains
-- through the records of the same snapshot (depth limit 10, loops stopped).
-- grain: one row per (dataset_id, name, observed_on, target, path)

create or replace view int_spf_includes as
with recursive edges as (
    select
        dataset_id,
        observed_on,
        name,
        target,
        mechanism,
        qualifier,
        record
    from int_spf_terms
    where authorises
        and mechanism in ('include', 'redirect')
        and target is not null
),

walk(dataset_id, observed_on, name, target, mechanism, qualifier, path, depth) as (
    select
        dataset_id,
        observed_on,
        name,
        target,
        mechanism,
        qualifier,
        [name, target],
        1
    from edges
    union all
    select
        w.dataset_id,
        w.observed_on,
        w.name,
        e.target,
        e.mechanism,
        e.qualifier,
        list_append(w.path, e.target),
        w.depth + 1
    from walk as w
    inner join edges as e
        on e.name = w.target
        and e.observed_on = w.observed_on
    where w.depth < 10
        and not list_contains(w.path, e.target)
),

final as (
    select distinct
        dataset_id,
        observed_on,
        name,
        target,
        mechanism,
        qualifier,
        path,
        depth
    from walk
)

select * from final
