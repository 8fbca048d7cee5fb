-- Item 1, first dataset: one instance with :n releases (psql -v n=10000), bulk-inserted with SQL.
-- Releases are append-only (a trigger refuses UPDATE and DELETE); INSERT is what the API does too.
-- Ids have the API's shape (prefix + 26 base32 characters) and sort BEFORE every id the API makes now,
-- as ids of older rows do (they are time-ordered): ids sorting after new ones would mislead the planner
-- (it once chose a merge join over the whole releases index for GET /v1/deployments/{id} because of that).
-- The instance is inst_00000000000000000000000000 (bench/run.sh's BIG_ID).
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy, default_strategy_params,
                       last_version)
VALUES ('inst_00000000000000000000000000', 'default', 'bench-big', 3, 'simulator', '{"start_delay_ms": 0, "ready_delay_ms": 0}', 'rolling',
        '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}', :n);
INSERT INTO releases (id, tenant_id, instance_id, version, image, env, commit_sha, notes, created_at)
SELECT 'rel_000' || lpad(to_hex(v), 23, '0'), 'default', 'inst_00000000000000000000000000', v, 'registry.example/bench/app:' || v,
       '{"LOG_LEVEL": "info", "FEATURE_X": "on"}', md5(v::text), 'bulk-loaded release ' || v,
       now() - make_interval(secs => :n - v)
FROM generate_series(1, :n) AS v;
COMMIT;
-- vacuum now, so that autovacuum (triggered by this many inserts) does not run during the measurements
VACUUM (ANALYZE) instances;
VACUUM (ANALYZE) releases;
-- and write the loaded pages out now rather than in the checkpoints during the measurements
CHECKPOINT;
