-- Provider attribution of every address seen in the DNS data (A/AAAA values) on each snapshot date,
-- with the network files nearest to that date: published range (provider, service, region, prefix,
-- file and its date, every covering range), longest routed prefix with all origin ASNs and their
-- providers, the AS organisation and country, the ASN's catalog provider, and the confidence.
-- grain: one row per (address, observed_on)

create or replace view int_ip_attribution as
with final as (
    select
        * exclude (seq, as_of),
        as_of as observed_on
    from net_attribute('int_dns_addresses')
)

select * from final
