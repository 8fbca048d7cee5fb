-- Release phase (issue 18): a one-off command run once per release before any replica of it starts.

-- The instance's argv template (NULL: no release phase) and how long one run may take.
ALTER TABLE instances ADD COLUMN release_command jsonb;
ALTER TABLE instances ADD COLUMN release_timeout_seconds int NOT NULL DEFAULT 300
  CHECK (release_timeout_seconds BETWEEN 1 AND 86400);

-- A rollback's release whose phase was asked for ("run_release_phase": true); rollbacks skip it
-- otherwise.
CREATE TABLE release_phase_requests (
  release_id text PRIMARY KEY REFERENCES releases(id),
  at timestamptz NOT NULL DEFAULT now()
);

-- Every run: which deployment ran it for which release, how it ended, and its output (kept).
CREATE TABLE release_phase_runs (
  id text PRIMARY KEY,
  deployment_id text NOT NULL REFERENCES deployments(id),
  release_id text NOT NULL REFERENCES releases(id),
  argv jsonb NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'interrupted')),
  exit_code int,
  output text NOT NULL DEFAULT '',
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX release_phase_runs_by_deployment ON release_phase_runs (deployment_id, started_at);
CREATE INDEX release_phase_runs_by_release ON release_phase_runs (release_id, outcome);
