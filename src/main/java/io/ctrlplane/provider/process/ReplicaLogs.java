package io.ctrlplane.provider.process;

import io.ctrlplane.problem.Refusal;
import io.ctrlplane.provider.Instances;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** The tail of a process replica's output: found through the database, read from its agent. */
public final class ReplicaLogs {
  private static final String LOOKUP =
      "SELECT r.instance_id, r.agent_id, a.api_url FROM proc_replicas r "
          + "JOIN agents a ON a.id = r.agent_id WHERE r.id = $1";

  private final Pool pool;
  private final AgentClient agents;

  public ReplicaLogs(Pool pool, AgentClient agents) {
    this.pool = pool;
    this.agents = agents;
  }

  /**
   * Only the caller's tenant's replicas: another tenant's instance is a 404, like every other read.
   */
  public Future<JsonObject> tail(String tenantId, String instanceId, String replicaId, int lines) {
    return Instances.owned(pool, tenantId, instanceId)
        .compose(instance -> pool.preparedQuery(LOOKUP).execute(Tuple.of(replicaId)))
        .compose(
            rows -> {
              Row row = rows.size() == 0 ? null : rows.iterator().next();
              if (row == null || !instanceId.equals(row.getString("instance_id"))) {
                return Future.failedFuture(
                    Refusal.notFound(
                        "instance "
                            + instanceId
                            + " has no agent replica "
                            + replicaId
                            + " (only replicas of the process and container providers keep logs)"));
              }
              String agent = row.getString("agent_id");
              return agents
                  .logs(row.getString("api_url"), replicaId, lines)
                  .map(text -> new JsonObject().put("text", text).put("agent_id", agent))
                  .recover(
                      e ->
                          Future.failedFuture(
                              Refusal.unavailable(
                                  "Agent Unavailable",
                                  "agent "
                                      + agent
                                      + ", which ran replica "
                                      + replicaId
                                      + ", did not answer: "
                                      + e.getMessage())));
            });
  }
}
