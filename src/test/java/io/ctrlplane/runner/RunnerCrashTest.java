package io.ctrlplane.runner;

import static io.ctrlplane.testing.Rollouts.releaseId;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.FleetHistory;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: every deployment runs in two runner processes, started per test in runners()
@CtrlPlaneServer(roles = "api,relay")
@DisplayName("Runners in separate processes share the work and carry on each other's deployments")
class RunnerCrashTest {
  private static final int LEASE_SECONDS = 2;
  private static final Duration END = Duration.ofSeconds(60);

  /** Slow enough that the rollout is in the middle of its steps when a runner is stopped. */
  private static final JsonObject SLOW =
      new JsonObject().put("start_delay_ms", 500).put("ready_delay_ms", 700);

  private static final Set<String> ACTIONS =
      Set.of(
          "replica.created",
          "replica.adopted",
          "replica.stop_scheduled",
          "replica.stop_cancelled",
          "replica.stopped",
          "traffic.set");
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;
  private RunnerProcess a;
  private RunnerProcess b;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    // this JVM serves the API and the relay only: every deployment runs in the runner processes
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  @BeforeEach
  void runners(TestInfo test) throws Exception {
    Path logs = Path.of("target", "runner-processes", test.getTestMethod().orElseThrow().getName());
    a = RunnerProcess.start("runner-a", config, LEASE_SECONDS, logs);
    b = RunnerProcess.start("runner-b", config, LEASE_SECONDS, logs);
    a.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    b.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
  }

  @AfterEach
  void stopRunners() throws Exception {
    a.close();
    b.close();
  }

  /** The lease row of a deployment. */
  private Row lease(String deploymentId) {
    return Await.result(
            pool.preparedQuery(
                    "SELECT lease_owner, lease_epoch, checkpoint, plan FROM deployments WHERE id = $1")
                .execute(Tuple.of(deploymentId)))
        .iterator()
        .next();
  }

  /**
   * Starts a slow rolling deployment and waits until it is half way; returns the runner holding it.
   */
  private RunnerProcess midway(String instanceId, String deploymentId) {
    Row row =
        Await.until(
            Duration.ofSeconds(30),
            "rollout half way",
            () -> {
              Row r = lease(deploymentId);
              return r.getInteger("checkpoint") >= 4 ? r : null;
            });
    String owner = row.getString("lease_owner");
    assertThat(owner).as("held by one of the runner processes").isNotNull();
    return owner.startsWith("runner-" + a.pid() + "-") ? a : b;
  }

  private long countOutbox(String deploymentId, String type) {
    return Await.result(
            pool.preparedQuery(
                    "SELECT count(*) AS n FROM outbox WHERE event->>'subject' = $1 AND type = $2")
                .execute(Tuple.of(deploymentId, type)))
        .iterator()
        .next()
        .getLong("n");
  }

  @Test
  @DisplayName(
      "kill -9 of the runner holding a deployment mid-rollout: the other resumes it from its checkpoint and finishes")
  void killedRunner() throws Exception {
    String instanceId = rollouts.instance(4, SLOW);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    String id =
        rollouts.deploy(instanceId, "acme/app:2", "rolling", new JsonObject().put("max_surge", 1));
    RunnerProcess holder = midway(instanceId, id);
    RunnerProcess survivor = holder == a ? b : a;
    Row before = lease(id);
    long deadEpoch = before.getLong("lease_epoch");

    Instant killedAt = Instant.now();
    holder.kill();
    Row taken =
        Await.until(
            Duration.ofSeconds(30),
            "the lease to move",
            () -> {
              Row r = lease(id);
              return r.getLong("lease_epoch") > deadEpoch ? r : null;
            });
    Instant takenAt = Instant.now();
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    Instant doneAt = Instant.now();
    System.out.printf(
        "crash test: killed %s at checkpoint %d; lease moved after %d ms (lease %d s); "
            + "deployment finished %d ms after the kill%n",
        holder.name(),
        before.getInteger("checkpoint"),
        Duration.between(killedAt, takenAt).toMillis(),
        LEASE_SECONDS,
        Duration.between(killedAt, doneAt).toMillis());

    assertThat(taken.getString("lease_owner")).startsWith("runner-" + survivor.pid() + "-");
    assertThat(survivor.log())
        .contains(id + " of instance " + instanceId + " running on")
        .contains("resumed");
    assertThat(lease(id).getJsonObject("plan"))
        .as("the stored plan was followed, not rebuilt")
        .isEqualTo(before.getJsonObject("plan"));
    int steps = before.getJsonObject("plan").getJsonArray("steps").size();
    assertThat(countOutbox(id, "deploy.progressed"))
        .as("each step checkpointed once")
        .isEqualTo(steps);
    assertThat(countOutbox(id, "deploy.started")).isEqualTo(1);

    FleetHistory history = rollouts.history(instanceId);
    String v2 = releaseId(done);
    assertThat(history.entries("replica.created"))
        .as("re-running the interrupted step started no extra replica")
        .filteredOn(e -> e.getJsonObject("release").getString("id").equals(v2))
        .hasSize(4);
    assertThat(rollouts.replicasByRelease(instanceId).getMap()).isEqualTo(Map.of(v2, 4));
    assertNoActionFromEpochAfter(history, id, deadEpoch);
    assertThat(history.minServing(Rollouts.startedAt(done), Rollouts.finishedAt(done)))
        .isEqualTo(4);
  }

  @Test
  @DisplayName(
      "a runner frozen mid-rollout (SIGSTOP) loses its lease, and once thawed it writes nothing and changes nothing")
  void frozenRunner() throws Exception {
    String instanceId = rollouts.instance(4, SLOW);
    rollouts.awaitState(
        rollouts.deploy(instanceId, "acme/app:1", "rolling", null), "succeeded", END);
    String id =
        rollouts.deploy(instanceId, "acme/app:2", "rolling", new JsonObject().put("max_surge", 1));
    RunnerProcess holder = midway(instanceId, id);
    long frozenEpoch = lease(id).getLong("lease_epoch");

    holder.signal("STOP");
    try {
      // the survivor takes the lease over; the frozen runner is thawed while the rollout is
      // still under way, so its attempts race the survivor's writes
      Await.until(
          END,
          "the lease to move to the survivor",
          () -> lease(id).getLong("lease_epoch") > frozenEpoch ? true : null);
    } finally {
      holder.signal("CONT");
    }
    holder.awaitLog("deployment " + id + ": runner", Duration.ofSeconds(30));
    assertThat(holder.log())
        .as("the thawed runner tried to go on and was fenced off (so nothing below is vacuous)")
        .contains("deployment " + id + ": runner runner-" + holder.pid() + "-")
        .contains("stopped driving it");
    JsonObject done = rollouts.awaitState(id, "succeeded", END);
    assertThat(lease(id).getLong("lease_epoch")).isGreaterThan(frozenEpoch);

    // no deployment, checkpoint or outbox row from the frozen epoch after the takeover: one row per
    // step boundary and per state change, exactly, and the checkpoint at the plan's end
    Row end = lease(id);
    int steps = end.getJsonObject("plan").getJsonArray("steps").size();
    assertThat(end.getInteger("checkpoint")).isEqualTo(steps);
    List<String> expected = new java.util.ArrayList<>(List.of("deploy.queued", "deploy.started"));
    expected.addAll(java.util.Collections.nCopies(steps, "deploy.progressed"));
    expected.add("deploy.succeeded");
    assertThat(outboxTypes(id))
        .as(
            "the deployment's outbox rows, in order: each step checkpointed once, one start, one end")
        .containsExactlyElementsOf(expected);
    assertThat(countOutbox(id, "deploy.progressed")).isEqualTo(steps);
    assertThat(countOutbox(id, "deploy.started")).isEqualTo(1);

    FleetHistory history = rollouts.history(instanceId);
    assertNoActionFromEpochAfter(history, id, frozenEpoch);
    // under the frozen epoch, after the first action of the new one: refusals only, never a change
    Instant firstNew =
        history.entries().stream()
            .filter(e -> ACTIONS.contains(e.getString("kind")))
            .filter(e -> id.equals(e.getString("deployment_id")))
            .filter(e -> e.getLong("epoch") > frozenEpoch)
            .map(e -> Instant.parse(e.getString("at")))
            .min(Instant::compareTo)
            .orElseThrow();
    assertThat(history.entries())
        .filteredOn(e -> id.equals(e.getString("deployment_id")))
        .filteredOn(e -> e.getLong("epoch") != null && e.getLong("epoch") == frozenEpoch)
        .filteredOn(e -> Instant.parse(e.getString("at")).isAfter(firstNew))
        .extracting(e -> e.getString("kind"))
        .allMatch("action.refused"::equals);
    assertThat(history.entries("action.refused"))
        .extracting(e -> e.getLong("epoch"))
        .allMatch(epoch -> epoch == frozenEpoch);
    assertThat(rollouts.replicasByRelease(instanceId).getMap())
        .isEqualTo(Map.of(releaseId(done), 4));
    assertThat(
            rollouts.fleet(instanceId).getJsonObject("traffic").getJsonObject("weights").getMap())
        .isEqualTo(Map.of(releaseId(done), 100));
  }

  /** The types of the deployment's outbox rows, in commit order. */
  private List<String> outboxTypes(String deploymentId) {
    List<String> types = new java.util.ArrayList<>();
    Await.result(
            pool.preparedQuery("SELECT type FROM outbox WHERE event->>'subject' = $1 ORDER BY seq")
                .execute(Tuple.of(deploymentId)))
        .forEach(r -> types.add(r.getString("type")));
    return types;
  }

  /**
   * Every fleet change made under the old epoch happened before the first one under a newer epoch.
   */
  private static void assertNoActionFromEpochAfter(
      FleetHistory history, String deploymentId, long oldEpoch) {
    List<JsonObject> mine =
        history.entries().stream()
            .filter(
                e ->
                    ACTIONS.contains(e.getString("kind"))
                        && deploymentId.equals(e.getString("deployment_id")))
            .toList();
    Instant firstNew =
        mine.stream()
            .filter(e -> e.getLong("epoch") > oldEpoch)
            .map(e -> Instant.parse(e.getString("at")))
            .min(Instant::compareTo)
            .orElseThrow();
    assertThat(mine)
        .filteredOn(e -> e.getLong("epoch") == oldEpoch)
        .isNotEmpty()
        .allSatisfy(e -> assertThat(Instant.parse(e.getString("at"))).isBefore(firstNew));
  }
}
