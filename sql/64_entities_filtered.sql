-- Table macro entities_filtered(for_list, for_country, name_search): the current watchlist entries
-- (`entities`) of one list code and one country (both case-insensitive), whose name or alias
-- contains `name_search` (already normalised by analyzer.names.normalize_name, so case, accents,
-- punctuation and legal forms do not matter); a null filter keeps everything.
-- grain: one row per entity_id

create or replace macro entities_filtered(for_list, for_country, name_search) as table
with final as (
    select
        e.entity_id,
        e.name,
        e.list_code,
        e.country,
        e.listed_on,
        e.federal_register_notice,
        e.source,
        e.alt_names,
        e.countries,
        e.first_seen_on,
        e.last_seen_on
    from entities as e
    where (for_list is null or upper(e.list_code) = upper(for_list))
        and (for_country is null or list_contains(e.countries, upper(for_country)))
        and (
            name_search is null
            or e.entity_id in (
                select n.entity_id
                from entity_names as n
                where n.normalized like '%' || name_search || '%'
            )
        )
)

select * from final
order by list_code, name, entity_id
