package io.ctrlplane.lifecycle;

import io.vertx.core.Future;
import io.vertx.sqlclient.RowSet;

/**
 * Lease-epoch fencing of the runner's writes: each names {@code WHERE id = $1 AND lease_epoch = $2
 * AND state = 'running'} and must change exactly one row.
 */
final class Fenced {
  static final String WHERE = " WHERE id = $1 AND lease_epoch = $2 AND state = 'running'";

  private Fenced() {}

  /**
   * One row or the write was fenced off. (A compare-and-set on the checkpoint that found it moved
   * also lands here: only another holder of the lease could have moved it.)
   */
  static Future<Void> one(RowSet<?> rs, Claim claim) {
    if (rs.rowCount() == 1) {
      return Future.succeededFuture();
    }
    LifecycleMetrics.fenced();
    return Future.failedFuture(new LeaseLost(claim));
  }
}
