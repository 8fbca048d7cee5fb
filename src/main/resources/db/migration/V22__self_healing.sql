-- Self-healing (issue 16): how long a crashed or failed replica of an instance's current release
-- may stay down, outside deployments, before the runners replace it.
ALTER TABLE instances ADD COLUMN heal_after_seconds integer NOT NULL DEFAULT 10
  CHECK (heal_after_seconds BETWEEN 1 AND 3600);
