-- Strategy execution: control flags and the revert state of deployments, degraded instances, and
-- the simulator provider's fleet (replicas, traffic, an append-only timeline) kept in PostgreSQL so
-- that any runner can carry on what another started.

ALTER TABLE deployments
  ADD COLUMN paused            boolean NOT NULL DEFAULT false,  -- manual pause (POST .../pause)
  ADD COLUMN promote           jsonb,                           -- {"step": k, "full": bool} until consumed
  ADD COLUMN abort_state       text CHECK (abort_state IN ('failed', 'cancelled')), -- set: reverting
  ADD COLUMN abort_reason      text,
  ADD COLUMN revert_checkpoint integer NOT NULL DEFAULT 0,
  ADD COLUMN step_started_at   timestamptz;                     -- the progress deadline counts from here

-- What GET /v1/deployments/{id} shows until a runner picks the deployment up.
ALTER TABLE deployments ALTER COLUMN progress SET DEFAULT
  '{"phase": "queued", "blocked_on": "queue", "message": "waiting for a runner and for earlier deployments of this instance"}';

ALTER TABLE instances
  ADD COLUMN degraded_reason text,      -- set when a revert failed; cleared by the next success
  ADD COLUMN degraded_at     timestamptz;

-- One row per simulated instance: its traffic weights, and the lock every fleet change takes, so
-- changes to one fleet are serial and the timeline's order is their order.
CREATE TABLE sim_fleets (
  instance_id     text PRIMARY KEY REFERENCES instances(id),
  weights         jsonb NOT NULL DEFAULT '{}',   -- {release_id: percent}; {} = every ready replica serves
  refused_actions bigint NOT NULL DEFAULT 0,     -- actions refused for a stale lease epoch
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Simulated replicas. Their life is decided when they are created, from the instance's
-- provider_config: the timestamps below say when each one starts, fails, becomes ready or crashes;
-- its status at any moment is read off them.
CREATE TABLE sim_replicas (
  id            text PRIMARY KEY,
  instance_id   text NOT NULL REFERENCES instances(id),
  release_id    text NOT NULL REFERENCES releases(id),
  image         text NOT NULL,
  deployment_id text,                  -- who started it, with which lease epoch
  epoch         bigint,
  created_at    timestamptz NOT NULL,
  started_at    timestamptz,           -- null: never starts (fail_start)
  failed_at     timestamptz,
  ready_at      timestamptz,           -- null: never ready (never_ready)
  crash_at      timestamptz,
  stop_at       timestamptz,           -- null: keeps running; future: scheduled stop
  stopped_by    text,
  stopped_epoch bigint,
  settled       boolean NOT NULL DEFAULT false  -- stopped and its stop is in the timeline
);
CREATE INDEX sim_replicas_live ON sim_replicas (instance_id, release_id) WHERE NOT settled;

-- Every replica and traffic change with its time. Append-only; transitions decided in advance
-- (started, ready, crashed, failed, stopped) are written once their time has come, at that time.
CREATE TABLE sim_timeline (
  seq           bigserial PRIMARY KEY,
  instance_id   text NOT NULL REFERENCES instances(id),
  at            timestamptz NOT NULL,
  kind          text NOT NULL,
  replica_id    text,
  release_id    text,
  deployment_id text,
  epoch         bigint,
  detail        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX sim_timeline_by_instance ON sim_timeline (instance_id, seq);
CREATE UNIQUE INDEX sim_timeline_transition_once ON sim_timeline (replica_id, kind)
  WHERE kind IN ('replica.started', 'replica.ready', 'replica.failed', 'replica.crashed', 'replica.stopped');

CREATE FUNCTION sim_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the simulator timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER sim_timeline_append_only BEFORE UPDATE OR DELETE ON sim_timeline
  FOR EACH ROW EXECUTE FUNCTION sim_timeline_is_append_only();
