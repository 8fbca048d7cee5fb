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
   * The healer's lease, share-locked so it cannot change hands while the change commits, and
   * whether the instance has a deployment pending or running (the healer keeps out of those).
   */
  private static final String HEAL =
      "SELECT l.epoch, l.expires_at > now() AS live, EXISTS (SELECT 1 FROM deployments d "
          + "WHERE d.instance_id = $1 AND d.state IN ('pending', 'running')) AS busy "
          + "FROM heal_leases l WHERE l.name = 'healer' FOR SHARE OF l";

  /**
   * The healer's fence: no deployment, the epoch of the runners' one heal lease. Replicas it starts
   * carry no deployment id.
   */
  public static Fence heal(String instanceId, long epoch) {
    return new Fence(instanceId, null, epoch);
  }

  public boolean healing() {
    return deploymentId == null;
  }

  /**
   * Why this fence may not act any more, or null when it may (every provider checks the same rule).
   */
  public Future<String> staleness(SqlConnection conn) {
    if (healing()) {
      return conn.preparedQuery(HEAL)
          .execute(Tuple.of(instanceId))
          .map(
              rs -> {
                if (rs.size() == 0) {
                  return "no heal lease";
                }
                Row row = rs.iterator().next();
                if (row.getLong("epoch") != epoch || !row.getBoolean("live")) {
                  return "the heal lease is at epoch " + row.getLong("epoch");
                }
                return row.getBoolean("busy") ? "a deployment of the instance is under way" : null;
              });
    }
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
