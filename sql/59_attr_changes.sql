-- Table macro attr_changes(from_date, to_date): what changed between two DNS snapshots (DESIGN.md
-- §4). Each date is resolved to the nearest loaded snapshot (attr_nearest_snapshot, sql/56; a date
-- before the first snapshot is refused: that state was never observed); then every (entity, service,
-- provider) seen on one of the two snapshots and not on the other is a row: `added` when only the
-- later-given `to` snapshot has it, `removed` when only the `from` snapshot does. Unchanged pairs are
-- not listed. tls_ca is left out: certificates are not snapshots (attr_entity_timeline has them).
-- both_observed says whether the company's names had records of that service's types in both
-- snapshots (sql/49): when false, the change may only show what one snapshot did not cover.
-- grain: one row per (entity_id, service, provider_id)

create or replace macro attr_changes(from_date, to_date) as table
with snapshots as (
    select
        attr_nearest_snapshot(from_date) as from_snapshot,
        attr_nearest_snapshot(to_date) as to_snapshot,
        (select min(observed_on) from attr_store_datasets) as first_snapshot
),

checked as (
    select
        from_snapshot,
        to_snapshot,
        case
            when first_snapshot is null
                then error('attr_changes: no DNS snapshot is loaded; load one with `analyzer ingest dns`')
            when from_snapshot is null
                then error('attr_changes: ' || cast(from_date as varchar) || ' is before the first DNS snapshot ('
                    || cast(first_snapshot as varchar) || ')')
            when to_snapshot is null
                then error('attr_changes: ' || cast(to_date as varchar) || ' is before the first DNS snapshot ('
                    || cast(first_snapshot as varchar) || ')')
        end as problem
    from snapshots
),

seen as (
    select distinct
        s.entity_id,
        s.entity_name,
        s.service,
        s.provider_id,
        s.provider_name,
        s.provider_parent,
        s.observed_on = c.from_snapshot as on_from,
        s.observed_on = c.to_snapshot as on_to
    from attr_entity_services as s
    cross join checked as c
    where c.problem is null
        and s.service <> 'tls_ca'
        and s.observed_on in (c.from_snapshot, c.to_snapshot)
),

compared as (
    select
        entity_id,
        service,
        provider_id,
        max(entity_name) as entity_name,
        max(provider_name) as provider_name,
        max(provider_parent) as provider_parent,
        bool_or(on_from) as on_from,
        bool_or(on_to) as on_to
    from seen
    group by entity_id, service, provider_id
),

axis as (
    select
        a.entity_id,
        a.service,
        bool_or(a.observed_on = c.from_snapshot) and bool_or(a.observed_on = c.to_snapshot) as both_observed
    from attr_entity_snapshots_store as a
    cross join checked as c
    where a.observed_on in (c.from_snapshot, c.to_snapshot)
    group by a.entity_id, a.service
),

final as (
    select
        d.entity_id,
        d.entity_name,
        d.service,
        d.provider_id,
        d.provider_name,
        d.provider_parent,
        case when d.on_to then 'added' else 'removed' end as change,
        c.from_snapshot,
        c.to_snapshot,
        coalesce(a.both_observed, false) as both_observed
    from compared as d
    cross join checked as c
    left join axis as a
        on a.entity_id = d.entity_id
        and a.service = d.service
    where d.on_from <> d.on_to
)

select * from final
order by entity_name, entity_id, service, provider_parent, provider_id
