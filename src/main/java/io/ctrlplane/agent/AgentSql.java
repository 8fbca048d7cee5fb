package io.ctrlplane.agent;

/** The agent's SQL: its registration, the replicas it owns, and what it writes back about them. */
final class AgentSql {
  private AgentSql() {}

  static final String REGISTER =
      "INSERT INTO agents (id, api_url, replica_host, dead_after_ms, engine, started_at, heartbeat_at) "
          + "VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp()) ON CONFLICT (id) DO UPDATE SET "
          + "api_url = $2, replica_host = $3, dead_after_ms = $4, engine = $5, started_at = clock_timestamp(), "
          + "heartbeat_at = clock_timestamp(), stopped_at = NULL";

  static final String HEARTBEAT =
      "UPDATE agents SET heartbeat_at = clock_timestamp() WHERE id = $1";

  static final String DEREGISTER = "UPDATE agents SET stopped_at = clock_timestamp() WHERE id = $1";

  /**
   * Everything the agent needs about its replicas not yet stopped ($1 agent): the release's image,
   * env and sealed secret_env, the instance's tenant and config, and whether a stop is due.
   */
  static final String MINE =
      "SELECT r.id, r.instance_id, r.release_id, r.image, r.started_at, r.failed_at, "
          + "r.crashed_at, r.draining_at, (r.stop_at IS NOT NULL AND r.stop_at <= clock_timestamp()) AS stop_due, "
          + "r.container_id, r.port, r.pid, r.ready_at, rel.env, i.tenant_id, i.provider, i.provider_config, "
          + "(SELECT coalesce(jsonb_object_agg(s.name, s.ciphertext), '{}') FROM release_secrets s "
          + "WHERE s.release_id = r.release_id) AS secrets "
          + "FROM proc_replicas r JOIN releases rel ON rel.id = r.release_id "
          + "JOIN instances i ON i.id = r.instance_id WHERE r.agent_id = $1 AND r.stopped_at IS NULL ORDER BY r.created_at";

  /**
   * Writes one fact about a replica and its timeline entry ($1 replica, $2 kind, $3 detail, $4
   * agent).
   */
  private static final String EVENT =
      "INSERT INTO proc_timeline (instance_id, kind, replica_id, release_id, agent_id, detail) "
          + "SELECT instance_id, $2, id, release_id, $4, $3 FROM u";

  static final String STARTED =
      "WITH u AS (UPDATE proc_replicas SET started_at = clock_timestamp(), port = $5, pid = $6 "
          + "WHERE id = $1 RETURNING *) "
          + EVENT;

  static final String CONTAINER_STARTED =
      "WITH u AS (UPDATE proc_replicas SET started_at = clock_timestamp(), port = $5, "
          + "container_id = $6, image_id = $7, engine_state = 'running' WHERE id = $1 RETURNING *) "
          + EVENT;

  /** What the engine says of a replica's container now ($1 replica, $2 state). */
  static final String ENGINE_STATE = "UPDATE proc_replicas SET engine_state = $2 WHERE id = $1";

  static final String READY =
      "WITH u AS (UPDATE proc_replicas SET ready_at = clock_timestamp() "
          + "WHERE id = $1 AND ready_at IS NULL RETURNING *) "
          + EVENT;

  static final String UNREADY =
      "WITH u AS (UPDATE proc_replicas SET ready_at = NULL "
          + "WHERE id = $1 AND ready_at IS NOT NULL RETURNING *) "
          + EVENT;

  static final String FAILED =
      "WITH u AS (UPDATE proc_replicas SET failed_at = clock_timestamp(), ready_at = NULL, "
          + "engine_state = CASE WHEN container_id IS NULL THEN NULL ELSE 'exited' END, "
          + "reason = $5 WHERE id = $1 AND failed_at IS NULL AND crashed_at IS NULL RETURNING *) "
          + EVENT;

  static final String CRASHED =
      "WITH u AS (UPDATE proc_replicas SET crashed_at = clock_timestamp(), ready_at = NULL, "
          + "engine_state = CASE WHEN container_id IS NULL THEN NULL ELSE 'exited' END, "
          + "reason = $5 WHERE id = $1 AND failed_at IS NULL AND crashed_at IS NULL RETURNING *) "
          + EVENT;

  static final String DRAINING =
      "WITH u AS (UPDATE proc_replicas SET draining_at = clock_timestamp(), ready_at = NULL "
          + "WHERE id = $1 AND draining_at IS NULL RETURNING *) "
          + EVENT;

  static final String STOPPED =
      "WITH u AS (UPDATE proc_replicas SET stopped_at = clock_timestamp(), ready_at = NULL, "
          + "engine_state = CASE WHEN container_id IS NULL THEN NULL ELSE 'removed' END, "
          + "stop_at = coalesce(stop_at, clock_timestamp()) WHERE id = $1 AND stopped_at IS NULL RETURNING *) "
          + EVENT;
}
