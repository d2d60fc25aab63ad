-- Who serves each domain in the DNS and CT data, per service, with relationship, confidence and
-- evidence — before any join to watchlist entities.
-- grain: one row per (domain, service, provider_id, observed_on)

create or replace view attr_domain_services as
with final as (
    select
        domain,
        service,
        provider_id,
        provider_name,
        provider_parent,
        provider_country,
        relationship,
        confidence,
        evidence,
        observed_on
    from int_domain_services
)

select * from final
