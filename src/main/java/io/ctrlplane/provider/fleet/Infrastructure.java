package io.ctrlplane.provider.fleet;

import io.ctrlplane.provider.ReleaseRef;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.time.OffsetDateTime;

/**
 * What one provider adds to the {@link FencedFleet}: its tables, and how a new replica comes to be
 * on its infrastructure. Everything else (the lease-epoch fence, the fleet lock, refusals, keeping,
 * adopting and stopping replicas, traffic weights) is the engine's, and the same for all.
 */
public interface Infrastructure {

  /** Names the provider in log lines, e.g. "simulator". */
  String label();

  FleetTables tables();

  /** How a change that runs replicas of the release names it in a refusal record. */
  String describe(ReleaseRef release);

  /**
   * Creates {@code missing} (at least 1) new replicas of the release, and their {@code
   * replica.created} entries, inside the change's transaction.
   */
  Future<Void> create(FleetChange change, ReleaseRef release, int missing);

  /**
   * Brings the recorded history up to {@code now} under the fleet lock, before and after each
   * change: for a provider whose transitions are known before they happen (the simulator). None by
   * default.
   */
  default Future<Void> catchUp(SqlConnection conn, String instanceId, OffsetDateTime now) {
    return Future.succeededFuture();
  }
}
