-- The "Google serves 9, Amazon 7, Microsoft 4" table: per provider parent and service, how many
-- distinct listed companies it serves, on each company's latest snapshot.
-- grain: one row per (provider_parent, service)

create or replace view attr_provider_summary as
with latest as (
    select *
    from attr_entity_services
    qualify observed_on = max(observed_on) over (partition by entity_id, domain, service)
),

final as (
    select
        provider_parent,
        service,
        count(distinct entity_id) as entities,
        list(distinct entity_name order by entity_name) as entity_names,
        list(distinct provider_id order by provider_id) as provider_ids,
        any_value(provider_country) as provider_country,
        count(distinct entity_id) filter (where relationship in ('customer', 'self_hosted')) as entities_direct,
        count(distinct entity_id) filter (where confidence = 'high') as entities_high_confidence
    from latest
    group by provider_parent, service
)

select * from final
order by entities desc, provider_parent, service
