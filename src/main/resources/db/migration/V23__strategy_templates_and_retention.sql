-- Strategy templates (issue 16): a tenant's named strategy + params, resolved when a deploy,
-- rollback or PATCH default_strategy names it. Deployments record the resolved strategy and params,
-- so deleting a template changes no deployment.
CREATE TABLE strategy_templates (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  name text NOT NULL,
  strategy text NOT NULL,
  params jsonb NOT NULL,
  created_by_key_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  seq bigserial NOT NULL UNIQUE,
  CONSTRAINT strategy_templates_tenant_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX strategy_templates_by_tenant ON strategy_templates (tenant_id, seq DESC);

-- Retention (issue 16): per-instance override of retention.days (null: the global setting).
ALTER TABLE instances ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 3650);
