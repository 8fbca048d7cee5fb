package io.ctrlplane.provider;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Who asks for a change, and under which lease: the deployment and its lease epoch. A provider
 * refuses a change whose epoch is older than the deployment's current one, so a runner that lost
 * its lease (paused, partitioned, presumed dead) cannot touch the fleet any more.
 */
public record Fence(String instanceId, String deploymentId, long epoch) {
  /**
   * Share-locks the deployment row, so the lease cannot move while the provider's change commits.
   */
  private static final String CURRENT =
      "SELECT state, lease_epoch FROM deployments WHERE id = $1 FOR SHARE";

  /**
   * Why this fence may not act any more, or null when it may (every provider checks the same rule).
   */
  public Future<String> staleness(SqlConnection conn) {
    return conn.preparedQuery(CURRENT)
        .execute(Tuple.of(deploymentId))
        .map(
            rs -> {
              if (rs.size() == 0) {
                return "deployment does not exist";
              }
              Row row = rs.iterator().next();
              if (!"running".equals(row.getString("state"))) {
                return "deployment is " + row.getString("state");
              }
              long current = row.getLong("lease_epoch");
              return current == epoch ? null : "the lease is at epoch " + current;
            });
  }
}
