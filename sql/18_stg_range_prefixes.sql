-- The prefixes of the current published-range files (stg_range_current) that net_range_intervals
-- is flattened from at every ranges ingest: of identical prefixes a specific entry beats a superset
-- one (AWS lists a range under AMAZON and under EC2), one with a region beats one without, then one
-- with a service, then the newer file, then the earlier line.
-- grain: one row per (family, lo, hi)

create or replace view stg_range_prefixes as
with ranked as (
    select
        r.*,
        row_number() over (
            partition by r.family, r.lo, r.hi
            order by r.generic, r.region is null, r.service is null, r.dataset_id desc, r.line
        ) as rank
    from raw_ranges as r
    inner join stg_range_current as c using (dataset_id, family)
),

final as (
    select * exclude (rank)
    from ranked
    where rank = 1
)

select * from final
