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

-- The provider timelines stay append-only, except for retention's pruning: a transaction that set
-- ctrlplane.retention = 'on' (SET LOCAL, store.Retention) may delete rows; nothing may update them.
CREATE OR REPLACE FUNCTION sim_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ctrlplane.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the simulator timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE OR REPLACE FUNCTION proc_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ctrlplane.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the process timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE OR REPLACE FUNCTION k8s_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ctrlplane.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the kubernetes timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE INDEX sim_timeline_by_at ON sim_timeline (at);
CREATE INDEX proc_timeline_by_at ON proc_timeline (at);
CREATE INDEX k8s_timeline_by_at ON k8s_timeline (at);
CREATE INDEX proc_traffic_by_second ON proc_traffic (second);
