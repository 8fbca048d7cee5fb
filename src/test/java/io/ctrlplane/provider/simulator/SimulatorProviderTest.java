package io.ctrlplane.provider.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.ReplicaStatus;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no roles: the provider is driven directly, on the class's database
@CtrlPlaneServer(roles = "")
@DisplayName("The simulator provider, on a real PostgreSQL")
class SimulatorProviderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final JsonObject CONFIG =
      new JsonObject()
          .put("start_delay_ms", 50)
          .put("ready_delay_ms", 100)
          .put(
              "faults",
              new JsonArray()
                  .add(new JsonObject().put("image", "*:nostart").put("fail_start", true))
                  .add(new JsonObject().put("image", "*:bad*").put("never_ready", true))
                  .add(new JsonObject().put("image", "*:crashy").put("crash_after_seconds", 0.3))
                  .add(new JsonObject().put("image", "*:flaky").put("error_rate", 0.3)));
  private final AtomicInteger names = new AtomicInteger();
  private Pool pool;
  private SimulatorProvider sim;

  @BeforeAll
  void start(CtrlPlane plane) {
    pool = plane.sql().pool();
    sim = new SimulatorProvider(pool);
  }

  /** An instance, a release of {@code image} and a running deployment at epoch 1. */
  private record Setup(String instanceId, ReleaseRef release, Fence fence) {}

  private Setup setup(String image) {
    int n = names.incrementAndGet();
    String inst = "inst_sim" + n;
    String rel = "rel_sim" + n;
    String dep = "dep_sim" + n;
    sql(
        "INSERT INTO instances (id, tenant_id, name, replicas, provider, provider_config, default_strategy) "
            + "VALUES ($1, 'default', $2, 2, 'simulator', $3, 'rolling')",
        inst,
        "sim-" + n,
        CONFIG);
    sql(
        "INSERT INTO releases (id, tenant_id, instance_id, version, image) VALUES ($1, 'default', $2, 1, $3)",
        rel,
        inst,
        image);
    sql(
        "INSERT INTO deployments (id, tenant_id, instance_id, release_id, kind, strategy, state, lease_epoch) "
            + "VALUES ($1, 'default', $2, $3, 'deploy', 'rolling', 'running', 1)",
        dep,
        inst,
        rel);
    return new Setup(inst, new ReleaseRef(rel, 1, image), new Fence(inst, dep, 1));
  }

  private void sql(String sql, Object... args) {
    Await.result(pool.preparedQuery(sql).execute(Tuple.from(args)));
  }

  private FleetStatus status(Setup s) {
    return Await.result(sim.status(s.instanceId()));
  }

  private List<JsonObject> timeline(Setup s) {
    List<JsonObject> all = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = Await.result(sim.timeline(s.instanceId(), 3, cursor));
      page.getJsonArray("items").forEach(o -> all.add((JsonObject) o));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return all;
  }

  @Test
  @DisplayName(
      "starts replicas that become ready after start_delay_ms + ready_delay_ms, and records each transition at its time")
  void replicasBecomeReady() {
    Setup s = setup("acme/app:1");
    Await.result(sim.runReplicas(s.fence(), s.release(), 2));
    Await.result(sim.runReplicas(s.fence(), s.release(), 2)); // idempotent: still two
    assertThat(status(s).running(s.release().id())).isEqualTo(2);
    Await.until(
        WAIT, "two ready replicas", () -> status(s).ready(s.release().id()) == 2 ? true : null);

    List<JsonObject> entries = timeline(s);
    assertThat(entries)
        .extracting(e -> e.getString("kind"))
        .containsExactly(
            "replica.created",
            "replica.created",
            "replica.started",
            "replica.started",
            "replica.ready",
            "replica.ready");
    Instant created = Instant.parse(entries.get(0).getString("at"));
    Instant ready = Instant.parse(entries.get(4).getString("at"));
    assertThat(Duration.between(created, ready)).isEqualTo(Duration.ofMillis(150));
    assertThat(entries).extracting(e -> Instant.parse(e.getString("at"))).isSorted();
    assertThat(entries.get(0).getLong("epoch")).isEqualTo(1L);
  }

  @Test
  @DisplayName(
      "applies fault rules by image glob: fail_start, never_ready, crash_after_seconds, error_rate")
  void faults() {
    Setup nostart = setup("registry.example.com/acme/app:nostart");
    Setup bad = setup("acme/app:bad-2");
    Setup crashy = setup("acme/app:crashy");
    Setup flaky = setup("acme/app:flaky");
    for (Setup s : List.of(nostart, bad, crashy, flaky)) {
      Await.result(sim.runReplicas(s.fence(), s.release(), 1));
    }
    Await.until(
        WAIT,
        "the crashy replica crashed",
        () ->
            status(crashy).of(crashy.release().id()).get(0).status() == ReplicaStatus.CRASHED
                ? true
                : null);
    assertThat(status(nostart).of(nostart.release().id()).get(0).status())
        .isEqualTo(ReplicaStatus.FAILED);
    assertThat(status(bad).of(bad.release().id()).get(0).status()).isEqualTo(ReplicaStatus.RUNNING);
    assertThat(status(flaky).ready(flaky.release().id())).isEqualTo(1);
    assertThat(Await.result(sim.errorRate(flaky.instanceId(), flaky.release().id(), 10)))
        .isEqualTo(0.3);
    assertThat(Await.result(sim.errorRate(bad.instanceId(), bad.release().id(), 10)))
        .isEqualTo(0.0);
    assertThat(timeline(crashy))
        .extracting(e -> e.getString("kind"))
        .containsExactly("replica.created", "replica.started", "replica.ready", "replica.crashed");
    assertThat(timeline(nostart))
        .extracting(e -> e.getString("kind"))
        .containsExactly("replica.created", "replica.failed");
  }

  @Test
  @DisplayName("stops replicas now or after a delay, and a later run cancels a scheduled stop")
  void stopAndReschedule() {
    Setup s = setup("acme/app:2");
    Await.result(sim.runReplicas(s.fence(), s.release(), 3));
    Await.result(sim.stopReplicas(s.fence(), s.release().id(), 2, 0));
    assertThat(status(s).running(s.release().id())).isEqualTo(2);
    Await.result(sim.stopReplicas(s.fence(), s.release().id(), 0, 60));
    assertThat(status(s).unscheduled(s.release().id())).isZero();
    assertThat(status(s).running(s.release().id())).as("scheduled, still running").isEqualTo(2);
    Await.result(sim.runReplicas(s.fence(), s.release(), 2));
    assertThat(status(s).unscheduled(s.release().id())).isEqualTo(2);
    assertThat(timeline(s))
        .extracting(e -> e.getString("kind"))
        .containsSubsequence(
            "replica.stopped",
            "replica.stop_scheduled",
            "replica.stop_scheduled",
            "replica.stop_cancelled",
            "replica.stop_cancelled");
  }

  @Test
  @DisplayName("sets traffic weights once: repeating the same weights records nothing")
  void traffic() {
    Setup s = setup("acme/app:3");
    Await.result(sim.setTraffic(s.fence(), Map.of(s.release().id(), 100)));
    Await.result(sim.setTraffic(s.fence(), Map.of(s.release().id(), 100)));
    assertThat(status(s).weights()).isEqualTo(Map.of(s.release().id(), 100));
    assertThat(timeline(s)).extracting(e -> e.getString("kind")).containsExactly("traffic.set");
  }

  @Test
  @DisplayName(
      "refuses, records and counts a change from a stale lease epoch, and applies nothing of it")
  void fencing() {
    Setup s = setup("acme/app:4");
    sql("UPDATE deployments SET lease_epoch = 2 WHERE id = $1", s.fence().deploymentId());

    assertThatThrownBy(() -> Await.result(sim.runReplicas(s.fence(), s.release(), 2)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 2");
    assertThatThrownBy(() -> Await.result(sim.setTraffic(s.fence(), Map.of(s.release().id(), 100))))
        .isInstanceOf(StaleEpochException.class);

    FleetStatus fleet = status(s);
    assertThat(fleet.replicas()).isEmpty();
    assertThat(fleet.weights()).isEmpty();
    assertThat(fleet.details().getLong("refused_actions")).isEqualTo(2L);
    assertThat(timeline(s))
        .extracting(e -> e.getString("kind"))
        .containsExactly("action.refused", "action.refused");
    Await.result(
        sim.runReplicas(new Fence(s.instanceId(), s.fence().deploymentId(), 2), s.release(), 1));
    assertThat(status(s).running(s.release().id())).isEqualTo(1);
  }
}
