package io.ctrlplane.agent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the replicas the database assigns to this agent with the processes it runs, and acts on
 * the difference: start what never started, stop what is due to stop, and write down what it can no
 * longer run. Runs on a timer and when a runner calls; passes never overlap (a call during a pass
 * asks for one more pass after it).
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final Pool pool;
  private final String agentId;
  private final Supervisor supervisor;
  private boolean running;
  private boolean again;

  Reconciler(Pool pool, String agentId, Supervisor supervisor) {
    this.pool = pool;
    this.agentId = agentId;
    this.supervisor = supervisor;
  }

  void kick() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    pass()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn("agent {}: reconcile failed: {}", agentId, ar.cause().toString());
              }
              running = false;
              if (again) {
                again = false;
                kick();
              }
            });
  }

  private Future<Void> pass() {
    return pool.preparedQuery(AgentSql.MINE)
        .execute(Tuple.of(agentId))
        .compose(
            rows -> {
              Future<Void> writes = Future.succeededFuture();
              for (Row row : rows) {
                Future<Void> w = act(row);
                writes = writes.compose(v -> w);
              }
              return writes;
            });
  }

  private Future<Void> act(Row row) {
    String id = row.getString("id");
    LocalReplica local = supervisor.get(id);
    boolean stopDue = row.getBoolean("stop_due");
    if (local != null) {
      if (stopDue) {
        supervisor.stop(local); // takes its time (drain, grace): the pass does not wait for it
      }
      return Future.succeededFuture();
    }
    if (stopDue) {
      String container = row.getString("container_id");
      ContainerRuntime containers = supervisor.containers();
      if (container != null && containers != null) {
        // a failed or crashed container stays for its logs until the fleet lets it go
        return containers
            .stopAndRemove(container, 0)
            .compose(
                v ->
                    record(
                        AgentSql.STOPPED,
                        id,
                        "replica.stopped",
                        new JsonObject().put("container_id", container)));
      }
      return record(
          AgentSql.STOPPED, id, "replica.stopped", new JsonObject().put("process", "none"));
    }
    if (supervisor.finished(id)
        || row.getOffsetDateTime("failed_at") != null
        || row.getOffsetDateTime("crashed_at") != null) {
      return Future.succeededFuture();
    }
    if (row.getOffsetDateTime("started_at") != null) {
      // started by an earlier run of this agent, whose processes were reaped at start (a container
      // still running was adopted before the first pass)
      String why =
          row.getString("container_id") != null
              ? "the agent restarted and found the replica's container gone or stopped"
              : "the agent restarted; its earlier processes were stopped";
      return record(
          AgentSql.CRASHED, id, "replica.crashed", new JsonObject().put("reason", why), why);
    }
    supervisor.start(ReplicaSpec.from(row));
    return Future.succeededFuture();
  }

  private Future<Void> record(
      String sql, String id, String kind, JsonObject detail, Object... extra) {
    Object[] params = new Object[4 + extra.length];
    params[0] = id;
    params[1] = kind;
    params[2] = detail;
    params[3] = agentId;
    System.arraycopy(extra, 0, params, 4, extra.length);
    return pool.preparedQuery(sql).execute(Tuple.from(params)).mapEmpty();
  }
}
