package io.ctrlplane.provider.process;

/**
 * The process provider's SQL, in one place. {@code $now} is the change's clock, read once after the
 * fleet lock.
 */
final class ProcessSql {
  private ProcessSql() {}

  static final String LOCK =
      "INSERT INTO proc_fleets (instance_id) VALUES ($1) "
          + "ON CONFLICT (instance_id) DO UPDATE SET updated_at = proc_fleets.updated_at RETURNING weights";

  static final String NOW = "SELECT clock_timestamp() AS now";

  static final String REFUSED =
      "WITH f AS (UPDATE proc_fleets SET refused_actions = refused_actions + 1 "
          + "WHERE instance_id = $1 RETURNING instance_id) "
          + "INSERT INTO proc_timeline (instance_id, at, kind, deployment_id, epoch, detail) "
          + "SELECT instance_id, $2, 'action.refused', $3, $4, $5 FROM f";

  /**
   * A replica that will not become ready by waiting: failed, crashed, or on an agent that is gone.
   */
  static final String UNHEALTHY =
      "(r.failed_at IS NOT NULL OR r.crashed_at IS NOT NULL OR NOT (" + AgentClient.LIVE + "))";

  private static final String LIVE =
      "r.instance_id = $1 AND r.release_id = $2 AND r.stopped_at IS NULL "
          + "AND (r.stop_at IS NULL OR r.stop_at > $3)";

  /**
   * Live replicas of a release ($1 instance, $2 release, $3 now): ready, then coming up, then
   * unhealthy.
   */
  static final String LIVE_BEST_FIRST =
      "SELECT r.id, r.stop_at, r.agent_id, "
          + UNHEALTHY
          + " AS unhealthy "
          + "FROM proc_replicas r JOIN agents a ON a.id = r.agent_id WHERE "
          + LIVE
          + " ORDER BY CASE WHEN "
          + UNHEALTHY
          + " THEN 2 WHEN r.ready_at IS NOT NULL THEN 0 ELSE 1 END, r.created_at, r.id";

  /** Live replicas of the release a rollback repeats, same image, healthy ($4 image): adoptable. */
  static final String ADOPTABLE =
      "SELECT r.id FROM proc_replicas r JOIN agents a ON a.id = r.agent_id WHERE "
          + LIVE
          + " AND r.image = $4 AND NOT "
          + UNHEALTHY
          + " ORDER BY (r.ready_at IS NOT NULL) DESC, r.created_at, r.id";

  static final String ADOPT =
      "WITH u AS (UPDATE proc_replicas SET release_id = $2, stop_at = NULL, stopped_by = NULL, "
          + "stopped_epoch = NULL WHERE id = ANY($1) RETURNING id, instance_id, agent_id) "
          + "INSERT INTO proc_timeline (instance_id, at, kind, replica_id, release_id, agent_id, deployment_id, epoch, detail) "
          + "SELECT instance_id, $3, 'replica.adopted', id, $2, agent_id, $4, $5, jsonb_build_object('from_release', $6::text) FROM u";

  /** Cancels future stops ($1 ids, $2 now, $3 deployment, $4 epoch). */
  static final String UNSCHEDULE =
      "WITH u AS (UPDATE proc_replicas SET stop_at = NULL, stopped_by = NULL, "
          + "stopped_epoch = NULL WHERE id = ANY($1) AND stop_at > $2 AND draining_at IS NULL "
          + "RETURNING id, instance_id, release_id, agent_id) "
          + "INSERT INTO proc_timeline (instance_id, at, kind, replica_id, release_id, agent_id, deployment_id, epoch) "
          + "SELECT instance_id, $2, 'replica.stop_cancelled', id, release_id, agent_id, $3, $4 FROM u";

  /**
   * Stops replicas at $2 ($1 ids, $3 deployment, $4 epoch, $5 now) unless they stop earlier anyway.
   */
  static final String STOP =
      "WITH u AS (UPDATE proc_replicas SET stop_at = $2, stopped_by = $3, stopped_epoch = $4 "
          + "WHERE id = ANY($1) AND (stop_at IS NULL OR stop_at > $2) RETURNING id, instance_id, release_id, agent_id) "
          + "INSERT INTO proc_timeline (instance_id, at, kind, replica_id, release_id, agent_id, deployment_id, epoch, detail) "
          + "SELECT instance_id, $5, 'replica.stop_requested', id, release_id, agent_id, $3, $4, "
          + "jsonb_build_object('stop_at', $2::timestamptz) FROM u";

  /** Live agents with how many live replicas each runs, of this instance ($1) and in all. */
  static final String PLACEMENT =
      "SELECT a.id, a.api_url, "
          + "(SELECT count(*) FROM proc_replicas r WHERE r.agent_id = a.id AND r.instance_id = $1 AND r.stopped_at IS NULL "
          + "  AND (r.stop_at IS NULL OR r.stop_at > $2)) AS mine, "
          + "(SELECT count(*) FROM proc_replicas r WHERE r.agent_id = a.id AND r.stopped_at IS NULL) AS total "
          + "FROM agents a WHERE "
          + AgentClient.LIVE
          + " ORDER BY a.id";

  static final String INSERT_REPLICA =
      "INSERT INTO proc_replicas (id, instance_id, release_id, image, agent_id, "
          + "deployment_id, epoch, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

  static final String EVENT =
      "INSERT INTO proc_timeline (instance_id, at, kind, replica_id, release_id, agent_id, "
          + "deployment_id, epoch, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

  static final String SET_WEIGHTS =
      "UPDATE proc_fleets SET weights = $2, updated_at = $3 WHERE instance_id = $1";

  static final String AGENT_URLS =
      "SELECT DISTINCT a.api_url FROM agents a JOIN proc_replicas r ON r.agent_id = a.id "
          + "WHERE r.id = ANY($1) AND "
          + AgentClient.LIVE;

  static final String CONFIG = "SELECT provider_config FROM instances WHERE id = $1";

  static final String FLEET =
      "SELECT clock_timestamp() AS now, f.weights, f.refused_actions "
          + "FROM (SELECT 1) one LEFT JOIN proc_fleets f ON f.instance_id = $1";

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

  static final String TIMELINE_PAGE =
      "SELECT t.seq, t.at, t.kind, t.replica_id, t.release_id, rel.version, t.agent_id, "
          + "t.deployment_id, t.epoch, t.detail FROM proc_timeline t LEFT JOIN releases rel ON rel.id = t.release_id "
          + "WHERE t.instance_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3";
}
