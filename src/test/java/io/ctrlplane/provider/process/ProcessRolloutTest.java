package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.Agents;
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
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,agent",
    agent = "agent-rollout",
    config = "runner.poll_ms=200")
@DisplayName("The process provider moves live traffic between real processes")
class ProcessRolloutTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private ApiClient api;
  private Rollouts rollouts;
  private Vertx vertx;
  private JsonArray command;
  private Pool pool;
  private String lastInstance;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    this.vertx = vertx;
    command = DemoApps.command("v1", "v2");
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    plane.stop();
    Await.until(
        Duration.ofSeconds(20),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  /**
   * Stops an instance's processes once its test is done (there is no delete-instance API yet), so
   * the tests of this class do not pile up JVMs on a small machine.
   */
  private void retire(String instanceId) {
    Await.result(
        pool.preparedQuery(
                "UPDATE proc_replicas SET stop_at = now() WHERE instance_id = $1 "
                    + "AND stopped_at IS NULL AND (stop_at IS NULL OR stop_at > now())")
            .execute(Tuple.of(instanceId)));
  }

  /** A process instance whose router listens on a port of its own; returns {id, port}. */
  private Object[] instance(int replicas) {
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
                .put("name", "demo-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("provider", "process")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return new Object[] {r.json().getString("id"), port};
  }

  private String deploy(
      String instanceId, String image, String strategy, JsonObject params, JsonObject env) {
    JsonObject body =
        new JsonObject()
            .put("image", image)
            .put("strategy", strategy)
            .put("strategy_params", params == null ? new JsonObject() : params);
    if (env != null) {
      body.put("env", env);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  /** v1 live on a fresh instance, a load generator on its router: where every rollout starts. */
  private record Live(String instanceId, LoadGenerator load) {}

  private Live liveV1(int replicas) {
    Object[] inst = instance(replicas);
    String id = (String) inst[0];
    rollouts.awaitState(deploy(id, "demo:v1", "rolling", null, null), "succeeded", END);
    LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", (int) inst[1], 8);
    load.awaitMore(200);
    return new Live(id, load);
  }

  /** Rolls v1 to v2 under load and checks the switch; returns the load's samples. */
  private LoadGenerator switchUnderLoad(String strategy, JsonObject params) throws Exception {
    Live live = liveV1(2);
    lastInstance = live.instanceId();
    String dep = deploy(live.instanceId(), "demo:v2", strategy, params, null);
    rollouts.awaitState(dep, "succeeded", END);
    live.load().awaitMore(200);
    live.load().stop();
    List<LoadGenerator.Sample> samples = live.load().samples();
    System.out.printf("process %s v1 -> v2: %s%n", strategy, live.load().summary());
    assertThat(samples.get(0).version()).isEqualTo("v1");
    assertThat(samples.subList(samples.size() - 100, samples.size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
    // blue-green's old set stops after its scale-down delay
    Await.until(
        Duration.ofSeconds(20),
        "only v2 left",
        () -> {
          JsonArray replicas = rollouts.fleet(live.instanceId()).getJsonArray("replicas");
          return replicas.size() == 2
                  && replicas.stream()
                      .allMatch(o -> "demo:v2".equals(((JsonObject) o).getString("image")))
              ? true
              : null;
        });
    retire(live.instanceId());
    return live.load();
  }

  @Test
  @DisplayName("rolling v1 -> v2: not one failed request, and the answers move from v1 to v2")
  void rolling() throws Exception {
    LoadGenerator load = switchUnderLoad("rolling", new JsonObject().put("max_surge", 1));
    assertThat(load.failures()).as(load.summary()).isEmpty();
    // every stop went through the drain: out of the routers before the process was signalled
    List<String> v1 =
        rollouts.timeline(lastInstance).stream()
            .filter(
                e ->
                    "replica.created".equals(e.getString("kind"))
                        && e.getJsonObject("release").getInteger("version") == 1)
            .map(e -> e.getString("replica_id"))
            .toList();
    List<JsonObject> timeline =
        Await.until(
            Duration.ofSeconds(20),
            "v1's replicas stopped",
            () -> {
              List<JsonObject> t = rollouts.timeline(lastInstance);
              return t.stream()
                          .filter(
                              e ->
                                  "replica.stopped".equals(e.getString("kind"))
                                      && v1.contains(e.getString("replica_id")))
                          .count()
                      == v1.size()
                  ? t
                  : null;
            });
    assertThat(v1).hasSize(2);
    v1.forEach(
        id ->
            assertThat(
                    timeline.stream()
                        .filter(e -> id.equals(e.getString("replica_id")))
                        .map(e -> e.getString("kind"))
                        .toList())
                .containsSubsequence("replica.ready", "replica.draining", "replica.stopped"));
  }

  @Test
  @DisplayName("blue-green v1 -> v2: not one failed request; the switch is a single flip")
  void blueGreen() throws Exception {
    LoadGenerator load =
        switchUnderLoad("blue-green", new JsonObject().put("scale_down_delay_seconds", 1));
    assertThat(load.failures()).as(load.summary()).isEmpty();
    // one flip: once v2 had answered, no request sent after that answer was served by v1
    List<LoadGenerator.Sample> samples = load.samples();
    long firstV2Answered =
        samples.stream()
            .filter(s -> "v2".equals(s.version()))
            .mapToLong(LoadGenerator.Sample::atMs)
            .min()
            .orElseThrow();
    assertThat(samples)
        .as("requests sent after the first v2 answer")
        .filteredOn(s -> s.sentMs() > firstV2Answered)
        .isNotEmpty()
        .extracting(LoadGenerator.Sample::version)
        .containsOnly("v2");
  }

  @Test
  @DisplayName(
      "canary at 20 %: about a fifth of the answers come from v2 (within 20 +/- 5 %), then all, with no failure")
  void canary() throws Exception {
    Live live = liveV1(2);
    JsonObject params =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 20))
                    .add(new JsonObject().put("pause", new JsonObject())));
    String dep = deploy(live.instanceId(), "demo:v2", "canary", params, null);
    Await.until(
        END,
        "canary paused at 20 %",
        () ->
            "paused".equals(rollouts.deployment(dep).getJsonObject("progress").getString("phase"))
                ? true
                : null);
    int from = live.load().size();
    live.load().awaitMore(2000);
    List<LoadGenerator.Sample> window = live.load().samples().subList(from, from + 2000);
    long v2 = window.stream().filter(s -> "v2".equals(s.version())).count();
    System.out.printf(
        "process canary at 20 %%: %d of %d answers from v2 (%.1f %%)%n",
        v2, window.size(), 100.0 * v2 / window.size());
    assertThat(v2).isBetween(300L, 500L);
    assertThat(api.post("/v1/deployments/" + dep + "/promote", new JsonObject()).status())
        .isEqualTo(202);
    rollouts.awaitState(dep, "succeeded", END);
    live.load().awaitMore(200);
    live.load().stop();
    System.out.printf("process canary v1 -> v2: %s%n", live.load().summary());
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    List<LoadGenerator.Sample> all = live.load().samples();
    assertThat(all.subList(all.size() - 100, all.size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
    retire(live.instanceId());
  }

  @Test
  @DisplayName(
      "canary analysis reads the routers' counts: a v2 answering 50 % errors fails it, and v1 takes all traffic back")
  void canaryAnalysis() throws Exception {
    Live live = liveV1(2);
    JsonObject params =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 50))
                    .add(
                        new JsonObject()
                            .put(
                                "analysis",
                                new JsonObject()
                                    .put("max_error_rate", 0.1)
                                    .put("window_seconds", 3))));
    String dep =
        deploy(
            live.instanceId(),
            "demo:v2",
            "canary",
            params,
            new JsonObject().put("DEMO_ERROR_RATE", "0.5"));
    JsonObject done = rollouts.awaitState(dep, "failed", END);
    int from = live.load().size();
    live.load().awaitMore(300);
    live.load().stop();
    System.out.printf(
        "process canary analysis: %s; error: %s%n", live.load().summary(), done.getString("error"));
    assertThat(done.getString("error"))
        .contains("analysis failed")
        .contains("above max_error_rate 0.100");
    // the errors came from v2 itself (its 500s), never from the router; after the revert only v1
    // answers
    assertThat(live.load().failures())
        .allSatisfy(f -> assertThat(f.failure()).startsWith("500 injected error"));
    assertThat(live.load().samples().subList(from, live.load().size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v1"));
    retire(live.instanceId());
  }

  @Test
  @DisplayName(
      "recreate v1 -> v2: the gap between the old set stopping and the new one ready shows as failed requests")
  void recreate() throws Exception {
    LoadGenerator load = switchUnderLoad("recreate", null);
    assertThat(load.failures())
        .as("recreate has a gap, by design: %s", load.summary())
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.failure()).startsWith("503"));
  }

  @Test
  @DisplayName(
      "a v2 that never becomes healthy: the deployment fails, v2 never serves, nothing fails, v2's processes are gone")
  void neverHealthy() throws Exception {
    Live live = liveV1(2);
    String dep =
        deploy(
            live.instanceId(),
            "demo:v2",
            "rolling",
            new JsonObject().put("max_surge", 1).put("progress_deadline_seconds", 4),
            new JsonObject().put("DEMO_HEALTH", "fail"));
    JsonObject done = rollouts.awaitState(dep, "failed", END);
    live.load().awaitMore(200);
    live.load().stop();
    System.out.printf(
        "process never-healthy v2: %s; error: %s%n",
        live.load().summary(), done.getString("error"));
    assertThat(done.getString("error"))
        .contains("did not complete within progress_deadline_seconds");
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    assertThat(live.load().byVersion()).containsOnlyKeys("v1");
    String v2 = Rollouts.releaseId(done);
    List<JsonObject> timeline = rollouts.timeline(live.instanceId());
    List<String> created =
        timeline.stream()
            .filter(
                e ->
                    "replica.created".equals(e.getString("kind"))
                        && v2.equals(e.getJsonObject("release").getString("id")))
            .map(e -> e.getString("replica_id"))
            .toList();
    assertThat(created).isNotEmpty();
    Await.until(
        Duration.ofSeconds(20),
        "v2's replicas stopped",
        () ->
            rollouts.timeline(live.instanceId()).stream()
                        .filter(
                            e ->
                                "replica.stopped".equals(e.getString("kind"))
                                    && created.contains(e.getString("replica_id")))
                        .count()
                    == created.size()
                ? true
                : null);
    List<Long> pids =
        rollouts.timeline(live.instanceId()).stream()
            .filter(
                e ->
                    "replica.started".equals(e.getString("kind"))
                        && created.contains(e.getString("replica_id")))
            .map(e -> e.getJsonObject("detail").getLong("pid"))
            .toList();
    assertThat(pids)
        .hasSameSizeAs(created)
        .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());
    retire(live.instanceId());
  }

  @Test
  @DisplayName(
      "a release whose artifact is missing fails at once with the reason, and v1 keeps serving")
  void missingArtifact() throws Exception {
    Live live = liveV1(1);
    JsonObject done =
        rollouts.awaitState(
            deploy(live.instanceId(), "demo:v9", "rolling", null, null),
            "failed",
            Duration.ofSeconds(30));
    live.load().stop();
    System.out.printf(
        "process missing artifact: %s; error: %s%n",
        live.load().summary(), done.getString("error"));
    assertThat(done.getString("error"))
        .contains("failed to start")
        .contains("exited with code 1 before it was ready")
        .contains("DemoApp");
    assertThat(live.load().failures()).isEmpty();
    retire(live.instanceId());
  }

  @Test
  @DisplayName("a replica's output is readable through the API, the last N lines")
  void logs() throws Exception {
    Live live = liveV1(1);
    live.load().close();
    String replica =
        rollouts.fleet(live.instanceId()).getJsonArray("replicas").getJsonObject(0).getString("id");
    ApiClient.Response r =
        api.get("/v1/instances/" + live.instanceId() + "/replicas/" + replica + "/logs?tail=2");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/plain");
    assertThat(r.text().lines()).hasSize(2);
    assertThat(
            api.get("/v1/instances/" + live.instanceId() + "/replicas/" + replica + "/logs?tail=50")
                .text())
        .contains("demo v1 listening on");
    assertThat(api.get("/v1/instances/" + live.instanceId() + "/replicas/rep_nope/logs").status())
        .isEqualTo(404);
    retire(live.instanceId());
  }

  @Test
  @DisplayName(
      "secret_env reaches the process, opened by the agent; its value is in no log, view or timeline")
  void secretEnv() throws Exception {
    Object[] inst = instance(1);
    String id = (String) inst[0];
    String secret = "hunter2-" + System.nanoTime();
    JsonObject body =
        new JsonObject()
            .put("image", "demo:v1")
            .put("secret_env", new JsonObject().put("DEMO_SECRET", secret));
    ApiClient.Response r = api.post("/v1/instances/" + id + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(r.json().getString("id"), "succeeded", END);
    String replica = rollouts.fleet(id).getJsonArray("replicas").getJsonObject(0).getString("id");
    String logs = api.get("/v1/instances/" + id + "/replicas/" + replica + "/logs?tail=50").text();
    assertThat(logs)
        .contains("DEMO_SECRET is set (" + secret.length() + " characters)")
        .doesNotContain(secret);
    assertThat(rollouts.timeline(id).toString()).doesNotContain(secret);
    assertThat(rollouts.fleet(id).encode()).doesNotContain(secret);
    assertThat(done.encode()).doesNotContain(secret);
    retire(id);
  }

  @Test
  @DisplayName("the agent API answers only requests bearing the agents' token")
  void agentToken() throws Exception {
    String url =
        Await.result(pool.query("SELECT api_url FROM agents").execute())
            .iterator()
            .next()
            .getString("api_url");
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest.Builder health =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/agent/v1/health"));
    assertThat(
            http.send(health.build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    assertThat(
            http.send(
                    health.header("authorization", "Bearer wrong").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    assertThat(
            http.send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(url + "/agent/v1/health"))
                        .header("authorization", "Bearer " + Agents.TOKEN)
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  @DisplayName(
      "a bad command template or a missing router port is refused when the instance is created")
  void badConfig() {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "bad-template")
                .put("provider", "process")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put(
                            "command",
                            new JsonArray().add("java").add("-jar").add("apps/{repo}/app.jar"))));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.text())
        .contains("provider_config.command[2]")
        .contains("unknown placeholder {repo}")
        .contains("provider_config.router_port");
  }
}
