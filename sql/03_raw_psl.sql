-- The Public Suffix List as a table (loaded by analyzer/psl.py from the PSL file in use) and
-- registrable_domain(host): eTLD+1, the one implementation (analyzer.domains asks it too).
-- grain (public_suffixes): one row per suffix spelling (a Unicode rule is also stored in punycode);
-- `suffix` without its "*." or "!" marker; when a file lists one suffix twice, the prevailing kind
-- is kept (exception over wildcard over normal, as the algorithm below would choose).

create table if not exists public_suffixes (
    suffix  varchar not null,
    kind    varchar not null,     -- normal | wildcard | exception
    section varchar not null      -- icann | private
);

-- The PSL algorithm (https://github.com/publicsuffix/list/wiki/Format): an exception rule wins and
-- the public suffix is one label shorter; else the longest matching rule, a wildcard counting one
-- label more ("*.ck": the base of a wildcard is itself public, as publicsuffixlist and the PSL
-- linter hold); no match means the last label (the implicit "*" rule). The registrable domain is
-- one label more than the public suffix, null when the host is itself a public suffix.
-- Speed: the host's last k labels (k = 1..7) are looked up with one hash join each, no unnest and
-- no aggregation: on 1 M names 2-3x faster than unnesting every suffix and aggregating, 1.2-1.7x
-- faster than matching distinct 3-label tails (scripts/bench_psl.py times it); analyzer/psl.py
-- refuses a PSL file with a rule deeper than 7 labels.
create or replace macro registrable_domain(host) as (
    with parts as (
        select
            string_split(host, '.') as l,
            len(l) as n
    ),

    suffixes as (
        select
            n,
            l[n] as s1,
            l[n - 1] || '.' || s1 as s2,
            l[n - 2] || '.' || s2 as s3,
            l[n - 3] || '.' || s3 as s4,
            l[n - 4] || '.' || s4 as s5,
            l[n - 5] || '.' || s5 as s6,
            l[n - 6] || '.' || s6 as s7,
            l[n - 7] || '.' || s7 as s8,
            l[n - 8] || '.' || s8 as s9
        from parts
    ),

    public_len as (
        select
            s.*,
            coalesce(
                greatest(
                    case r1.kind when 'exception' then 0 end,
                    case r2.kind when 'exception' then 1 end,
                    case r3.kind when 'exception' then 2 end,
                    case r4.kind when 'exception' then 3 end,
                    case r5.kind when 'exception' then 4 end,
                    case r6.kind when 'exception' then 5 end,
                    case r7.kind when 'exception' then 6 end
                ),
                greatest(
                    1,
                    case r1.kind when 'wildcard' then 2 when 'normal' then 1 end,
                    case r2.kind when 'wildcard' then 3 when 'normal' then 2 end,
                    case r3.kind when 'wildcard' then 4 when 'normal' then 3 end,
                    case r4.kind when 'wildcard' then 5 when 'normal' then 4 end,
                    case r5.kind when 'wildcard' then 6 when 'normal' then 5 end,
                    case r6.kind when 'wildcard' then 7 when 'normal' then 6 end,
                    case r7.kind when 'wildcard' then 8 when 'normal' then 7 end
                )
            ) as k
        from suffixes as s
        left join public_suffixes as r1 on r1.suffix = s.s1
        left join public_suffixes as r2 on r2.suffix = s.s2
        left join public_suffixes as r3 on r3.suffix = s.s3
        left join public_suffixes as r4 on r4.suffix = s.s4
        left join public_suffixes as r5 on r5.suffix = s.s5
        left join public_suffixes as r6 on r6.suffix = s.s6
        left join public_suffixes as r7 on r7.suffix = s.s7
    ),

    final as (
        select
            case k + 1
                when 1 then s1
                when 2 then s2
                when 3 then s3
                when 4 then s4
                when 5 then s5
                when 6 then s6
                when 7 then s7
                when 8 then s8
                when 9 then s9
            end as domain
        from public_len
        where n > k
    )

    select domain from final
);
