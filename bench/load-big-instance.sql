-- Item 1, first dataset: one instance with :n releases (psql -v n=10000), bulk-inserted with SQL.
-- Releases are append-only (a trigger refuses UPDATE and DELETE); INSERT is what the API does too.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy,
                       default_strategy_params, last_version)
VALUES ('inst_bench_big', 'default', 'bench-big', 3, 'simulator', '{"start_delay_ms": 0, "ready_delay_ms": 0}', 'rolling',
        '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}', :n);
INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, notes, created_at)
SELECT 'rel_bench_big_' || lpad(v::text, 8, '0'), 'default', 'inst_bench_big', v, 'registry.example/bench/app:' || v,
       '{"LOG_LEVEL": "info", "FEATURE_X": "on"}', md5(v::text), 'bulk-loaded release ' || v,
       now() - make_interval(secs => :n - v)
FROM generate_series(1, :n) AS v;
COMMIT;
ANALYZE instances;
ANALYZE releases;
