-- Item 1, second dataset: :ninst more instances with :nrel releases each (psql -v ninst=999 -v nrel=991),
-- which with the big instance makes 1 000 instances and 1 000 009 releases. Inserted version-major, so
-- each instance's releases are spread over the whole table as they would be after years of deploys.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy,
                       default_strategy_params, last_version)
SELECT 'inst_bench_' || lpad(i::text, 4, '0'), 'default', 'bench-' || i, 3, 'simulator',
       '{"start_delay_ms": 0, "ready_delay_ms": 0}', 'rolling',
       '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}', :nrel
FROM generate_series(1, :ninst) AS i;
INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, notes, created_at)
SELECT 'rel_bench_' || lpad(i::text, 4, '0') || '_' || lpad(v::text, 6, '0'), 'default', 'inst_bench_' || lpad(i::text, 4, '0'),
       v, 'registry.example/bench/app-' || i || ':' || v, '{"LOG_LEVEL": "info", "FEATURE_X": "on"}',
       md5(i::text || '/' || v::text), 'bulk-loaded release ' || v,
       now() - make_interval(mins => :nrel - v)
FROM generate_series(1, :nrel) AS v, generate_series(1, :ninst) AS i
ORDER BY v, i;
COMMIT;
ANALYZE instances;
ANALYZE releases;
