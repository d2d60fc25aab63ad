-- The date window in which each routing table (pfx2as / pyasn / ip2asn) is the one to use, per
-- address family: an observation on date D uses the latest table dated on or before D that covers
-- its family, else the earliest after D; of two tables with the same date the later loaded one.
-- grain: one row per (dataset_id, family) in effect on at least one date

create or replace view stg_route_windows as
with files as (
    select
        f.dataset_id,
        f.family,
        d.kind,
        d.format,
        d.source,
        d.snapshot_date,
        f.rows
    from net_dataset_families as f
    inner join datasets as d using (dataset_id)
    where d.kind in ('pfx2as', 'ip2asn')
        and d.status = 'loaded'
),

dated as (
    select *
    from files
    qualify row_number() over (partition by family, snapshot_date order by dataset_id desc) = 1
),

windowed as (
    select
        *,
        row_number() over (partition by family order by snapshot_date nulls first) as position,
        lead(snapshot_date) over (partition by family order by snapshot_date nulls first) as next_date
    from dated
),

final as (
    select
        dataset_id,
        family,
        kind,
        format,
        source,
        snapshot_date,
        rows,
        case when position = 1 then date '0001-01-01' else snapshot_date end as valid_from,
        coalesce(next_date, date '9999-12-31') as valid_to
    from windowed
)

select * from final
