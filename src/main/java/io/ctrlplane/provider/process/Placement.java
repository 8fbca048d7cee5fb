package io.ctrlplane.provider.process;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Where new replicas run: spread over the live agents, so losing one host costs as few of an
 * instance's replicas as possible. Runs inside the fleet change's transaction.
 */
final class Placement {
  private Placement() {}

  /**
   * New replicas on the live agents running the fewest of this instance's (then the fewest in all).
   */
  static Future<Void> place(
      SqlConnection conn, Fence fence, ReleaseRef release, int missing, OffsetDateTime now) {
    if (missing <= 0) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(ProcessSql.PLACEMENT)
        .execute(Tuple.of(fence.instanceId(), now))
        .compose(
            rows -> {
              List<long[]> load = new ArrayList<>();
              List<String> agentIds = new ArrayList<>();
              rows.forEach(
                  r -> {
                    agentIds.add(r.getString("id"));
                    load.add(new long[] {r.getLong("mine"), r.getLong("total")});
                  });
              if (agentIds.isEmpty()) {
                return Future.failedFuture(
                    "no live agent to run replicas on: start one (role agent)");
              }
              List<Tuple> replicas = new ArrayList<>();
              List<Tuple> events = new ArrayList<>();
              for (int i = 0; i < missing; i++) {
                int best = 0;
                for (int a = 1; a < load.size(); a++) {
                  long[] x = load.get(a);
                  long[] b = load.get(best);
                  if (x[0] < b[0] || x[0] == b[0] && x[1] < b[1]) {
                    best = a;
                  }
                }
                load.get(best)[0]++;
                load.get(best)[1]++;
                String id = Ids.next("rep");
                replicas.add(
                    Tuple.from(
                        new Object[] {
                          id,
                          fence.instanceId(),
                          release.id(),
                          release.image(),
                          agentIds.get(best),
                          fence.deploymentId(),
                          fence.epoch(),
                          now
                        }));
                events.add(
                    Tuple.from(
                        new Object[] {
                          fence.instanceId(),
                          now,
                          "replica.created",
                          id,
                          release.id(),
                          agentIds.get(best),
                          fence.deploymentId(),
                          fence.epoch(),
                          new JsonObject().put("image", release.image())
                        }));
              }
              return conn.preparedQuery(ProcessSql.INSERT_REPLICA)
                  .executeBatch(replicas)
                  .compose(ok -> conn.preparedQuery(ProcessSql.EVENT).executeBatch(events))
                  .mapEmpty();
            });
  }
}
