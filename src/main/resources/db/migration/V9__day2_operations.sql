-- Day-2 operations (issue 16): config-only releases, and deployments that carry out a change of
-- replica count (scale), a rolling restart or an instance's teardown instead of a new release.

-- What made a release: a deploy (image and configuration given), a rollback (an earlier release's
-- image and configuration) or a config change (the current image, a merged configuration).
-- Adding a column with a constant default rewrites no row, so the append-only trigger does not
-- fire; the backfill of earlier rollbacks is the one sanctioned change to existing releases.
ALTER TABLE releases ADD COLUMN kind text NOT NULL DEFAULT 'deploy'
  CHECK (kind IN ('deploy', 'rollback', 'config'));
ALTER TABLE releases DISABLE TRIGGER releases_append_only;
UPDATE releases SET kind = 'rollback' WHERE rollback_of IS NOT NULL;
ALTER TABLE releases ENABLE TRIGGER releases_append_only;

ALTER TABLE deployments DROP CONSTRAINT deployments_kind_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_kind_check
  CHECK (kind IN ('deploy', 'rollback', 'config', 'scale', 'restart', 'teardown'));

-- DELETE /v1/instances/{id}: deleting_at while its teardown deployment runs (no new deployment is
-- accepted), deleted_at once it succeeded. The row stays, so its releases, deployments, events and
-- audit records keep their references and stay readable by id; the name is free again.
ALTER TABLE instances ADD COLUMN deleting_at timestamptz, ADD COLUMN deleted_at timestamptz;
ALTER TABLE instances DROP CONSTRAINT instances_tenant_name_key;
CREATE UNIQUE INDEX instances_tenant_name_key ON instances (tenant_id, name) WHERE deleted_at IS NULL;
