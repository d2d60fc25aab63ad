-- The current entries of each list: those of the latest snapshot that carries the list, with the
-- dates the entry was first and last seen across all snapshots. Older snapshots stay in
-- stg_entity_snapshots.
-- grain: one row per entity_id

create or replace view int_entities as
with latest as (
    select
        list_code,
        arg_max(dataset_id, (snapshot_date, dataset_id)) as dataset_id
    from stg_entity_snapshots
    group by list_code
),

history as (
    select
        entity_id,
        min(snapshot_date) as first_seen_on,
        max(snapshot_date) as last_seen_on,
        count(distinct dataset_id) as snapshots
    from stg_entity_snapshots
    group by entity_id
),

final as (
    select
        s.entity_id,
        s.name,
        s.list_code,
        s.countries[1] as country,
        s.listed_on,
        s.federal_register_notice,
        s.source,
        s.fr_citations,
        s.entity_type,
        s.alt_names,
        s.countries,
        s.addresses,
        s.programs,
        s.ended_on,
        s.source_list_url,
        s.remarks,
        h.first_seen_on,
        h.last_seen_on,
        h.snapshots,
        s.snapshot_date as snapshot_on,
        s.dataset_id,
        s.entry_key
    from stg_entity_snapshots as s
    inner join latest as l using (list_code, dataset_id)
    inner join history as h using (entity_id)
)

select * from final
