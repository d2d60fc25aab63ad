-- attr_inputs_fingerprint(): a digest of everything attr_entity_services depends on: the applied
-- sql/ files, the provider catalog and Public Suffix List versions, the CT name-match threshold
-- state, the loaded datasets, the analyst's link/unlink decisions and the session variables that
-- change the answers (ct_max_cert_domains; the cross-snapshot window, dns_chain_window_days()).
-- The stored attribution (sql/52_attr_entity_services.sql) is served only while its fingerprint
-- equals this. With `with_dns := false`, the same digest without
-- the DNS datasets: while that one holds, a DNS dataset loaded or dropped changes only the stored rows
-- of its own snapshot dates (analyzer/attribution.py recomputes just those).
-- grain: a scalar

create or replace macro attr_inputs_fingerprint(with_dns := true) as (
    md5(concat_ws(
        '|',
        (
            select string_agg(key || '=' || value, ',' order by key)
            from analyzer_meta
            where key in ('sql_digest', 'catalog_digest', 'psl_digest', 'ct_match_state')
        ),
        (
            select string_agg(cast(dataset_id as varchar), ',' order by dataset_id)
            from datasets
            where status = 'loaded'
                and (with_dns or kind <> 'dns')
        ),
        (select cast(coalesce(max(decision_id), 0) as varchar) from ct_analyst_decisions),
        coalesce(cast(getvariable('ct_max_cert_domains') as varchar), ''),
        'chain_window_days=' || cast(dns_chain_window_days() as varchar)
    ))
);
