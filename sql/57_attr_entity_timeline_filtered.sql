-- Table macro attr_entity_timeline_filtered(for_list, for_provider_country, for_service, as_of): since
-- when and until when each provider served each listed company, over the snapshots on or before
-- `as_of` (all when null); list code and country compare case-insensitively, as in sql/53.
-- The time axis is the DNS snapshots (attr_entity_snapshots_store, sql/49): per (entity, service),
-- the snapshot dates whose records show the company's names with a record type of that service,
-- plus the dates a provider was seen (a TXT verification token counts for its service).
--   first_seen, last_seen   the first and last snapshot date the provider was seen
--   snapshots_seen          the snapshot dates it was seen on
--   snapshots_total         the snapshot dates of the axis (the company's names observed at all)
--   seen_after_listing      last_seen >= listed_on (null when the entry has no listing date)
--   days_after_listing      last_seen - listed_on in days (negative: last seen before the listing)
--   ongoing                 seen on the latest snapshot date of the axis
--   relationship, confidence  those of the strongest observation over the period (the order of
--                           sql/47: customer, self_hosted, gateway, via_intermediary, other; then
--                           high, medium, low)
-- tls_ca is dated by certificates, not snapshots: first_seen/last_seen are the dates of the latest
-- certificate per domain (observed_on of its rows), snapshots_seen/snapshots_total are null, and it
-- is ongoing when the CA issued the most recent certificate of at least one of the company's domains.
-- grain: one row per (entity_id, service, provider_id)

create or replace macro attr_entity_timeline_filtered(for_list, for_provider_country, for_service, as_of) as table
with observed as (
    select *
    from attr_entity_services
    where (for_list is null or upper(list_code) = upper(for_list))
        and (for_service is null or service = for_service)
        and (as_of is null or observed_on <= as_of)
),

axis as (
    select
        entity_id,
        service,
        observed_on
    from attr_entity_snapshots_store
    where (for_service is null or service = for_service)
        and (as_of is null or observed_on <= as_of)
    union
    select
        entity_id,
        service,
        observed_on
    from observed
    where service <> 'tls_ca'
),

axis_span as (
    select
        entity_id,
        service,
        count(*) as snapshots_total,
        max(observed_on) as latest_snapshot
    from axis
    group by entity_id, service
),

latest_certificates as (
    select
        entity_id,
        domain,
        max(observed_on) as observed_on
    from observed
    where service = 'tls_ca'
    group by entity_id, domain
),

current_cas as (
    select distinct
        o.entity_id,
        o.provider_id
    from observed as o
    inner join latest_certificates as c
        on c.entity_id = o.entity_id
        and c.domain = o.domain
        and c.observed_on = o.observed_on
    where o.service = 'tls_ca'
),

ranked as (
    select
        *,
        row_number() over (
            partition by entity_id, service, provider_id
            order by
                case relationship
                    when 'customer' then 1 when 'self_hosted' then 2 when 'gateway' then 3
                    when 'via_intermediary' then 4 else 5
                end,
                case confidence when 'high' then 1 when 'medium' then 2 else 3 end
        ) as strength_rank
    from observed
),

per_provider as (
    select
        entity_id,
        service,
        provider_id,
        max(entity_name) as entity_name,
        max(list_code) as list_code,
        max(listed_on) as listed_on,
        max(provider_name) as provider_name,
        max(provider_parent) as provider_parent,
        max(provider_country) as provider_country,
        min(observed_on) as first_seen,
        max(observed_on) as last_seen,
        count(distinct observed_on) as snapshots_seen,
        max(case when strength_rank = 1 then relationship end) as relationship,
        max(case when strength_rank = 1 then confidence end) as confidence
    from ranked
    group by entity_id, service, provider_id
),

final as (
    select
        p.entity_id,
        p.entity_name,
        p.list_code,
        p.listed_on,
        p.service,
        p.provider_id,
        p.provider_name,
        p.provider_parent,
        p.provider_country,
        p.first_seen,
        p.last_seen,
        case when p.service <> 'tls_ca' then p.snapshots_seen end as snapshots_seen,
        a.snapshots_total,
        p.last_seen >= p.listed_on as seen_after_listing,
        date_diff('day', p.listed_on, p.last_seen) as days_after_listing,
        case
            when p.service = 'tls_ca' then c.entity_id is not null
            else p.last_seen = a.latest_snapshot
        end as ongoing,
        p.relationship,
        p.confidence
    from per_provider as p
    left join axis_span as a
        on a.entity_id = p.entity_id
        and a.service = p.service
        and p.service <> 'tls_ca'
    left join current_cas as c
        on c.entity_id = p.entity_id
        and c.provider_id = p.provider_id
        and p.service = 'tls_ca'
    where for_provider_country is null or upper(p.provider_country) = upper(for_provider_country)
)

select * from final
order by entity_name, entity_id, service, provider_parent, provider_id
