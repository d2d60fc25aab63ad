-- Refresh bookkeeping: what each `analyzer refresh` run did with each file it considered.
-- grain (refresh_log): one row per (run, dataset, file URL) outcome.

create table if not exists refresh_log (
    run_at          timestamp not null,   -- start of the refresh run (UTC)
    source_id       varchar not null,     -- registry id (datasets/sources.yaml)
    url             varchar not null,
    path            varchar,              -- cached file the outcome refers to
    sha256          varchar,
    bytes           bigint,
    snapshot_date   date,
    status          varchar not null,     -- ingested | unchanged | cached_only | held_back | refused | failed
    dataset_id      integer,              -- datasets.dataset_id of the ingest, when one happened
    message         varchar
);
