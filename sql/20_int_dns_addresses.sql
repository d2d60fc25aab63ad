-- The distinct addresses of the DNS data (A/AAAA values) per snapshot date, numbered for
-- net_attribute(): each is judged with the network files nearest to the date it was seen.
-- grain: one row per (address text, observed_on)

create or replace view int_dns_addresses as
with final as (
    select
        row_number() over (order by value, observed_on) as seq,
        value as address,
        observed_on as as_of
    from (
        select distinct
            value,
            observed_on
        from stg_dns_records
        where rtype in ('A', 'AAAA')
    )
)

select * from final
