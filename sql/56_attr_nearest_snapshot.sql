-- The snapshot side of the stored attribution (sql/52) and the nearest-snapshot rule.
-- attr_store_datasets: the (DNS dataset, snapshot date) pairs the store was computed from; loading or
-- dropping a DNS dataset then recomputes only the dates it touches (analyzer/attribution.py). A
-- dataset without records has one row with a null date.
-- attr_entity_snapshots_store: int_entity_dns_snapshots (the timeline's axis), stored with the answers
-- and by the same runs; read it through attr_entity_timeline, whose read of attr_entity_services
-- refuses a stale store.
-- attr_nearest_snapshot(on_date): the loaded DNS snapshot date nearest to on_date (the earlier of two
-- equally near); null when on_date is before the first snapshot (a state never observed) or no DNS
-- snapshot is loaded.
-- grain (attr_store_datasets): one row per (dataset_id, observed_on); (attr_entity_snapshots_store):
-- one row per (entity_id, service, observed_on); (attr_nearest_snapshot): a scalar

create or replace table attr_store_datasets (
    dataset_id  integer not null,
    observed_on date
);

create or replace table attr_entity_snapshots_store as
select * from int_entity_dns_snapshots
limit 0;

create or replace macro attr_nearest_snapshot(on_date) as (
    with snapshots as (
        select distinct observed_on
        from attr_store_datasets
        where observed_on is not null
    ),

    final as (
        select observed_on
        from snapshots
        where cast(on_date as date) >= (select min(observed_on) from snapshots)
        order by abs(date_diff('day', observed_on, cast(on_date as date))), observed_on
        limit 1
    )

    select observed_on from final
);
