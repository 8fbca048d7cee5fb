package io.ctrlplane.agent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a restarted agent does with the containers its earlier run left (a killed agent cannot stop
 * them): found by the {@code io.ctrlplane.agent} label, each one still running that the database
 * still wants on this agent is taken back as it is; every other one is removed. Runs once, before
 * the first reconcile pass, so that pass sees the adopted replicas as running.
 */
final class Adoption {
  private static final Logger log = LoggerFactory.getLogger(Adoption.class);

  private Adoption() {}

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
