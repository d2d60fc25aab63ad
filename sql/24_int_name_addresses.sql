-- The addresses each name resolves to on each snapshot date: its own A/AAAA records (hops = []),
-- else those of the final name of its CNAME chain (hops = the CNAME targets in order).
-- A name with a CNAME uses the chain only (RFC 1034: a CNAME owner has no other data).
-- A chain that int_name_chains continued in another snapshot takes its final name's addresses from
-- that snapshot: `resolved_on` is the date of the address records (observed_on otherwise),
-- `crossed_at` the name looked up there, and the address is judged with that date's network files.
-- grain: one row per (name, observed_on, address)

create or replace view int_name_addresses as
with addresses as (
    select
        name,
        observed_on,
        value as address,
        family,
        dataset_id
    from stg_dns_records
    where rtype in ('A', 'AAAA')
),

direct as (
    select
        a.name,
        a.observed_on,
        a.address,
        a.family,
        []::varchar[] as hops,
        a.name as final_name,
        a.dataset_id,
        a.observed_on as resolved_on,
        cast(null as varchar) as crossed_at
    from addresses as a
    anti join stg_dns_cnames as c
        on c.name = a.name
        and c.observed_on = a.observed_on
),

chained as (
    select
        ch.name,
        ch.observed_on,
        a.address,
        a.family,
        ch.hops,
        ch.final_name,
        a.dataset_id,
        ch.resolved_on,
        ch.crossed_at
    from int_name_chains as ch
    inner join addresses as a
        on a.name = ch.final_name
        and a.observed_on = ch.resolved_on
    where ch.status = 'ok'
),

unioned as (
    select * from direct
    union all
    select * from chained
),

final as (
    select *
    from unioned
    qualify row_number() over (
        partition by name, observed_on, address
        order by dataset_id desc
    ) = 1
)

select * from final
