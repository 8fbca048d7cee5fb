-- A background analysis that ended inconclusive and was accepted by a promote: it measures no more
-- for the rest of the deployment (written by lifecycle/Checkpoints only).
ALTER TABLE deployments ADD COLUMN background_accepted boolean NOT NULL DEFAULT false;
