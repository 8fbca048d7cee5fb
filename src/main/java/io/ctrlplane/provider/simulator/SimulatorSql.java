package io.ctrlplane.provider.simulator;

/**
 * The simulator's own SQL: what makes a replica simulated (its life fixed at creation, its
 * transitions written when their time has come). The fenced changes' SQL is the engine's ({@code
 * provider/fleet}). {@code $now} parameters are the fleet transaction's clock, read once after the
 * fleet lock is held, so every write of one change carries the same time.
 */
final class SimulatorSql {
  private SimulatorSql() {}

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

  static final String INSERT_REPLICA =
      "INSERT INTO sim_replicas (id, instance_id, release_id, image, deployment_id, "
          + "epoch, created_at, started_at, failed_at, ready_at, crash_at) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

  static final String CONFIG = "SELECT provider_config FROM instances WHERE id = $1";

  static final String CONFIG_AND_IMAGE =
      "SELECT i.provider_config, r.image FROM instances i "
          + "JOIN releases r ON r.instance_id = i.id WHERE i.id = $1 AND r.id = $2";

  static final String REPLICAS =
      "SELECT r.*, rel.version FROM sim_replicas r JOIN releases rel ON rel.id = r.release_id "
          + "WHERE r.instance_id = $1 AND NOT r.settled AND (r.stop_at IS NULL OR r.stop_at > $2) ORDER BY r.created_at, r.id";
}
