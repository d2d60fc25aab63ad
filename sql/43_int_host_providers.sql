-- Which catalog provider a host name belongs to, per service: CNAME targets, MX and NS hosts and
-- SPF include targets matched against datasets/providers.yaml hostname patterns (a suffix on a
-- label boundary, or a regex). The most specific (longest) suffix wins per (host, service).
-- `pattern_note` says what the evidence must add: a WAF's namespace, a pattern from a peer catalog.
-- grain: one row per (host, service)

create or replace view int_host_providers as
with hosts as (
    select distinct unnest(hops) as host from int_name_chains
    union
    select distinct value as host from stg_dns_records where rtype in ('MX', 'NS', 'CNAME')
    union
    select distinct target as host from int_spf_includes
),

suffixes as (
    select
        h.host,
        array_to_string(string_split(h.host, '.')[t.k:], '.') as suffix
    from hosts as h, range(1, len(string_split(h.host, '.')) + 1) as t(k)
),

by_suffix as (
    select
        s.host,
        c.service,
        c.provider_id,
        c.relationship,
        c.pattern,
        c.waf,
        c.source,
        length(c.pattern) as specificity
    from suffixes as s
    inner join catalog_hostnames as c
        on c.match_kind = 'suffix'
        and c.pattern = s.suffix
),

by_regex as (
    select
        h.host,
        c.service,
        c.provider_id,
        c.relationship,
        c.pattern,
        c.waf,
        c.source,
        1000 as specificity
    from hosts as h
    inner join catalog_hostnames as c
        on c.match_kind = 'regex'
        and regexp_matches(h.host, c.pattern)
),

final as (
    select
        host,
        service,
        arg_max(provider_id, specificity) as provider_id,
        arg_max(relationship, specificity) as relationship,
        arg_max(pattern, specificity) as pattern,
        arg_max(waf, specificity) as waf,
        arg_max(source, specificity) as source
    from (select * from by_suffix union all select * from by_regex)
    group by host, service
)

select
    *,
    nullif(concat_ws('; ',
        case when waf then 'a web application firewall' end,
        case when starts_with(source, 'providers.d/peers/')
            then 'pattern from peer catalog ' || source end
    ), '') as pattern_note
from final
