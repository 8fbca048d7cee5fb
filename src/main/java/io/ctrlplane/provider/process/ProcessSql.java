package io.ctrlplane.provider.process;

/**
 * The process provider's own SQL: placement on agents, how the agents' reports read as a fleet, and
 * the routers' traffic counts. The fenced changes' SQL is the engine's ({@code provider/fleet}).
 */
final class ProcessSql {
  private ProcessSql() {}

  /**
   * A replica that will not become ready by waiting: failed, crashed, or on an agent that is gone.
   */
  static final String UNHEALTHY =
      "(r.failed_at IS NOT NULL OR r.crashed_at IS NOT NULL OR NOT (" + AgentClient.LIVE + "))";

  /** Live agents with how many live replicas each runs, of this instance ($1) and in all. */
  static final String PLACEMENT =
      "SELECT a.id, a.api_url, "
          + "(SELECT count(*) FROM proc_replicas r WHERE r.agent_id = a.id AND r.instance_id = $1 AND r.stopped_at IS NULL "
          + "  AND (r.stop_at IS NULL OR r.stop_at > $2)) AS mine, "
          + "(SELECT count(*) FROM proc_replicas r WHERE r.agent_id = a.id AND r.stopped_at IS NULL) AS total "
          + "FROM agents a WHERE "
          + AgentClient.LIVE
          + " AND ($3 IS FALSE OR a.engine IS NOT NULL) ORDER BY a.id";

  static final String INSERT_REPLICA =
      "INSERT INTO proc_replicas (id, instance_id, release_id, image, agent_id, "
          + "deployment_id, epoch, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

  static final String REPLICAS =
      "SELECT r.*, rel.version, a.api_url, NOT ("
          + AgentClient.LIVE
          + ") AS agent_gone "
          + "FROM proc_replicas r JOIN releases rel ON rel.id = r.release_id JOIN agents a ON a.id = r.agent_id "
          + "WHERE r.instance_id = $1 AND r.stopped_at IS NULL AND (r.stop_at IS NULL OR r.stop_at > $2) "
          + "ORDER BY r.created_at, r.id";

  static final String STOPPING =
      "SELECT count(*) AS n FROM proc_replicas r "
          + "WHERE r.instance_id = $1 AND r.stopped_at IS NULL AND r.stop_at <= $2";

  static final String ERROR_RATE =
      "SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors "
          + "FROM proc_traffic WHERE instance_id = $1 AND release_id = $2 "
          + "AND second > clock_timestamp() - make_interval(secs => $3)";

  /** Latency buckets summed over the window ($1 instance, $2 release, $3 seconds), by index. */
  static final String LATENCY =
      "SELECT u.i::int AS i, sum(u.b)::bigint AS n FROM proc_traffic t, "
          + "unnest(t.latency_buckets) WITH ORDINALITY AS u(b, i) "
          + "WHERE t.instance_id = $1 AND t.release_id = $2 "
          + "AND t.second > clock_timestamp() - make_interval(secs => $3) GROUP BY u.i";
}
