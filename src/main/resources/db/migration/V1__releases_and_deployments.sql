-- Instances, immutable releases, deployments and the transactional outbox.

CREATE TABLE instances (
  id                      text PRIMARY KEY,
  name                    text NOT NULL UNIQUE,
  replicas                integer NOT NULL CHECK (replicas >= 1),
  provider                text NOT NULL,
  provider_config         jsonb NOT NULL DEFAULT '{}',
  default_strategy        text NOT NULL,
  default_strategy_params jsonb NOT NULL DEFAULT '{}',
  current_release_id      text,
  current_version         integer,
  -- gap-free per-instance counters; the row lock taken by incrementing them serialises writers
  last_version            integer NOT NULL DEFAULT 0,
  last_event_seq          bigint  NOT NULL DEFAULT 0,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE releases (
  id          text PRIMARY KEY,
  instance_id text NOT NULL REFERENCES instances(id),
  version     integer NOT NULL CHECK (version >= 1),
  image       text NOT NULL,
  env         jsonb NOT NULL DEFAULT '{}',
  commit_sha  text,
  notes       text,
  rollback_of text REFERENCES releases(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT releases_version_unique UNIQUE (instance_id, version)
);

ALTER TABLE instances ADD CONSTRAINT instances_current_release_fk
  FOREIGN KEY (current_release_id) REFERENCES releases(id);

-- Releases are append-only: the database refuses to change or delete one.
CREATE FUNCTION releases_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'releases are immutable (% on release %)', TG_OP, OLD.id
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER releases_append_only BEFORE UPDATE OR DELETE ON releases
  FOR EACH ROW EXECUTE FUNCTION releases_are_immutable();

CREATE TABLE deployments (
  id                  text PRIMARY KEY,
  seq                 bigserial NOT NULL UNIQUE,          -- FIFO queue order and list order
  instance_id         text NOT NULL REFERENCES instances(id),
  release_id          text NOT NULL REFERENCES releases(id),
  previous_release_id text REFERENCES releases(id),
  kind                text NOT NULL CHECK (kind IN ('deploy', 'rollback')),
  replaces_deployment_id text REFERENCES deployments(id),  -- for rollbacks: what becomes rolled_back
  strategy            text NOT NULL,
  strategy_params     jsonb NOT NULL DEFAULT '{}',
  state               text NOT NULL CHECK (state IN
                        ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'rolled_back')),
  error               text,
  cancel_requested    boolean NOT NULL DEFAULT false,
  progress            jsonb NOT NULL DEFAULT '{}',
  plan                jsonb,
  checkpoint          integer NOT NULL DEFAULT 0,
  lease_owner         text,
  lease_epoch         bigint NOT NULL DEFAULT 0,
  lease_expires_at    timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  started_at          timestamptz,
  finished_at         timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- At most one running deployment per instance, enforced here rather than hoped for.
CREATE UNIQUE INDEX deployments_one_running_per_instance
  ON deployments (instance_id) WHERE state = 'running';
CREATE INDEX deployments_by_instance ON deployments (instance_id, seq DESC);
CREATE INDEX deployments_runnable ON deployments (seq) WHERE state IN ('pending', 'running');

CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     text NOT NULL UNIQUE,
  instance_id  text NOT NULL REFERENCES instances(id),
  instance_seq bigint NOT NULL,
  type         text NOT NULL,
  event        jsonb NOT NULL,            -- the CloudEvent, exactly as published
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  CONSTRAINT outbox_instance_seq_unique UNIQUE (instance_id, instance_seq)
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE idempotency_keys (
  scope         text NOT NULL,            -- method and path the key was used on
  key           text NOT NULL,
  request_hash  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('in_flight', 'done')),
  status        integer,
  response      jsonb,
  location      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
