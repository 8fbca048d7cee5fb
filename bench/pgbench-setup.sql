-- The pgbench baseline runs in its own database with Ctrl Plane's schema (copied with pg_dump -s), so
-- its pending deployments are never picked up by a runner. :ninst instances to spread the row locks
-- over, as the API load does. Ids come from a sequence, time-ordered like the API's (a random id would
-- scatter index inserts where the API's append at the right edge).
\set ON_ERROR_STOP on
-- pg_dump -s copies no rows: the tenant every instance belongs to comes first
INSERT INTO tenants (id) VALUES ('default') ON CONFLICT DO NOTHING;
INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy,
                       default_strategy_params)
SELECT 'inst_pgb_' || i, 'default', 'pgb-' || i, 3, 'simulator', '{"start_delay_ms": 0, "ready_delay_ms": 0}', 'rolling',
       '{"max_surge": "25%", "max_unavailable": 0, "min_ready_seconds": 0, "progress_deadline_seconds": 600}'
FROM generate_series(1, :ninst) AS i;
CREATE SEQUENCE bench_ids;
ANALYZE instances;
