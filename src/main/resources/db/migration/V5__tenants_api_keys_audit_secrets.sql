-- Security: tenants (projects), API keys, the audit trail, who initiated a deployment, and secret
-- configuration encrypted at rest. Everything that existed before belongs to the tenant 'default'.

CREATE TABLE tenants (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id) VALUES ('default');

-- Tenant columns: the default fills existing rows (without rewriting them, so the releases trigger
-- does not fire), then goes, so a write that forgets its tenant fails instead of landing in 'default'.
ALTER TABLE instances ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenants(id);
ALTER TABLE instances ALTER COLUMN tenant_id DROP DEFAULT;
-- instance names are unique per tenant, not globally
ALTER TABLE instances DROP CONSTRAINT instances_name_key;
ALTER TABLE instances ADD CONSTRAINT instances_tenant_name_key UNIQUE (tenant_id, name);
-- the target of the composite keys below: a child row's tenant is its instance's tenant, by constraint
ALTER TABLE instances ADD CONSTRAINT instances_id_tenant_key UNIQUE (id, tenant_id);

ALTER TABLE releases ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE releases ALTER COLUMN tenant_id DROP DEFAULT;
ALTER TABLE releases ADD CONSTRAINT releases_instance_tenant_fk
  FOREIGN KEY (instance_id, tenant_id) REFERENCES instances (id, tenant_id);

ALTER TABLE deployments ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE deployments ALTER COLUMN tenant_id DROP DEFAULT;
ALTER TABLE deployments ADD CONSTRAINT deployments_instance_tenant_fk
  FOREIGN KEY (instance_id, tenant_id) REFERENCES instances (id, tenant_id);
-- who asked for it: the API key's id and name at the time (never its secret); null before V5
ALTER TABLE deployments
  ADD COLUMN initiated_by_key_id   text,
  ADD COLUMN initiated_by_key_name text;
CREATE INDEX deployments_by_tenant ON deployments (tenant_id, id);

ALTER TABLE outbox ADD COLUMN tenant_id text NOT NULL DEFAULT 'default';
ALTER TABLE outbox ALTER COLUMN tenant_id DROP DEFAULT;
ALTER TABLE outbox ADD CONSTRAINT outbox_instance_tenant_fk
  FOREIGN KEY (instance_id, tenant_id) REFERENCES instances (id, tenant_id);
CREATE INDEX outbox_by_tenant_position ON outbox (tenant_id, position) WHERE position IS NOT NULL;

ALTER TABLE webhooks ADD COLUMN tenant_id text NOT NULL DEFAULT 'default' REFERENCES tenants(id);
ALTER TABLE webhooks ALTER COLUMN tenant_id DROP DEFAULT;
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, seq DESC);

CREATE INDEX instances_by_tenant ON instances (tenant_id, id DESC);
CREATE INDEX releases_by_tenant ON releases (tenant_id, id);

-- API keys. Only the SHA-256 of a key is stored (see security/ApiKeyTokens for why that suffices);
-- display_prefix is the first characters, so people can tell their keys apart. Keys are revoked,
-- never deleted, so audit records and deployments keep pointing at something.
CREATE TABLE api_keys (
  id             text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  scopes         text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'deploy', 'admin']),
  key_hash       text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  display_prefix text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_by     text,                    -- the key id that created it; null: the operator CLI
  revoked_at     timestamptz,
  revoked_by     text
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, seq DESC);

-- The audit trail: one row per mutating request. A successful change writes its row in its own
-- transaction; a refused or failed one (no change) writes one afterwards. tenant_id is null only for
-- requests without a valid key (401): they belong to no tenant and are seen by operators, not tenants.
CREATE TABLE audit_log (
  id             text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  at             timestamptz NOT NULL DEFAULT now(),
  tenant_id      text REFERENCES tenants(id),
  actor_key_id   text,
  actor_key_name text,
  action         text NOT NULL,
  resource_id    text,
  request_id     text NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('succeeded', 'replayed', 'refused', 'failed')),
  status         integer NOT NULL
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, seq DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only (%)', TG_OP USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Secret configuration of a release (secret_env), one row per variable, AES-256-GCM sealed by the
-- API (security/Keyring: "v1:<key id>:<nonce+ciphertext+tag>"). This is the only column that holds
-- secret values, and only encrypted. Kept beside releases (which are immutable) so that a key
-- rotation can re-encrypt values without touching a release.
CREATE TABLE release_secrets (
  release_id text NOT NULL REFERENCES releases(id),
  tenant_id  text NOT NULL REFERENCES tenants(id),
  name       text NOT NULL,
  key_id     text NOT NULL,
  ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (release_id, name)
);
CREATE INDEX release_secrets_by_key ON release_secrets (key_id);
