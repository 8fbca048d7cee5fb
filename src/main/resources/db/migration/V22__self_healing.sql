-- Self-healing (issue 16): how long a crashed or failed replica of an instance's current release
-- may stay down, outside deployments, before the runners replace it.
ALTER TABLE instances ADD COLUMN heal_after_seconds integer NOT NULL DEFAULT 10
  CHECK (heal_after_seconds BETWEEN 1 AND 3600);

-- The one healer lease of the runner set: whoever holds it reconciles every instance outside its
-- deployments. The epoch grows whenever the lease changes hands; a heal change to a fleet and a
-- write of the heal state only go through while the lease is still at the epoch they were made at.
CREATE TABLE heal_leases (
  name        text PRIMARY KEY,
  holder      text NOT NULL,
  epoch       bigint NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- An instance the healer is looking after: degraded (a replica down, being replaced) or
-- crash_looping (replicas crashing in a row, replaced with a growing delay), with the reason; the
-- count of crashes in a row drives the backoff. No row (or a null status): nothing to heal.
CREATE TABLE instance_heal (
  instance_id       text PRIMARY KEY REFERENCES instances(id),
  status            text CHECK (status IN ('degraded', 'crash_looping')),
  reason            text,
  since             timestamptz,
  crashes           integer NOT NULL DEFAULT 0,
  replacements      bigint NOT NULL DEFAULT 0,
  last_replaced_at  timestamptz,
  next_attempt_at   timestamptz
);

-- Every replacement the healer made: when, of which release, how many replicas were down, the
-- crash count it was made at, and the lease epoch.
CREATE TABLE heal_log (
  id           bigserial PRIMARY KEY,
  instance_id  text NOT NULL REFERENCES instances(id),
  release_id   text NOT NULL REFERENCES releases(id),
  at           timestamptz NOT NULL DEFAULT now(),
  replaced     integer NOT NULL,
  crashes      integer NOT NULL,
  epoch        bigint NOT NULL
);
CREATE INDEX heal_log_by_instance ON heal_log (instance_id, at);
