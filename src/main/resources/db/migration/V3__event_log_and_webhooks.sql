-- The replayable event log (a position per outbox row) and webhook subscriptions with their deliveries.

-- outbox.seq is taken when a row is inserted, so a higher seq can commit before a lower one: a reader
-- paging "after seq N" could step over a row that commits later. The relay therefore gives each
-- committed row a position, under an advisory lock, in one transaction at a time; positions become
-- visible in increasing order, so "after position N" never skips anything. Not gap-free.
ALTER TABLE outbox ADD COLUMN position bigint;
CREATE UNIQUE INDEX outbox_position ON outbox (position);
CREATE INDEX outbox_unpositioned ON outbox (seq) WHERE position IS NULL;
CREATE INDEX outbox_unpublished_by_position ON outbox (position)
  WHERE published_at IS NULL AND position IS NOT NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- The last position handed out. A counter rather than max(position): pruning may delete every row.
CREATE TABLE outbox_positions (
  id            integer PRIMARY KEY CHECK (id = 1),
  last_position bigint NOT NULL
);
INSERT INTO outbox_positions (id, last_position) VALUES (1, 0);

CREATE TABLE webhooks (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL UNIQUE,          -- list order
  url         text NOT NULL CHECK (url ~ '^https?://'),      -- the API lowercases the scheme
  event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1),
  secret      text NOT NULL,                      -- HMAC key; the API never returns it after creation
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (subscription, event): the dedupe key of the dispatcher, the visible delivery state, and
-- the dead-letter record once it gives up. Deleting a subscription deletes its deliveries and its secret.
CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  seq              bigserial NOT NULL UNIQUE,
  webhook_id       text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id         text NOT NULL,
  event_type       text NOT NULL,
  instance_id      text NOT NULL,
  body             text NOT NULL,                 -- exactly the bytes that are signed and POSTed
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead_lettered')),
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  next_attempt_at  timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq DESC);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE finished_at IS NOT NULL;
