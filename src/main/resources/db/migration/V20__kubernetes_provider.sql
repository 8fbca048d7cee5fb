-- The kubernetes provider (issue 17). Its desired and observed state live in the cluster (one
-- ReplicaSet per release, Services, the HTTPRoute), not here: PostgreSQL keeps only what the
-- fenced-fleet engine needs around a cluster write (the fleet row every change locks, the count of
-- changes refused for a stale lease epoch) and the timeline of what the provider wrote.
CREATE TABLE k8s_fleets (
  instance_id     text PRIMARY KEY REFERENCES instances(id),
  weights         jsonb NOT NULL DEFAULT '{}',   -- unused: the weights are the cluster's (Service, HTTPRoute)
  refused_actions bigint NOT NULL DEFAULT 0,     -- changes refused for a stale lease epoch
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE k8s_timeline (
  seq           bigserial PRIMARY KEY,
  instance_id   text NOT NULL REFERENCES instances(id),
  at            timestamptz NOT NULL,
  kind          text NOT NULL,                 -- replicaset.created, replicaset.scaled, secret.created, ...
  replica_id    text,
  release_id    text,
  deployment_id text,
  epoch         bigint,
  detail        jsonb NOT NULL DEFAULT '{}'    -- object kind, namespace, name, replicas, weights; never a value of the env
);
CREATE INDEX k8s_timeline_by_instance ON k8s_timeline (instance_id, seq);

CREATE FUNCTION k8s_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the kubernetes timeline is append-only (% on seq %)', TG_OP, OLD.seq
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER k8s_timeline_append_only BEFORE UPDATE OR DELETE ON k8s_timeline
  FOR EACH ROW EXECUTE FUNCTION k8s_timeline_is_append_only();
