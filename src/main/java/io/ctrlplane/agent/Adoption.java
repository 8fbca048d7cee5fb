package io.ctrlplane.agent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a restarted agent does with the containers and processes its earlier run left (a killed
 * agent cannot stop them): containers found by the {@code io.ctrlplane.agent} label, processes by
 * their pid files (pid, start time, port); each one still running that the database still wants on
 * this agent, as that very container or process on that port, is taken back as it is; every other
 * one is removed or killed. Runs once, before the first reconcile pass, so that pass sees the
 * adopted replicas as running.
 */
final class Adoption {
  private static final Logger log = LoggerFactory.getLogger(Adoption.class);

  private Adoption() {}

  /**
   * Processes: {@code leftovers} are the live ones the pid files name. Taken back when the row
   * still wants them with the same pid and port and no other agent holds the port; killed
   * otherwise.
   */
  static Future<Void> processes(
      io.vertx.core.Vertx vertx,
      Pool pool,
      String agentId,
      Supervisor supervisor,
      Ports ports,
      Path replicasDir,
      List<Spawner.Leftover> leftovers) {
    if (leftovers.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(AgentSql.MINE)
        .execute(Tuple.of(agentId))
        .compose(
            rows -> {
              Map<String, Row> wanted = new HashMap<>();
              rows.forEach(r -> wanted.put(r.getString("id"), r));
              return vertx.executeBlocking(
                  () -> {
                    List<Object[]> adopt = new ArrayList<>();
                    int killed = 0;
                    for (Spawner.Leftover l : leftovers) {
                      Row row = wanted.get(l.replicaId());
                      if (desired(row, l) && ports.hold(l.port())) {
                        adopt.add(new Object[] {row, l});
                      } else {
                        Spawner.reap(replicasDir, l);
                        killed++;
                      }
                    }
                    log.info(
                        "agent {}: {} process(es) of an earlier run found, {} taken back, {} killed",
                        agentId,
                        leftovers.size(),
                        adopt.size(),
                        killed);
                    return adopt;
                  });
            })
        .map(
            adopt -> {
              for (Object[] a : adopt) {
                Row row = (Row) a[0];
                Spawner.Leftover l = (Spawner.Leftover) a[1];
                if (supervisor.get(l.replicaId()) == null) {
                  supervisor.adopt(
                      ReplicaSpec.from(row),
                      l.handle(),
                      l.port(),
                      row.getOffsetDateTime("ready_at") != null);
                }
              }
              return null;
            });
  }

  /** The process the row recorded (pid and port), not failed, crashed or due to stop. */
  private static boolean desired(Row row, Spawner.Leftover l) {
    return row != null
        && row.getLong("pid") != null
        && row.getLong("pid") == l.handle().pid()
        && row.getInteger("port") != null
        && row.getInteger("port") == l.port()
        && !row.getBoolean("stop_due")
        && row.getOffsetDateTime("failed_at") == null
        && row.getOffsetDateTime("crashed_at") == null
        && row.getOffsetDateTime("draining_at") == null;
  }

  static Future<Void> run(Pool pool, String agentId, Supervisor supervisor) {
    ContainerRuntime runtime = supervisor.containers();
    if (runtime == null) {
      return Future.succeededFuture();
    }
    return runtime
        .mine()
        .compose(
            found ->
                pool.preparedQuery(AgentSql.MINE)
                    .execute(Tuple.of(agentId))
                    .compose(
                        rows -> {
                          Map<String, Row> wanted = new HashMap<>();
                          rows.forEach(r -> wanted.put(r.getString("id"), r));
                          List<Future<Void>> removals = new ArrayList<>();
                          int adopted = 0;
                          for (JsonObject c : found) {
                            String id = c.getString("Id");
                            Row row =
                                wanted.get(
                                    c.getJsonObject("Labels", new JsonObject())
                                        .getString(ContainerRuntime.REPLICA));
                            if (desired(row, c) && supervisor.get(row.getString("id")) == null) {
                              supervisor.adopt(ReplicaSpec.from(row), id, row.getInteger("port"));
                              adopted++;
                            } else {
                              removals.add(runtime.stopAndRemove(id, 0));
                            }
                          }
                          log.info(
                              "agent {}: {} container(s) found, {} adopted, {} removed",
                              agentId,
                              found.size(),
                              adopted,
                              removals.size());
                          return Future.join(removals).<Void>mapEmpty();
                        }));
  }

  /** Running, the very container the database recorded, and not failed, crashed or due to stop. */
  private static boolean desired(Row row, JsonObject container) {
    return row != null
        && "running".equals(container.getString("State"))
        && container.getString("Id").equals(row.getString("container_id"))
        && row.getInteger("port") != null
        && !row.getBoolean("stop_due")
        && row.getOffsetDateTime("failed_at") == null
        && row.getOffsetDateTime("crashed_at") == null
        && row.getOffsetDateTime("draining_at") == null;
  }
}
