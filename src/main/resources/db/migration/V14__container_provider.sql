-- The container provider (issue 14): the same agents, fleets, routers and traffic counts as the
-- process provider, with replicas run as containers through the Docker Engine API. What the engine
-- says about a replica is kept next to what the agent says about a process.
ALTER TABLE proc_replicas
  ADD COLUMN container_id text,         -- the engine's id of the replica's container
  ADD COLUMN image_id     text,         -- the image it runs, as the engine resolved it (sha256:...)
  ADD COLUMN engine_state text;         -- created, running, exited, removed (as last seen)

-- An agent that reached a container engine at start names it here (null: it runs processes only);
-- container replicas are placed on such agents only.
ALTER TABLE agents ADD COLUMN engine text;
