-- Table macro attr_provider_summary_filtered(for_list, for_provider_country, for_service, as_of, latest):
-- the "Google serves 9, Amazon 7, Microsoft 4" table over the rows attr_entity_services_filtered()
-- keeps (same arguments): per provider parent and service, how many distinct listed companies it
-- serves, their names, and how many directly and with high confidence. entities_after_listing: of
-- those, the ones whose observation is dated on or after their listing date (the provider served
-- them after they were listed; on the latest snapshot by default, over every kept row with
-- `latest` false). A provider that stopped before the latest snapshot is in attr_entity_timeline.
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
        count(distinct entity_id) filter (where confidence = 'high') as entities_high_confidence,
        count(distinct entity_id) filter (where observed_on >= listed_on) as entities_after_listing
    from kept
    group by provider_parent, service
)

select * from final
order by entities desc, provider_parent, service
