package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.LoadGenerator;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Self-healing on real processes (issue 16): outside deployments, a replica killed with SIGKILL is
 * replaced within heal_after_seconds + 2 s with no deployment involved, and a release that crashes
 * in a loop is replaced at growing intervals while the instance reports crash_looping.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,agent",
    agent = "agent-heal",
    config = "runner.poll_ms=200")
@DisplayName("Self-healing on the process provider")
class ProcessHealTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private ApiClient api;
  private Rollouts rollouts;
  private Vertx vertx;
  private Sql sql;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    this.sql = sql;
    this.vertx = vertx;
    this.api = api.checked();
    rollouts = new Rollouts(this.api);
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    plane.stop();
    Await.until(
        Duration.ofSeconds(20),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  private String instance(int port, int replicas, int healAfter, JsonObject env) {
    JsonObject config =
        new JsonObject()
            .put("command", DemoApps.command("v1"))
            .put("health_path", "/health")
            .put("router_port", port)
            .put("drain_timeout_ms", 2000)
            .put("grace_timeout_ms", 2000);
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "heal-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("heal_after_seconds", healAfter)
                .put("provider", "process")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    String id = r.json().getString("id");
    ApiClient.Response d =
        api.post(
            "/v1/instances/" + id + "/deployments",
            new JsonObject().put("image", "demo:v1").put("strategy", "recreate").put("env", env));
    assertThat(d.status()).as(d.text()).isEqualTo(202);
    rollouts.awaitState(d.json().getString("id"), "succeeded", END);
    return id;
  }

  private long deployments(String id) {
    return sql.count("SELECT count(*) FROM deployments WHERE instance_id = $1", id);
  }

  private int ready(String id) {
    return rollouts.fleet(id).getJsonArray("replicas").stream()
        .map(JsonObject.class::cast)
        .filter(r -> "ready".equals(r.getString("status")))
        .mapToInt(r -> 1)
        .sum();
  }

  @Test
  @DisplayName("kill -9 of a replica: replaced within heal_after_seconds + 2 s, no deployment")
  void killedReplicaIsReplaced() throws Exception {
    int port = TestStack.freePort();
    int healAfter = 3;
    String id = instance(port, 2, healAfter, new JsonObject());
    long before = deployments(id);
    Await.until(END, "2 ready replicas", () -> ready(id) == 2 ? true : null);
    try (LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", port, 4)) {
      load.awaitMore(100);
      List<Row> pids =
          sql.rows(
              "SELECT id, pid FROM proc_replicas WHERE instance_id = $1 AND pid IS NOT NULL "
                  + "AND stopped_at IS NULL ORDER BY id",
              id);
      assertThat(pids).hasSizeGreaterThanOrEqualTo(2);
      String victim = pids.get(0).getString("id");
      long pid = pids.get(0).getLong("pid");
      long killedAt = System.nanoTime();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      Await.until(
          Duration.ofSeconds(healAfter + 2),
          "a replacement ready, the killed one gone",
          () -> {
            JsonArray replicas = rollouts.fleet(id).getJsonArray("replicas");
            boolean gone =
                replicas.stream()
                    .map(JsonObject.class::cast)
                    .noneMatch(r -> victim.equals(r.getString("id")));
            return gone && ready(id) == 2 ? true : null;
          });
      double seconds = (System.nanoTime() - killedAt) / 1e9;
      System.out.printf("process heal: killed replica replaced and ready in %.2f s%n", seconds);
      load.awaitMore(100);
      assertThat(deployments(id)).isEqualTo(before);
      assertThat(
              sql.count(
                  "SELECT count(*) FROM heal_log WHERE instance_id = $1 AND replaced >= 1", id))
          .isGreaterThanOrEqualTo(1);
      Await.until(
          Duration.ofSeconds(10),
          "healthy again",
          () ->
              "healthy"
                      .equals(
                          api.get("/v1/instances/" + id)
                              .json()
                              .getJsonObject("health")
                              .getString("status"))
                  ? true
                  : null);
    }
  }

  @Test
  @DisplayName("a release crashing in a loop: replacements at growing intervals, crash_looping")
  void crashLoopBacksOff() {
    int port = TestStack.freePort();
    String id = instance(port, 1, 1, new JsonObject().put("DEMO_CRASH_AFTER_MS", "3000"));
    long before = deployments(id);
    Await.until(
        Duration.ofSeconds(60),
        "four replacements",
        () ->
            sql.count("SELECT count(*) FROM heal_log WHERE instance_id = $1", id) >= 4
                ? true
                : null);
    List<OffsetDateTime> at = new ArrayList<>();
    sql.rows("SELECT at FROM heal_log WHERE instance_id = $1 ORDER BY at", id)
        .forEach(r -> at.add(r.getOffsetDateTime("at")));
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < at.size(); i++) {
      gaps.add(Duration.between(at.get(i - 1), at.get(i)).toMillis());
    }
    System.out.printf("crash loop: replacement intervals %s ms%n", gaps);
    // each gap is the crash delay plus a backoff that doubles: 1 s, 2 s, 4 s
    assertThat(gaps.get(gaps.size() - 1)).isGreaterThan(gaps.get(0) + 1500);
    JsonObject health = api.get("/v1/instances/" + id).json().getJsonObject("health");
    assertThat(health.getString("status")).as(health.encode()).isEqualTo("crash_looping");
    assertThat(health.getString("reason")).contains("crash");
    assertThat(deployments(id)).isEqualTo(before);
  }
}
