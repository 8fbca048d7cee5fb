package io.ctrlplane.provider.fleet;

import io.ctrlplane.provider.Fence;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One fenced change in progress: its transaction, who asks (under which lease), and its clock, read
 * once the fleet row is locked. Whatever is written through it commits with the fence check, or not
 * at all.
 */
public final class FleetChange {
  private final SqlConnection conn;
  private final Fence fence;
  private final OffsetDateTime now;
  private final FleetSql sql;
  private final int carriedColumns;

  FleetChange(SqlConnection conn, Fence fence, OffsetDateTime now, FleetSql sql, int carried) {
    this.conn = conn;
    this.fence = fence;
    this.now = now;
    this.sql = sql;
    this.carriedColumns = carried;
  }

  public SqlConnection conn() {
    return conn;
  }

  public Fence fence() {
    return fence;
  }

  public OffsetDateTime now() {
    return now;
  }

  /**
   * The parameters of one timeline entry by this change, at its time, for {@link #record}; {@code
   * carried} holds the provider's carried columns in order (missing ones are null).
   */
  public Tuple entry(
      String kind, String replicaId, String releaseId, JsonObject detail, Object... carried) {
    Object[] values = new Object[8 + carriedColumns];
    Object[] fixed = {
      fence.instanceId(),
      now,
      kind,
      replicaId,
      releaseId,
      fence.deploymentId(),
      fence.epoch(),
      detail
    };
    System.arraycopy(fixed, 0, values, 0, fixed.length);
    System.arraycopy(carried, 0, values, 8, Math.min(carried.length, carriedColumns));
    return Tuple.from(values);
  }

  /** Appends entries made with {@link #entry} to the timeline. */
  public Future<Void> record(List<Tuple> entries) {
    return entries.isEmpty()
        ? Future.succeededFuture()
        : conn.preparedQuery(sql.event).executeBatch(entries).mapEmpty();
  }
}
