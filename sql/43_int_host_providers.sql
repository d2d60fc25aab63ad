-- Which catalog provider a host name belongs to, per service: CNAME targets, MX and NS hosts and
-- SPF include targets matched against datasets/providers.yaml hostname patterns (a suffix on a
-- label boundary, or a regex). The most specific (longest) suffix wins per (host, service).
-- `pattern_note` says what the evidence must add: a WAF's namespace, a pattern from a peer catalog.
-- A regex is tried only on hosts containing the longest literal its matches must contain
-- (`(^|\.)mxbiz[0-9]*\.qq\.com$` -> ".qq.com"): DuckDB compiles a regex taken from a column once
-- per row, so trying every regex on every host grew with the catalog (20x today's: 7x the cost).
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

-- a regex's skeleton: `\.` kept as a dot; other escapes, wildcard dots, classes and (up to three
-- levels of) groups each replaced by `~`, counted repetitions `{m,n}` by `?`
regex_skeletons as (
    select
        provider_id,
        service,
        pattern,
        relationship,
        source,
        waf,
        regexp_replace(replace(pattern, '\.', chr(1)), '\\.', '~', 'g') as no_escapes,
        -- a counted repetition is marked like `?` (its atom may be optional)
        regexp_replace(regexp_replace(replace(no_escapes, '.', '~'), '\[[^\]]*\]', '~', 'g'), '\{[^}]*\}', '?', 'g')
            as no_classes,
        regexp_replace(regexp_replace(regexp_replace(
            no_classes, '\([^()]*\)', '~', 'g'), '\([^()]*\)', '~', 'g'), '\([^()]*\)', '~', 'g') as no_groups,
        replace(no_groups, chr(1), '.') as skeleton
    from catalog_hostnames
    where match_kind = 'regex'
),

-- the longest literal every match contains: a run of plain characters of the skeleton, less its
-- last one when a `?` or `*` makes that optional; none when the skeleton keeps a `|` (an
-- alternative outside every group) or a group too deep to remove
regexes as (
    select
        provider_id,
        service,
        pattern,
        relationship,
        source,
        waf,
        if(
            contains(skeleton, '|') or contains(skeleton, '(') or contains(skeleton, ')'),
            null,
            nullif(lower(list_filter(
                runs, lambda r: length(r) = list_max(list_transform(runs, lambda x: length(x)))
            )[1]), '')
        ) as literal
    from (
        select
            provider_id,
            service,
            pattern,
            relationship,
            source,
            waf,
            skeleton,
            list_transform(
                regexp_extract_all(skeleton, '[A-Za-z0-9_.-]+[?*]?'),
                lambda r: if(regexp_matches(r, '[?*]$'), left(r, length(r) - 2), r)
            ) as runs
        from regex_skeletons
    )
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
    inner join regexes as c
        on (c.literal is null or contains(h.host, c.literal))
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
