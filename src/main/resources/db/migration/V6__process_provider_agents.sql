-- The process provider: host agents that run app processes behind a weighted HTTP router.
-- Desired state lives here (written by runners under their lease epoch); agents act on it and
-- write back what their processes do, so any runner can carry on what another started and an
-- agent that restarts finds its work.

-- One row per agent process. A row whose heartbeat is older than the dead-after window is a dead
-- host: its replicas count as crashed and its endpoints leave every router.
CREATE TABLE agents (
  id            text PRIMARY KEY,
  api_url       text NOT NULL,           -- where runners and other agents call it
  replica_host  text NOT NULL,           -- where its replicas are reachable from other hosts
  dead_after_ms integer NOT NULL,
  started_at    timestamptz NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  stopped_at    timestamptz              -- set on a graceful stop
);

-- One row per process instance: traffic weights, and the lock every fleet change takes.
CREATE TABLE proc_fleets (
  instance_id     text PRIMARY KEY REFERENCES instances(id),
  weights         jsonb NOT NULL DEFAULT '{}',   -- {release_id: percent}; {} = every ready replica serves
  refused_actions bigint NOT NULL DEFAULT 0,     -- changes refused for a stale lease epoch
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE proc_replicas (
  id            text PRIMARY KEY,
  instance_id   text NOT NULL REFERENCES instances(id),
  release_id    text NOT NULL REFERENCES releases(id),
  image         text NOT NULL,
  agent_id      text NOT NULL REFERENCES agents(id),
  deployment_id text,                  -- who asked for it, with which lease epoch
  epoch         bigint,
  created_at    timestamptz NOT NULL,
  -- written by the agent
  port          integer,
  pid           bigint,
  started_at    timestamptz,           -- process spawned
  ready_at      timestamptz,           -- health path answering 2xx (null again when it stops answering)
  failed_at     timestamptz,           -- never became ready: spawn error or exit before ready
  crashed_at    timestamptz,           -- exited after it had been ready
  reason        text,                  -- why it failed or crashed
  -- stop: requested by a runner (stop_at), carried out by the agent (draining_at, stopped_at)
  stop_at       timestamptz,
  stopped_by    text,
  stopped_epoch bigint,
  draining_at   timestamptz,           -- out of every router; in-flight requests finishing
  stopped_at    timestamptz            -- process gone
);
CREATE INDEX proc_replicas_live ON proc_replicas (instance_id, release_id) WHERE stopped_at IS NULL;
CREATE INDEX proc_replicas_by_agent ON proc_replicas (agent_id) WHERE stopped_at IS NULL;

-- Every replica and traffic change with its time, as the simulator keeps it. Append-only.
CREATE TABLE proc_timeline (
  seq           bigserial PRIMARY KEY,
  instance_id   text NOT NULL REFERENCES instances(id),
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind          text NOT NULL,
  replica_id    text,
  release_id    text,
  agent_id      text,
  deployment_id text,
  epoch         bigint,
  detail        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX proc_timeline_by_instance ON proc_timeline (instance_id, seq);

CREATE FUNCTION proc_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the process timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER proc_timeline_append_only BEFORE UPDATE OR DELETE ON proc_timeline
  FOR EACH ROW EXECUTE FUNCTION proc_timeline_is_append_only();

-- Requests and 5xx answers per release, counted by each agent's router and flushed every second:
-- what a canary analysis step reads.
CREATE TABLE proc_traffic (
  instance_id text NOT NULL REFERENCES instances(id),
  release_id  text NOT NULL,
  agent_id    text NOT NULL,
  second      timestamptz NOT NULL,
  requests    bigint NOT NULL,
  errors      bigint NOT NULL,
  PRIMARY KEY (instance_id, release_id, agent_id, second)
);
