package io.ctrlplane.provider.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ContainerEngine;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
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

@ExtendWith(ContainerEngine.class)
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer(
    roles = "api,runner,relay,agent",
    agent = "agent-containers",
    config = "runner.poll_ms=200")
@DisplayName("The container provider moves live traffic between real containers (Podman)")
class ContainerRolloutTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private ApiClient api;
  private Rollouts rollouts;
  private Vertx vertx;
  private Pool pool;

  @BeforeAll
  void start(Vertx vertx, ApiClient api, Sql sql) {
    this.vertx = vertx;
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    plane.stop();
    Await.until(
        Duration.ofSeconds(30),
        "the agent removed every container it ran",
        () ->
            ContainerEngine.containers("io.ctrlplane.agent=agent-containers").isEmpty()
                ? true
                : null);
  }

  /** Stops an instance's containers once its test is done, so they do not pile up. */
  private void retire(String instanceId) {
    Await.result(
        pool.preparedQuery(
                "UPDATE proc_replicas SET stop_at = now() WHERE instance_id = $1 "
                    + "AND stopped_at IS NULL AND (stop_at IS NULL OR stop_at > now())")
            .execute(Tuple.of(instanceId)));
  }

  private static JsonObject config(int routerPort) {
    return new JsonObject()
        .put("router_port", routerPort)
        .put("health_path", "/health")
        .put("drain_timeout_ms", 2000)
        // busybox httpd as PID 1 ignores SIGTERM: the engine's stop kills it after the grace
        .put("grace_timeout_ms", 500);
  }

  /** A container instance with its own router port; returns {id, port}. */
  private Object[] instance(int replicas, JsonObject extra) {
    int port = TestStack.freePort();
    JsonObject config = config(port);
    if (extra != null) {
      config.mergeIn(extra);
    }
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "ctr-" + NAMES.incrementAndGet())
                .put("replicas", replicas)
                .put("provider", "container")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return new Object[] {r.json().getString("id"), port};
  }

  private String deploy(String instanceId, String image, String strategy, JsonObject params) {
    JsonObject body =
        new JsonObject()
            .put("image", image)
            .put("strategy", strategy)
            .put("strategy_params", params == null ? new JsonObject() : params);
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  private record Live(String instanceId, LoadGenerator load) {}

  private Live liveV1(int replicas) {
    Object[] inst = instance(replicas, null);
    String id = (String) inst[0];
    rollouts.awaitState(deploy(id, ContainerEngine.V1, "rolling", null), "succeeded", END);
    LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", (int) inst[1], 8);
    load.awaitMore(200);
    return new Live(id, load);
  }

  private LoadGenerator switchUnderLoad(String strategy, JsonObject params) throws Exception {
    Live live = liveV1(2);
    String dep = deploy(live.instanceId(), ContainerEngine.V2, strategy, params);
    rollouts.awaitState(dep, "succeeded", END);
    live.load().awaitMore(200);
    live.load().stop();
    List<LoadGenerator.Sample> samples = live.load().samples();
    System.out.printf("container %s v1 -> v2: %s%n", strategy, live.load().summary());
    assertThat(samples.get(0).version()).isEqualTo("v1");
    assertThat(samples.subList(samples.size() - 100, samples.size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
    Await.until(
        Duration.ofSeconds(30),
        "only v2's two containers left",
        () ->
            ContainerEngine.containers("io.ctrlplane.instance=" + live.instanceId()).size() == 2
                    && rollouts.fleet(live.instanceId()).getJsonArray("replicas").stream()
                        .allMatch(
                            o -> ContainerEngine.V2.equals(((JsonObject) o).getString("image")))
                ? true
                : null);
    retire(live.instanceId());
    return live.load();
  }

  @Test
  @DisplayName("rolling v1 -> v2: not one failed request, and the answers move from v1 to v2")
  void rolling() throws Exception {
    LoadGenerator load = switchUnderLoad("rolling", new JsonObject().put("max_surge", 1));
    assertThat(load.failures()).as(load.summary()).isEmpty();
  }

  @Test
  @DisplayName("blue-green v1 -> v2: not one failed request; the switch is a single flip")
  void blueGreen() throws Exception {
    LoadGenerator load =
        switchUnderLoad("blue-green", new JsonObject().put("scale_down_delay_seconds", 1));
    assertThat(load.failures()).as(load.summary()).isEmpty();
    List<LoadGenerator.Sample> samples = load.samples();
    long firstV2 =
        samples.stream()
            .filter(s -> "v2".equals(s.version()))
            .mapToLong(LoadGenerator.Sample::atMs)
            .min()
            .orElseThrow();
    assertThat(samples.stream().filter(s -> "v1".equals(s.version()) && s.atMs() > firstV2 + 200))
        .isEmpty();
  }

  @Test
  @DisplayName(
      "canary at 20 %: about a fifth of the answers come from v2, then all after promote, with no failure")
  void canary() throws Exception {
    Live live = liveV1(2);
    JsonObject params =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 20))
                    .add(new JsonObject().put("pause", new JsonObject())));
    String dep = deploy(live.instanceId(), ContainerEngine.V2, "canary", params);
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
    System.out.printf("container canary at 20 %%: %d of %d answers from v2%n", v2, window.size());
    assertThat(v2).isBetween(300L, 500L);
    assertThat(api.post("/v1/deployments/" + dep + "/promote", new JsonObject()).status())
        .isEqualTo(202);
    rollouts.awaitState(dep, "succeeded", END);
    live.load().awaitMore(200);
    live.load().stop();
    System.out.printf("container canary v1 -> v2: %s%n", live.load().summary());
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    List<LoadGenerator.Sample> all = live.load().samples();
    assertThat(all.subList(all.size() - 100, all.size()))
        .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
    retire(live.instanceId());
  }

  @Test
  @DisplayName("recreate v1 -> v2: its gap between the old set and the new shows as 503s only")
  void recreate() throws Exception {
    LoadGenerator load = switchUnderLoad("recreate", null);
    assertThat(load.failures())
        .as("recreate has a gap, by design: %s", load.summary())
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.failure()).startsWith("503"));
  }

  @Test
  @DisplayName(
      "an image that never becomes healthy fails at its deadline: traffic stays on v1, nothing fails, its containers are removed")
  void neverHealthy() throws Exception {
    Live live = liveV1(2);
    String dep =
        deploy(
            live.instanceId(),
            ContainerEngine.SICK,
            "rolling",
            new JsonObject().put("max_surge", 1).put("progress_deadline_seconds", 4));
    JsonObject done = rollouts.awaitState(dep, "failed", END);
    live.load().awaitMore(200);
    live.load().stop();
    System.out.printf(
        "container never-healthy: %s; error: %s%n", live.load().summary(), done.getString("error"));
    assertThat(done.getString("error"))
        .contains("did not complete within progress_deadline_seconds");
    assertThat(live.load().failures()).as(live.load().summary()).isEmpty();
    assertThat(live.load().byVersion()).containsOnlyKeys("v1");
    String sick = Rollouts.releaseId(done);
    Await.until(
        Duration.ofSeconds(30),
        "no container of the sick release left",
        () -> ContainerEngine.containers("io.ctrlplane.release=" + sick).isEmpty() ? true : null);
    assertThat(ContainerEngine.containers("io.ctrlplane.instance=" + live.instanceId())).hasSize(2);
    retire(live.instanceId());
  }

  @Test
  @DisplayName(
      "a missing image fails the deployment at once, naming the image, and v1 keeps serving")
  void missingImage() throws Exception {
    Live live = liveV1(1);
    String image = "localhost/ctrlplane-test-missing:v9";
    long t0 = System.currentTimeMillis();
    JsonObject done =
        rollouts.awaitState(
            deploy(live.instanceId(), image, "rolling", null), "failed", Duration.ofSeconds(30));
    long took = System.currentTimeMillis() - t0;
    live.load().stop();
    System.out.printf(
        "container missing image: failed after %d ms: %s%n", took, done.getString("error"));
    assertThat(done.getString("error")).contains(image);
    assertThat(took).isLessThan(15_000);
    assertThat(live.load().failures()).isEmpty();
    retire(live.instanceId());
  }

  @Test
  @DisplayName("pull_policy never: an image the engine lacks fails at once with that reason")
  void pullPolicyNever() {
    Object[] inst = instance(1, new JsonObject().put("pull_policy", "never"));
    String image = "localhost/ctrlplane-test-missing:never";
    JsonObject done =
        rollouts.awaitState(
            deploy((String) inst[0], image, "rolling", null), "failed", Duration.ofSeconds(30));
    assertThat(done.getString("error")).contains(image).contains("pull_policy is never");
    // and a present image runs under never
    rollouts.awaitState(
        deploy((String) inst[0], ContainerEngine.V1, "rolling", null), "succeeded", END);
    retire((String) inst[0]);
  }

  @Test
  @DisplayName(
      "a container that exits before it is ready fails with its exit code and its last lines")
  void exitBeforeReady() {
    Object[] inst =
        instance(
            1,
            new JsonObject()
                .put(
                    "entrypoint",
                    new JsonArray()
                        .add("/bin/busybox")
                        .add("sh")
                        .add("-c")
                        .add("echo boom-before-ready; exit 3")));
    JsonObject done =
        rollouts.awaitState(
            deploy((String) inst[0], ContainerEngine.V1, "rolling", null),
            "failed",
            Duration.ofSeconds(30));
    System.out.printf("container exit before ready: %s%n", done.getString("error"));
    assertThat(done.getString("error"))
        .contains("exited with code 3 before it was ready")
        .contains("boom-before-ready");
    retire((String) inst[0]);
  }

  @Test
  @DisplayName(
      "the fleet shows each replica's container id, image id and engine state; logs come from the engine")
  void fleetAndLogs() {
    Object[] inst =
        instance(
            1,
            new JsonObject()
                .put(
                    "entrypoint",
                    new JsonArray()
                        .add("/bin/busybox")
                        .add("sh")
                        .add("-c")
                        .add(
                            "echo hello-from-$CTRLPLANE_REPLICA_ID; "
                                + "exec /bin/busybox httpd -f -p 127.0.0.1:${PORT} -h /www")));
    String id = (String) inst[0];
    rollouts.awaitState(deploy(id, ContainerEngine.V1, "rolling", null), "succeeded", END);
    JsonObject replica = rollouts.fleet(id).getJsonArray("replicas").getJsonObject(0);
    JsonObject details = replica; // provider facts are part of the replica's view
    assertThat(details.getString("container_id")).matches("[0-9a-f]{64}");
    assertThat(details.getString("image_id")).matches("sha256:[0-9a-f]{64}");
    assertThat(details.getString("engine_state")).isEqualTo("running");
    String line =
        ContainerEngine.containers("io.ctrlplane.replica=" + replica.getString("id")).get(0);
    assertThat(details.getString("container_id")).startsWith(line.substring(0, 12));
    assertThat(line)
        .contains("io.ctrlplane.instance:" + id)
        .contains("io.ctrlplane.agent:agent-containers")
        .contains("io.ctrlplane.release:" + replica.getJsonObject("release").getString("id"));
    ApiClient.Response logs =
        api.get("/v1/instances/" + id + "/replicas/" + replica.getString("id") + "/logs?tail=5");
    assertThat(logs.status()).as(logs.text()).isEqualTo(200);
    assertThat(logs.text()).contains("hello-from-" + replica.getString("id"));
    retire(id);
  }

  @Test
  @DisplayName(
      "secret_env reaches the container's environment and nothing else: not its labels, the API, the timeline or the logs")
  void secretEnv() {
    Object[] inst = instance(1, null);
    String id = (String) inst[0];
    String secret = "hunter2-" + System.nanoTime();
    JsonObject body =
        new JsonObject()
            .put("image", ContainerEngine.V1)
            .put("env", new JsonObject().put("PLAIN", "visible"))
            .put("secret_env", new JsonObject().put("DEMO_SECRET", secret));
    ApiClient.Response r = api.post("/v1/instances/" + id + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    JsonObject done = rollouts.awaitState(r.json().getString("id"), "succeeded", END);
    JsonObject replica = rollouts.fleet(id).getJsonArray("replicas").getJsonObject(0);
    String container = replica.getString("container_id");
    String env =
        ContainerEngine.run(
            List.of(
                ContainerEngine.cli(), "inspect", "--format", "{{json .Config.Env}}", container));
    assertThat(env).contains("DEMO_SECRET=" + secret).contains("PLAIN=visible").contains("PORT=");
    String labels =
        ContainerEngine.run(
            List.of(
                ContainerEngine.cli(),
                "inspect",
                "--format",
                "{{json .Config.Labels}}",
                container));
    assertThat(labels).contains("io.ctrlplane.replica").doesNotContain(secret);
    ApiClient.Response logs =
        api.get("/v1/instances/" + id + "/replicas/" + replica.getString("id") + "/logs?tail=50");
    assertThat(logs.status()).isEqualTo(200);
    assertThat(String.valueOf(logs.text())).doesNotContain(secret);
    assertThat(rollouts.timeline(id).toString()).doesNotContain(secret);
    assertThat(rollouts.fleet(id).encode()).doesNotContain(secret);
    assertThat(done.encode()).doesNotContain(secret);
    assertThat(api.get("/v1/instances/" + id + "/releases").text()).doesNotContain(secret);
    retire(id);
  }

  @Test
  @DisplayName("a bad container config is refused at instance creation, naming each field")
  void badConfig() {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "bad-container")
                .put("provider", "container")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("network", "bridge")
                        .put("pull_policy", "sometimes")
                        .put("ulimits", new JsonObject().put("nofile", new JsonArray().add(10)))));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text())
        .contains("provider_config.router_port")
        .contains("provider_config.network")
        .contains("provider_config.pull_policy")
        .contains("provider_config.ulimits.nofile");
  }
}
