-- Item 1, second dataset: :ninst more instances with :nrel releases each (psql -v ninst=999 -v nrel=991),
-- which with the big instance makes 1 000 instances and 1 000 009 releases. Inserted version-major, so
-- each instance's releases are spread over the whole table as they would be after years of deploys.
-- Ids as in load-big-instance.sql: the API's shape, time-ordered, older than anything the API makes.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy, default_strategy_params,
                       last_version)
SELECT 'inst_001' || lpad(to_hex(i), 23, '0'), 'default', 'bench-' || i, 3, 'simulator',
       '{"start_delay_ms": 0, "ready_delay_ms": 0}', 'rolling',
       '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}', :nrel
FROM generate_series(1, :ninst) AS i;
INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, notes, created_at)
SELECT 'rel_001' || lpad(to_hex(v * 1000 + i), 23, '0'), 'default', 'inst_001' || lpad(to_hex(i), 23, '0'),
       v, 'registry.example/bench/app-' || i || ':' || v, '{"LOG_LEVEL": "info", "FEATURE_X": "on"}',
       md5(i::text || '/' || v::text), 'bulk-loaded release ' || v,
       now() - make_interval(mins => :nrel - v)
FROM generate_series(1, :nrel) AS v, generate_series(1, :ninst) AS i
ORDER BY v, i;
COMMIT;
-- vacuum now, so that autovacuum (triggered by this many inserts) does not run during the measurements
VACUUM (ANALYZE) instances;
VACUUM (ANALYZE) releases;
-- and write the loaded pages out now rather than in the checkpoints during the measurements
CHECKPOINT;
