-- Runner scale (issue 19): each runner verticle advertises its load here, in the same statement as
-- its lease heartbeat. A runner claims new deployments only while under its own limits
-- (runner.max_active deployments held, a bounded backlog of due moves), so what it leaves is taken
-- by another runner process; this table is what an operator (or a scheduler) reads to see who holds
-- how much. A runner that stops gracefully deletes its row; one killed leaves a row that expires
-- and is removed by the next heartbeat of any runner.
CREATE TABLE runners (
  id             text PRIMARY KEY,          -- the lease owner name (runner-<pid>-<random>)
  max_active     int NOT NULL,              -- runner.max_active
  max_concurrent int NOT NULL,              -- runner.max_concurrent: moves in flight at most
  active         int NOT NULL,              -- deployments held at the last heartbeat
  in_flight      int NOT NULL,              -- moves running at the last heartbeat
  queued         int NOT NULL,              -- moves due and waiting for the dispatcher
  admitting      boolean NOT NULL,          -- whether it claims new deployments now
  started_at     timestamptz NOT NULL DEFAULT now(),
  heartbeat_at   timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
