package io.ctrlplane.provider.simulator;

/**
 * The simulator's SQL, in one place. {@code $now} parameters are the fleet transaction's clock,
 * read once after the fleet lock is held, so every write of one change carries the same time.
 */
final class FleetSql {
  private FleetSql() {}

  /** Creates the fleet row on first use and locks it ($1 instance). */
  static final String LOCK =
      "INSERT INTO sim_fleets (instance_id) VALUES ($1) "
          + "ON CONFLICT (instance_id) DO UPDATE SET updated_at = sim_fleets.updated_at RETURNING weights";

  static final String NOW = "SELECT clock_timestamp() AS now";

  static final String REFUSED =
      "WITH f AS (UPDATE sim_fleets SET refused_actions = refused_actions + 1 "
          + "WHERE instance_id = $1 RETURNING instance_id) "
          + "INSERT INTO sim_timeline (instance_id, at, kind, deployment_id, epoch, detail) "
          + "SELECT instance_id, $2, 'action.refused', $3, $4, $5 FROM f";

  /**
   * Writes the transitions whose time has come ($1 instance, $2 now), each at its own time, in time
   * order, once (the unique index drops repeats), and marks stopped replicas settled: one
   * statement, one snapshot (the insert reads sim_replicas as it was before the update, as two
   * statements in a row would).
   */
  static final String MATERIALIZE =
      """
      WITH written AS (
      INSERT INTO sim_timeline (instance_id, at, kind, replica_id, release_id, deployment_id, epoch)
      SELECT instance_id, at, kind, id, release_id, dep, ep FROM (
        SELECT instance_id, started_at AS at, 1 AS ord, 'replica.started' AS kind, id, release_id,
               NULL::text AS dep, NULL::bigint AS ep
          FROM sim_replicas WHERE instance_id = $1 AND NOT settled AND started_at <= $2
           AND (stop_at IS NULL OR started_at < stop_at)
        UNION ALL
        SELECT instance_id, failed_at, 1, 'replica.failed', id, release_id, NULL, NULL
          FROM sim_replicas WHERE instance_id = $1 AND NOT settled AND failed_at <= $2
           AND (stop_at IS NULL OR failed_at < stop_at)
        UNION ALL
        SELECT instance_id, ready_at, 2, 'replica.ready', id, release_id, NULL, NULL
          FROM sim_replicas WHERE instance_id = $1 AND NOT settled AND ready_at <= $2
           AND (stop_at IS NULL OR ready_at < stop_at) AND (crash_at IS NULL OR ready_at < crash_at)
        UNION ALL
        SELECT instance_id, crash_at, 3, 'replica.crashed', id, release_id, NULL, NULL
          FROM sim_replicas WHERE instance_id = $1 AND NOT settled AND crash_at <= $2
           AND (stop_at IS NULL OR crash_at < stop_at)
        UNION ALL
        SELECT instance_id, stop_at, 4, 'replica.stopped', id, release_id, stopped_by, stopped_epoch
          FROM sim_replicas WHERE instance_id = $1 AND NOT settled AND stop_at <= $2
      ) t ORDER BY at, ord, id
      ON CONFLICT (replica_id, kind) WHERE kind IN
        ('replica.started', 'replica.ready', 'replica.failed', 'replica.crashed', 'replica.stopped') DO NOTHING
      RETURNING 1)
      UPDATE sim_replicas SET settled = true WHERE instance_id = $1 AND NOT settled AND stop_at <= $2
      """;

  private static final String LIVE =
      "instance_id = $1 AND release_id = $2 AND NOT settled "
          + "AND (stop_at IS NULL OR stop_at > $3)";
  private static final String UNHEALTHY = "(failed_at <= $3 OR crash_at <= $3)";

  /** Live healthy replicas of a release ($1 instance, $2 release, $3 now), ready ones first. */
  static final String HEALTHY =
      "SELECT id, stop_at FROM sim_replicas WHERE "
          + LIVE
          + " AND NOT coalesce("
          + UNHEALTHY
          + ", false) ORDER BY coalesce(ready_at <= $3, false) DESC, created_at, id";

  /** Live replicas of a release, best first: ready, then not yet ready, then failed or crashed. */
  static final String LIVE_BEST_FIRST =
      "SELECT id, stop_at FROM sim_replicas WHERE "
          + LIVE
          + " ORDER BY CASE WHEN "
          + UNHEALTHY
          + " THEN 2 WHEN ready_at <= $3 THEN 0 ELSE 1 END, created_at, id";

  /**
   * Stops failed and crashed replicas of a release now ($4 deployment, $5 epoch): they are
   * replaced.
   */
  static final String STOP_UNHEALTHY =
      "UPDATE sim_replicas SET stop_at = $3, stopped_by = $4, stopped_epoch = $5 "
          + "WHERE "
          + LIVE
          + " AND "
          + UNHEALTHY;

  /**
   * Live healthy replicas of the release a rollback repeats, running the same image ($1 instance,
   * $2 that release, $3 now, $4 image), ready ones first: they can be adopted.
   */
  static final String ADOPTABLE =
      "SELECT id FROM sim_replicas WHERE "
          + LIVE
          + " AND image = $4"
          + " AND NOT coalesce("
          + UNHEALTHY
          + ", false) ORDER BY coalesce(ready_at <= $3, false) DESC, created_at, id";

  /**
   * Moves replicas to the rollback release ($1 ids, $2 release, $3 now, $4 deployment, $5 epoch, $6
   * from).
   */
  static final String ADOPT =
      "WITH u AS (UPDATE sim_replicas SET release_id = $2, stop_at = NULL, stopped_by = NULL, "
          + "stopped_epoch = NULL WHERE id = ANY($1) RETURNING id, instance_id) "
          + "INSERT INTO sim_timeline (instance_id, at, kind, replica_id, release_id, deployment_id, epoch, detail) "
          + "SELECT instance_id, $3, 'replica.adopted', id, $2, $4, $5, jsonb_build_object('from_release', $6::text) FROM u";

  /** Cancels scheduled stops ($1 ids, $2 now, $3 deployment, $4 epoch), recording each. */
  static final String UNSCHEDULE =
      "WITH u AS (UPDATE sim_replicas SET stop_at = NULL, stopped_by = NULL, "
          + "stopped_epoch = NULL WHERE id = ANY($1) AND stop_at > $2 RETURNING id, instance_id, release_id) "
          + "INSERT INTO sim_timeline (instance_id, at, kind, replica_id, release_id, deployment_id, epoch) "
          + "SELECT instance_id, $2, 'replica.stop_cancelled', id, release_id, $3, $4 FROM u";

  /**
   * Stops replicas at $2 ($1 ids, $3 deployment, $4 epoch, $5 now) unless they stop earlier anyway;
   * a stop in the future is recorded as scheduled now, and as stopped when its time comes.
   */
  static final String STOP =
      "WITH u AS (UPDATE sim_replicas SET stop_at = $2, stopped_by = $3, stopped_epoch = $4 "
          + "WHERE id = ANY($1) AND (stop_at IS NULL OR stop_at > $2) RETURNING id, instance_id, release_id) "
          + "INSERT INTO sim_timeline (instance_id, at, kind, replica_id, release_id, deployment_id, epoch, detail) "
          + "SELECT instance_id, $5, 'replica.stop_scheduled', id, release_id, $3, $4, "
          + "jsonb_build_object('stop_at', $2::timestamptz) FROM u WHERE $2::timestamptz > $5::timestamptz";

  static final String INSERT_REPLICA =
      "INSERT INTO sim_replicas (id, instance_id, release_id, image, deployment_id, "
          + "epoch, created_at, started_at, failed_at, ready_at, crash_at) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

  static final String EVENT =
      "INSERT INTO sim_timeline (instance_id, at, kind, replica_id, release_id, "
          + "deployment_id, epoch, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

  static final String SET_WEIGHTS =
      "UPDATE sim_fleets SET weights = $2, updated_at = $3 WHERE instance_id = $1";

  static final String CONFIG = "SELECT provider_config FROM instances WHERE id = $1";

  static final String CONFIG_AND_IMAGE =
      "SELECT i.provider_config, r.image FROM instances i "
          + "JOIN releases r ON r.instance_id = i.id WHERE i.id = $1 AND r.id = $2";

  static final String FLEET =
      "SELECT clock_timestamp() AS now, f.weights, f.refused_actions "
          + "FROM (SELECT 1) one LEFT JOIN sim_fleets f ON f.instance_id = $1";

  static final String REPLICAS =
      "SELECT r.*, rel.version FROM sim_replicas r JOIN releases rel ON rel.id = r.release_id "
          + "WHERE r.instance_id = $1 AND NOT r.settled AND (r.stop_at IS NULL OR r.stop_at > $2) ORDER BY r.created_at, r.id";

  static final String TIMELINE_PAGE =
      "SELECT t.seq, t.at, t.kind, t.replica_id, t.release_id, rel.version, "
          + "t.deployment_id, t.epoch, t.detail FROM sim_timeline t LEFT JOIN releases rel ON rel.id = t.release_id "
          + "WHERE t.instance_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3";
}
