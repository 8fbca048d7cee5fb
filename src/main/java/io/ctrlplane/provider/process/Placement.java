package io.ctrlplane.provider.process;

import io.ctrlplane.deploy.Ids;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.fleet.FleetChange;
import io.ctrlplane.provider.fleet.FleetTables;
import io.ctrlplane.provider.fleet.Infrastructure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * What the process provider adds to the fenced fleet: each replica belongs to a host agent, which
 * the timeline names too; a replica on an agent that stopped heartbeating counts as unhealthy; a
 * stop is recorded when it is asked for (the agent records draining and stopping), and a stop the
 * agent has begun draining cannot be cancelled. New replicas are spread over the live agents, so
 * losing one host costs as few of an instance's replicas as possible.
 */
final class Placement implements Infrastructure {
  private final boolean containers;

  /**
   * @param containers true for the container provider: only agents that reached a container engine
   *     take its replicas
   */
  Placement(boolean containers) {
    this.containers = containers;
  }

  static final FleetTables TABLES =
      new FleetTables(
          "proc",
          " JOIN agents a ON a.id = r.agent_id",
          "r.stopped_at IS NULL",
          ProcessSql.UNHEALTHY,
          "r.ready_at IS NOT NULL",
          List.of("agent_id"),
          "draining_at IS NULL",
          "replica.stop_requested",
          true);

  @Override
  public String label() {
    return containers ? "container provider" : "process provider";
  }

  @Override
  public FleetTables tables() {
    return TABLES;
  }

  @Override
  public String describe(ReleaseRef release) {
    return release.id();
  }

  /**
   * New replicas on the live agents running the fewest of this instance's (then the fewest in all).
   */
  @Override
  public Future<Void> create(FleetChange change, ReleaseRef release, int missing) {
    Fence fence = change.fence();
    return change
        .conn()
        .preparedQuery(ProcessSql.PLACEMENT)
        .execute(Tuple.of(fence.instanceId(), change.now(), containers))
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
                    containers
                        ? "no live agent with a container engine to run replicas on: start one"
                            + " (role agent) that reaches Docker or podman system service"
                        : "no live agent to run replicas on: start one (role agent)");
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
                String agent = agentIds.get(best);
                replicas.add(
                    Tuple.from(
                        new Object[] {
                          id,
                          fence.instanceId(),
                          release.id(),
                          release.image(),
                          agent,
                          fence.deploymentId(),
                          fence.epoch(),
                          change.now()
                        }));
                events.add(
                    change.entry(
                        "replica.created",
                        id,
                        release.id(),
                        new JsonObject().put("image", release.image()),
                        agent));
              }
              return change
                  .conn()
                  .preparedQuery(ProcessSql.INSERT_REPLICA)
                  .executeBatch(replicas)
                  .compose(ok -> change.record(events));
            });
  }
}
