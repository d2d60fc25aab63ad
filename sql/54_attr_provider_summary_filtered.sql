-- Table macro attr_provider_summary_filtered(for_list, for_provider_country, for_service, as_of, latest):
-- the "Google serves 9, Amazon 7, Microsoft 4" table over the rows attr_entity_services_filtered()
-- keeps (same arguments): per provider parent and service, how many distinct listed companies it
-- serves, their names, and how many directly and with high confidence.
-- grain: one row per (provider_parent, service)

create or replace macro attr_provider_summary_filtered(for_list, for_provider_country, for_service, as_of, latest) as table
with kept as (
    select *
    from attr_entity_services_filtered(for_list, for_provider_country, for_service, as_of, latest)
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
    from kept
    group by provider_parent, service
)

select * from final
order by entities desc, provider_parent, service
