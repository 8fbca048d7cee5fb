-- Latency per release as the routers measured it: counts per bucket (see TrafficSample.BUCKETS_MS,
-- the last element counts answers slower than every bound).
ALTER TABLE proc_traffic ADD COLUMN latency_buckets bigint[] NOT NULL DEFAULT '{0,0,0,0,0,0,0,0,0,0,0,0}';

-- The evidence of every analysis: one row per measurement, written by lifecycle/AnalysisRecords
-- only (with its deploy.analysis event, in one transaction).
CREATE TABLE analysis_measurements (
  id             bigserial PRIMARY KEY,
  deployment_id  text NOT NULL REFERENCES deployments(id),
  step           int NOT NULL,
  metric         text NOT NULL,
  seq            int NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  window_seconds int NOT NULL,
  measure        text NOT NULL,
  value          double precision,
  stable_value   double precision,
  limit_value    double precision,
  condition      text NOT NULL,
  verdict        text NOT NULL CHECK (verdict IN ('successful', 'failed', 'inconclusive')),
  sample_size    bigint,
  message        text NOT NULL,
  UNIQUE (deployment_id, step, metric, seq)
);
