package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.Measurement;
import io.ctrlplane.deploy.codec.DeployJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The one writer of {@code analysis_measurements}: each measurement is stored with its {@code
 * deploy.analysis} event in one transaction, fenced by the lease epoch (a runner that lost its
 * lease stores nothing) and at most once per position in its series (a repeated attempt after a
 * crash adds nothing). The stored series is what the runner judges from, so a runner taking over
 * carries on the count instead of starting again.
 */
public final class AnalysisRecords {
  private static final String INSERT =
      "INSERT INTO analysis_measurements (deployment_id, step, metric, seq, window_seconds, measure, "
          + "condition, value, stable_value, limit_value, verdict, sample_size, message) "
          + "SELECT $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 WHERE EXISTS "
          + "(SELECT 1 FROM deployments WHERE id = $1 AND lease_epoch = $2 AND state = 'running') "
          + "ON CONFLICT (deployment_id, step, metric, seq) DO NOTHING RETURNING taken_at";
  private static final String COLUMNS =
      "deployment_id, step, metric, seq, taken_at, window_seconds, measure, condition, value, "
          + "stable_value, limit_value, verdict, sample_size, message";
  private static final String OF_STEP =
      "SELECT "
          + COLUMNS
          + " FROM analysis_measurements WHERE deployment_id = $1 AND step = $2 ORDER BY metric, seq";
  private static final String OF_DEPLOYMENT =
      "SELECT m.deployment_id, m.step, m.metric, m.seq, m.taken_at, m.window_seconds, m.measure, "
          + "m.condition, m.value, m.stable_value, m.limit_value, m.verdict, m.sample_size, m.message "
          + "FROM deployments d LEFT JOIN analysis_measurements m ON m.deployment_id = d.id "
          + "WHERE d.id = $1 AND d.tenant_id = $2 ORDER BY m.taken_at, m.id";

  private final Pool pool;

  public AnalysisRecords(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a measurement and its event; false when it was not stored (already there, or the lease
   * is gone).
   */
  public Future<Boolean> record(Claim claim, Measurement m, Doc progress) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(INSERT)
                .execute(
                    Tuple.from(
                        new Object[] {
                          m.deploymentId(),
                          claim.epoch(),
                          m.step(),
                          m.metric(),
                          m.seq(),
                          m.windowSeconds(),
                          m.measure(),
                          m.condition(),
                          m.value(),
                          m.stableValue(),
                          m.limit(),
                          m.verdict(),
                          m.sampleSize(),
                          m.message()
                        }))
                .compose(
                    rs -> {
                      if (rs.size() == 0) {
                        return Future.succeededFuture(false);
                      }
                      JsonObject with =
                          DeployJson.json(progress)
                              .copy()
                              .put("analysis", json(m).put("taken_at", taken(rs)));
                      return Outbox.record(
                              conn, Event.ANALYSIS, m.deploymentId(), DeployJson.doc(with))
                          .map(true);
                    }));
  }

  /** The measurements of one analysis step, by metric, then in order. */
  public Future<List<Measurement>> ofStep(String deploymentId, int step) {
    return pool.preparedQuery(OF_STEP)
        .execute(Tuple.of(deploymentId, step))
        .map(
            rows -> {
              List<Measurement> out = new ArrayList<>();
              rows.forEach(r -> out.add(from(r)));
              return out;
            });
  }

  /** Every measurement of a deployment of the tenant, oldest first; not found otherwise. */
  public Future<JsonObject> list(String tenantId, String deploymentId) {
    return pool.preparedQuery(OF_DEPLOYMENT)
        .execute(Tuple.of(deploymentId, tenantId))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(Deployments.notFound(deploymentId));
              }
              JsonArray items = new JsonArray();
              rows.forEach(
                  r -> {
                    if (r.getString("metric") != null) {
                      items.add(json(from(r)));
                    }
                  });
              return Future.succeededFuture(
                  new JsonObject().put("deployment_id", deploymentId).put("items", items));
            });
  }

  private static String taken(io.vertx.sqlclient.RowSet<Row> rs) {
    return rs.iterator().next().getOffsetDateTime("taken_at").toInstant().toString();
  }

  private static Measurement from(Row r) {
    return new Measurement(
        r.getString("deployment_id"),
        r.getInteger("step"),
        r.getString("metric"),
        r.getInteger("seq"),
        r.getOffsetDateTime("taken_at").toInstant(),
        r.getInteger("window_seconds"),
        r.getString("measure"),
        r.getString("condition"),
        r.getDouble("value"),
        r.getDouble("stable_value"),
        r.getDouble("limit_value"),
        r.getString("verdict"),
        r.getLong("sample_size"),
        r.getString("message"));
  }

  /** The wire form of a measurement (API and events). */
  public static JsonObject json(Measurement m) {
    return new JsonObject()
        .put("step", m.step())
        .put("metric", m.metric())
        .put("seq", m.seq())
        .put("taken_at", m.takenAt() == null ? null : m.takenAt().toString())
        .put("window_seconds", m.windowSeconds())
        .put("measure", m.measure())
        .put("condition", m.condition())
        .put("value", m.value())
        .put("stable_value", m.stableValue())
        .put("limit", m.limit())
        .put("verdict", m.verdict())
        .put("sample_size", m.sampleSize())
        .put("message", m.message());
  }
}
