-- The records of each name from its latest snapshot date: the default answer; older snapshots
-- stay in stg_dns_records (join int_name_chains / int_name_addresses on (name, observed_on) to
-- restrict them to the latest date).
-- grain: one row per stg_dns_records row of a name's latest observed_on

create or replace view int_dns_latest as
with latest as (
    select
        name,
        max(observed_on) as observed_on
    from stg_dns_records
    group by name
),

final as (
    select r.*
    from stg_dns_records as r
    inner join latest as l using (name, observed_on)
)

select * from final
