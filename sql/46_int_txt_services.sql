-- Email sending (SPF) and verification tokens in TXT records.
-- SPF: every include:/redirect= target the record authorises (nested ones followed) that is a
-- provider's sending domain. TXT tokens such as "MS=ms123" or "google-site-verification=..." prove
-- an account at the provider, not use: `verification_only`.
-- grain: one row per (name, observed_on, service, provider_id, evidence target)

create or replace view int_txt_services as
with sending as (
    select
        i.dataset_id,
        i.observed_on,
        i.name,
        'email_sending' as service,
        h.provider_id,
        'customer' as relationship,
        'high' as base_confidence,
        'SPF ' || i.mechanism || ':' || i.target || ' authorises ' || h.provider_id || ' to send mail'
            || case when i.depth > 1 then ' (via ' || array_to_string(i.path[2:-2], ' → ') || ')' else '' end
            || coalesce(' (' || h.pattern_note || ')', '') as reason,
        i.target,
        i.path
    from int_spf_includes as i
    inner join int_host_providers as h
        on h.host = i.target
        and h.service = 'email_sending'
),

tokens as (
    select
        r.dataset_id,
        r.observed_on,
        r.name,
        v.service,
        v.provider_id,
        'verification_only' as relationship,
        'high' as base_confidence,
        'TXT token "' || left(r.value, 60) || '" proves an account at ' || v.provider_id || ', not use' as reason,
        r.value as target,
        cast(null as varchar[]) as path
    from stg_dns_records as r
    inner join catalog_verification as v
        on starts_with(lower(r.value), lower(v.prefix))
    where r.rtype = 'TXT'
),

final as (
    select * from sending
    union all
    select * from tokens
)

select * from final
