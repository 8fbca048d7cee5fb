-- Gates (issue 18): freeze windows, with the record of every override.

-- A freeze of one instance (instance_id) or of the whole tenant (instance_id NULL): either a range
-- [starts_at, ends_at) or a weekly window (days, from/to local times, an IANA time zone), never both.
CREATE TABLE freezes (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  instance_id text REFERENCES instances(id),
  starts_at timestamptz,
  ends_at timestamptz,
  weekly jsonb,
  reason text NOT NULL,
  created_by_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  seq bigserial NOT NULL UNIQUE,
  CHECK ((weekly IS NULL) = (starts_at IS NOT NULL AND ends_at IS NOT NULL)),
  CHECK (starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX freezes_by_tenant ON freezes (tenant_id, seq DESC);

-- An admin's override of a freeze (deploy, config release or scale during it): who, why, when.
CREATE TABLE freeze_overrides (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  freeze_id text NOT NULL,
  instance_id text NOT NULL,
  actor_key_id text NOT NULL,
  request_id text NOT NULL,
  action text NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

-- Approvals: the API keys may carry the new scope 'approve'.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
  CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'deploy', 'admin', 'approve']);

-- The step whose approval was requested (deploy.approval_requested written once per gate), and the
-- decision on it (in deployments.promote: {step, approval: approved|rejected, by_key_id, ...}).
ALTER TABLE deployments ADD COLUMN approval_requested_step int;

-- Blocking hooks: an instance's [{on, url, timeout_ms, retries[, secret]}], and every call's outcome.
ALTER TABLE instances ADD COLUMN hooks jsonb NOT NULL DEFAULT '[]';
CREATE TABLE hook_calls (
  id text PRIMARY KEY,
  deployment_id text NOT NULL REFERENCES deployments(id),
  step int NOT NULL,
  point text NOT NULL,
  url text NOT NULL,
  attempt int NOT NULL,
  status_code int,
  outcome text NOT NULL CHECK (outcome IN ('passed', 'failed')),
  error text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hook_calls_by_deployment ON hook_calls (deployment_id, step, attempt);
