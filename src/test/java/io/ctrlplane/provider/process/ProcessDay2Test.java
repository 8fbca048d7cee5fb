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
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Day-2 operations on real processes under a client loop (issue 16): restart, scale up and down,
 * each with not one failed request; delete stops every process.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,agent",
    agent = "agent-day2",
    config = "runner.poll_ms=200")
@DisplayName("Day-2 operations on the process provider")
class ProcessDay2Test {
  private static final Duration END = Duration.ofSeconds(90);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private ApiClient api;
  private Rollouts rollouts;
  private Vertx vertx;
  private JsonArray command;
  private Sql sql;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    this.sql = sql;
    this.vertx = vertx;
    command = DemoApps.command("v1", "v2");
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

  private record Live(String instanceId, int port, LoadGenerator load) {}

  /** v1 live on a fresh process instance, a client loop on its router. */
  private Live liveV1(int replicas) {
    int port = TestStack.freePort();
    JsonObject config =
        new JsonObject()
            .put("command", command)
            .put("health_path", "/health")
            .put("router_port", port)
            .put("drain_timeout_ms", 3000)
            .put("grace_timeout_ms", 3000);
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "day2-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("provider", "process")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    String id = r.json().getString("id");
    rollouts.awaitState(rollouts.deploy(id, "demo:v1", "rolling", null), "succeeded", END);
    LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", port, 8);
    load.awaitMore(200);
    return new Live(id, port, load);
  }

  private Set<String> replicaIds(String instanceId) {
    return rollouts.fleet(instanceId).getJsonArray("replicas").stream()
        .map(o -> ((JsonObject) o).getString("id"))
        .collect(Collectors.toSet());
  }

  /** Deletes the instance and waits until it is gone, so the processes do not pile up. */
  private void delete(String instanceId) {
    ApiClient.Response r = api.delete("/v1/instances/" + instanceId);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    rollouts.awaitState(r.location().substring("/v1/deployments/".length()), "succeeded", END);
  }

  @Test
  @DisplayName("restart under a client loop: every process replaced, not one failed request")
  void restart() throws Exception {
    Live live = liveV1(2);
    Set<String> before = replicaIds(live.instanceId());
    ApiClient.Response r =
        api.post("/v1/instances/" + live.instanceId() + "/restart", new JsonObject());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    String dep = r.json().getString("id");
    rollouts.awaitState(dep, "succeeded", END);
    live.load().awaitMore(200);
    live.load().stop();
    System.out.printf("process restart of 2 replicas: %s%n", live.load().summary());
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    Await.until(
        Duration.ofSeconds(20),
        "two new replicas, the old ones gone",
        () -> {
          List<JsonObject> replicas =
              rollouts.fleet(live.instanceId()).getJsonArray("replicas").stream()
                  .map(JsonObject.class::cast)
                  .toList();
          return replicas.size() == 2
                  && replicas.stream()
                      .allMatch(
                          x ->
                              !before.contains(x.getString("id"))
                                  && dep.equals(
                                      x.getJsonObject("started_by").getString("deployment_id")))
              ? true
              : null;
        });
    delete(live.instanceId());
  }

  @Test
  @DisplayName(
      "a rollback to a release still warm is a router switch: every request sent after it answered by v1, none failed")
  void warmRollback() throws Exception {
    Live live = liveV1(2);
    rollouts.awaitState(
        rollouts.deploy(
            live.instanceId(),
            "demo:v2",
            "blue-green",
            new JsonObject().put("scale_down_delay_seconds", 120)),
        "succeeded",
        END);
    Await.until(
        END,
        "v2 answers",
        () -> {
          List<LoadGenerator.Sample> s = live.load().samples();
          return "v2".equals(s.get(s.size() - 1).version()) ? true : null;
        });
    live.load().awaitMore(200);
    long t0 = System.currentTimeMillis();
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + live.instanceId() + "/rollback", new JsonObject().put("version", 1));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    long accepted = System.currentTimeMillis() - t0;
    rollouts.awaitState(r.json().getString("id"), "succeeded", END);
    live.load().awaitMore(300);
    live.load().stop();
    List<LoadGenerator.Sample> samples = live.load().samples();
    // the switch: the first send time after which every answer came from v1
    long lastV2Sent =
        samples.stream()
            .filter(x -> "v2".equals(x.version()))
            .mapToLong(LoadGenerator.Sample::sentMs)
            .max()
            .orElseThrow();
    long switched = Math.max(0, lastV2Sent - t0);
    System.out.printf(
        "process warm rollback: accepted in %d ms, last request answered by v2 sent %d ms after the"
            + " request; %s%n",
        accepted, switched, live.load().summary());
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    assertThat(switched).isLessThan(3000);
    delete(live.instanceId());
  }

  @Test
  @DisplayName(
      "delete under a client loop: the teardown succeeds, every process stops and the router's port closes")
  void deleteClosesTheRouter() throws Exception {
    Live live = liveV1(2);
    long t0 = System.currentTimeMillis();
    ApiClient.Response r = api.delete("/v1/instances/" + live.instanceId());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    rollouts.awaitState(r.location().substring("/v1/deployments/".length()), "succeeded", END);
    long tornDown = System.currentTimeMillis() - t0;
    assertThat(api.get("/v1/instances/" + live.instanceId()).status()).isEqualTo(404);
    long closedMs =
        Await.until(
            Duration.ofSeconds(10),
            "router port " + live.port() + " closed",
            () -> {
              try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", live.port()), 500);
                return null;
              } catch (java.io.IOException e) {
                return System.currentTimeMillis() - t0;
              }
            });
    live.load().stop();
    List<LoadGenerator.Sample> samples = live.load().samples();
    long answered = samples.stream().filter(x -> x.failure() == null).count();
    List<String> kinds =
        samples.stream()
            .filter(x -> x.failure() != null)
            .map(x -> x.failure().startsWith("503") ? "503" : x.failure())
            .distinct()
            .toList();
    System.out.printf(
        "process delete: teardown succeeded after %d ms, router port closed after %d ms; %s;"
            + " failure kinds %s%n",
        tornDown, closedMs, live.load().summary(), kinds);
    // what the clients saw is printed, not asserted: besides the router's 503 after the traffic
    // cut, some connections are closed around the cut (not yet explained; see the note)
    assertThat(answered).isGreaterThan(0);
    Await.until(
        Duration.ofSeconds(20),
        "every process of the instance stopped",
        () ->
            sql.count(
                        "SELECT count(*) FROM proc_replicas WHERE instance_id = $1 AND stopped_at IS NULL",
                        live.instanceId())
                    == 0
                ? true
                : null);
  }

  @Test
  @DisplayName("scale 2 -> 3 -> 1 under a client loop: not one failed request")
  void scale() throws Exception {
    Live live = liveV1(2);
    for (int replicas : new int[] {3, 1}) {
      ApiClient.Response r =
          api.send(
              HttpMethod.PATCH,
              "/v1/instances/" + live.instanceId(),
              new JsonObject().put("replicas", replicas).encode(),
              Map.of("Content-Type", "application/merge-patch+json"));
      assertThat(r.status()).as(r.text()).isEqualTo(202);
      rollouts.awaitState(r.location().substring("/v1/deployments/".length()), "succeeded", END);
      Await.until(
          Duration.ofSeconds(20),
          replicas + " replicas running",
          () -> replicaIds(live.instanceId()).size() == replicas ? true : null);
      live.load().awaitMore(200);
    }
    live.load().stop();
    System.out.printf("process scale 2 -> 3 -> 1: %s%n", live.load().summary());
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    delete(live.instanceId());
  }
}
