package io.ctrlplane.provider.fleet;

/**
 * The fenced fleet's SQL, in one place, written for one provider's {@link FleetTables}. {@code
 * $now} parameters are the change's clock, read once after the fleet lock is held, so every write
 * of one change carries the same time.
 */
final class FleetSql {
  /** Creates the fleet row on first use and locks it ($1 instance). */
  final String lock;

  static final String NOW = "SELECT clock_timestamp() AS now";

  /** Counts a refused change and records it ($1 instance, $2 now, $3 deployment, $4 epoch). */
  final String refused;

  /**
   * Live replicas of a release ($1 instance, $2 release, $3 now), best first: ready, then coming
   * up, then unhealthy (flagged).
   */
  final String liveBestFirst;

  /**
   * Live healthy replicas of the release a rollback repeats, running the same image ($1 instance,
   * $2 that release, $3 now, $4 image), ready ones first: they can be adopted.
   */
  final String adoptable;

  /**
   * Moves replicas to the rollback release ($1 ids, $2 release, $3 now, $4 deployment, $5 epoch, $6
   * from).
   */
  final String adopt;

  /** Cancels scheduled stops ($1 ids, $2 now, $3 deployment, $4 epoch), recording each. */
  final String unschedule;

  /**
   * Stops replicas at $2 ($1 ids, $3 deployment, $4 epoch, $5 now) unless they stop earlier anyway.
   */
  final String stop;

  /** ($1 instance, $2 weights, $3 now). */
  final String setWeights;

  /**
   * One timeline entry ($1 instance, $2 at, $3 kind, $4 replica, $5 release, $6 deployment, $7
   * epoch, $8 detail, then the carried columns).
   */
  final String event;

  /** The fleet row as of now ($1 instance); a fleet never changed has none. */
  final String fleet;

  /** One page of the timeline, for {@code TimelinePages}. */
  final String timelinePage;

  FleetSql(FleetTables t) {
    String live =
        "r.instance_id = $1 AND r.release_id = $2 AND "
            + t.notStopped()
            + " AND (r.stop_at IS NULL OR r.stop_at > $3)";
    String replicas = t.replicas() + " r" + t.joins();
    String entry =
        "INSERT INTO " + t.timeline() + " (instance_id, at, kind, replica_id, release_id";
    lock =
        "INSERT INTO "
            + t.fleets()
            + " (instance_id) VALUES ($1) ON CONFLICT (instance_id) DO UPDATE SET updated_at = "
            + t.fleets()
            + ".updated_at RETURNING weights";
    refused =
        "WITH f AS (UPDATE "
            + t.fleets()
            + " SET refused_actions = refused_actions + 1 WHERE instance_id = $1 RETURNING instance_id) "
            + "INSERT INTO "
            + t.timeline()
            + " (instance_id, at, kind, deployment_id, epoch, detail) "
            + "SELECT instance_id, $2, 'action.refused', $3, $4, $5 FROM f";
    liveBestFirst =
        "SELECT r.id, r.stop_at, r.deployment_id, coalesce("
            + t.unhealthy()
            + ", false) AS unhealthy FROM "
            + replicas
            + " WHERE "
            + live
            + " ORDER BY CASE WHEN "
            + t.unhealthy()
            + " THEN 2 WHEN "
            + t.ready()
            + " THEN 0 ELSE 1 END, r.created_at, r.id";
    adoptable =
        "SELECT r.id FROM "
            + replicas
            + " WHERE "
            + live
            + " AND r.image = $4 AND NOT coalesce("
            + t.unhealthy()
            + ", false) ORDER BY coalesce("
            + t.ready()
            + ", false) DESC, r.created_at, r.id";
    adopt =
        "WITH u AS (UPDATE "
            + t.replicas()
            + " SET release_id = $2, stop_at = NULL, stopped_by = NULL, stopped_epoch = NULL "
            + "WHERE id = ANY($1) RETURNING id, instance_id"
            + t.carried("")
            + ") "
            + entry
            + ", deployment_id, epoch, detail"
            + t.carried("")
            + ") SELECT instance_id, $3, 'replica.adopted', id, $2, $4, $5, "
            + "jsonb_build_object('from_release', $6::text)"
            + t.carried("")
            + " FROM u";
    unschedule =
        "WITH u AS (UPDATE "
            + t.replicas()
            + " SET stop_at = NULL, stopped_by = NULL, stopped_epoch = NULL "
            + "WHERE id = ANY($1) AND stop_at > $2"
            + (t.cancellableStop().isEmpty() ? "" : " AND " + t.cancellableStop())
            + " RETURNING id, instance_id, release_id"
            + t.carried("")
            + ") "
            + entry
            + ", deployment_id, epoch"
            + t.carried("")
            + ") SELECT instance_id, $2, 'replica.stop_cancelled', id, release_id, $3, $4"
            + t.carried("")
            + " FROM u";
    stop =
        "WITH u AS (UPDATE "
            + t.replicas()
            + " SET stop_at = $2, stopped_by = $3, stopped_epoch = $4 "
            + "WHERE id = ANY($1) AND (stop_at IS NULL OR stop_at > $2) "
            + "RETURNING id, instance_id, release_id"
            + t.carried("")
            + ") "
            + entry
            + ", deployment_id, epoch, detail"
            + t.carried("")
            + ") SELECT instance_id, $5, '"
            + t.stopKind()
            + "', id, release_id, $3, $4, jsonb_build_object('stop_at', $2::timestamptz)"
            + t.carried("")
            + " FROM u"
            + (t.recordsImmediateStops() ? "" : " WHERE $2::timestamptz > $5::timestamptz");
    setWeights =
        "UPDATE " + t.fleets() + " SET weights = $2, updated_at = $3 WHERE instance_id = $1";
    StringBuilder values = new StringBuilder("$1, $2, $3, $4, $5, $6, $7, $8");
    for (int i = 0; i < t.carried().size(); i++) {
      values.append(", $").append(9 + i);
    }
    event = entry + ", deployment_id, epoch, detail" + t.carried("") + ") VALUES (" + values + ")";
    fleet =
        "SELECT clock_timestamp() AS now, f.weights, f.refused_actions FROM (SELECT 1) one LEFT JOIN "
            + t.fleets()
            + " f ON f.instance_id = $1";
    timelinePage =
        "SELECT t.seq, t.at, t.kind, t.replica_id, t.release_id, rel.version"
            + t.carried("t.")
            + ", t.deployment_id, t.epoch, t.detail FROM "
            + t.timeline()
            + " t LEFT JOIN releases rel ON rel.id = t.release_id "
            + "WHERE t.instance_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3";
  }
}
