-- Table macro attr_entity_services_filtered(for_list, for_provider_country, for_service, as_of, latest):
-- the rows of attr_entity_services a report shows. A null filter keeps everything; list code and
-- country compare case-insensitively. With `latest`, only the latest observation (on or before
-- `as_of`) per (entity, domain, service) is kept: the state on that date, not everything ever seen.
-- The provider-country filter applies after that choice, so an old provider of that country that
-- was replaced since is not shown as current.
-- grain: one row per (entity_id, domain, service, provider_id, observed_on)

create or replace macro attr_entity_services_filtered(for_list, for_provider_country, for_service, as_of, latest) as table
with filtered as (
    select s.*
    from attr_entity_services as s
    where (for_list is null or upper(s.list_code) = upper(for_list))
        and (for_service is null or s.service = for_service)
        and (as_of is null or s.observed_on <= as_of)
),

current as (
    select *
    from filtered
    qualify not latest or observed_on = max(observed_on) over (partition by entity_id, domain, service)
),

final as (
    select *
    from current
    where for_provider_country is null or upper(provider_country) = upper(for_provider_country)
)

select * from final
