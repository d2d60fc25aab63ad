-- Provider attribution of every address seen in the DNS data (A/AAAA values): published range
-- (provider, service, region, prefix, file and its date), longest routed prefix with all origin
-- ASNs, the AS organisation and country, the ASN's catalog provider, and the confidence.
-- grain: one row per distinct address

create or replace view int_ip_attribution as
with final as (
    select * exclude (seq)
    from net_attribute('int_dns_addresses')
)

select * from final
