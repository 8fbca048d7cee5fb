package io.ctrlplane.provider.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.Agents;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.LoadGenerator;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two hosts on one machine: two agent JVMs on two loopback addresses (127.0.0.1 and 127.0.0.2),
 * each with its own router for the instance on the same port, like two machines behind a load
 * balancer.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: each agent is a JVM of its own, so one can be killed
@CtrlPlaneServer(agent = "unused")
@DisplayName(
    "Two agents share an instance's replicas, and losing one is a host failure the rollout handles")
class TwoAgentsTest {
  private static final Duration END = Duration.ofSeconds(90);
  private ApiClient api;
  private Rollouts rollouts;
  private ChildProcess agentA;
  private ChildProcess agentB;

  @BeforeAll
  void start(AppConfig config, ApiClient api) {
    // this JVM is the API and the runner; each agent is a JVM of its own, so one can be killed
    this.api = api;
    rollouts = new Rollouts(api);
    agentA = ChildProcess.serve("agent-a", "agent", config, Agents.env("agent-a", "127.0.0.1"));
    agentB = ChildProcess.serve("agent-b", "agent", config, Agents.env("agent-b", "127.0.0.2"));
    agentA.awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
    agentB.awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    agentA.terminate(Duration.ofSeconds(20));
    agentB.terminate(Duration.ofSeconds(20));
    plane.stop();
    Await.until(
        Duration.ofSeconds(20),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  private Map<String, Long> replicasPerAgent(String instanceId) {
    return rollouts.fleet(instanceId).getJsonArray("replicas").stream()
        .map(o -> ((JsonObject) o).getString("agent_id"))
        .collect(Collectors.groupingBy(a -> a, Collectors.counting()));
  }

  private static String get(String host, int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  @Test
  @DisplayName(
      "replicas spread over both agents; kill -9 of one holding a new replica mid-rollout: the "
          + "deployment fails and reverts onto the other, and the router of the survivor never "
          + "fails a request")
  void spreadAndHostFailure(Vertx vertx) throws Exception {
    int routerPort = TestStack.freePort();
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "two-hosts")
                .put("replicas", 4)
                .put("provider", "process")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("command", DemoApps.command("v1", "v2"))
                        .put("router_port", routerPort)
                        .put("drain_timeout_ms", 3000)
                        .put("grace_timeout_ms", 3000)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String instanceId = created.json().getString("id");
    rollouts.awaitState(deploy(instanceId, "demo:v1", null), "succeeded", END);

    assertThat(replicasPerAgent(instanceId)).isEqualTo(Map.of("agent-a", 2L, "agent-b", 2L));
    // every host's router serves the instance, from the replicas of both hosts
    Await.until(
        Duration.ofSeconds(10),
        "both routers serving",
        () -> {
          try {
            return get("127.0.0.1", routerPort).startsWith("200 version=v1")
                    && get("127.0.0.2", routerPort).startsWith("200 version=v1")
                ? true
                : null;
          } catch (Exception e) {
            return null;
          }
        });
    List<Long> pidsOnB =
        rollouts.fleet(instanceId).getJsonArray("replicas").stream()
            .map(o -> (JsonObject) o)
            .filter(r -> "agent-b".equals(r.getString("agent_id")))
            .map(r -> r.getLong("pid"))
            .toList();

    try (LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", routerPort, 8)) {
      load.awaitMore(200);
      String id =
          deploy(instanceId, "demo:v2", new JsonObject().put("DEMO_START_DELAY_MS", "1500"));
      // the documented outcome depends on what the lost host held: a new replica crashed with it
      // fails a rolling deployment (docs/strategies.md), old ones would only be replaced. Kill it
      // once it holds a v2 replica, so there is one outcome: failed, reverted onto agent-a.
      Await.until(
          END,
          "a v2 replica placed on agent-b while the rollout runs",
          () -> {
            JsonObject d = rollouts.deployment(id);
            if (Rollouts.TERMINAL.contains(d.getString("state"))) {
              throw new Await.Hopeless("the rollout ended first: " + d.getString("state"));
            }
            return rollouts.fleet(instanceId).getJsonArray("replicas").stream()
                    .map(o -> (JsonObject) o)
                    .anyMatch(
                        r ->
                            "agent-b".equals(r.getString("agent_id"))
                                && r.getJsonObject("release").getInteger("version") == 2)
                ? true
                : null;
          });
      agentB.kill();
      JsonObject done = rollouts.awaitEnd(id, END);
      Await.until(
          Duration.ofSeconds(30),
          "four ready replicas, all on agent-a",
          () -> {
            JsonArray replicas = rollouts.fleet(instanceId).getJsonArray("replicas");
            return replicas.size() == 4
                    && replicas.stream()
                        .map(o -> (JsonObject) o)
                        .allMatch(
                            r ->
                                "agent-a".equals(r.getString("agent_id"))
                                    && "ready".equals(r.getString("status")))
                ? true
                : null;
          });
      load.awaitMore(300);
      load.stop();
      System.out.printf(
          "two agents, agent-b killed mid-rollout: deployment %s (%s); %s%n",
          done.getString("state"), done.getString("error"), load.summary());
      assertThat(done.getString("state")).as(done.encode()).isEqualTo("failed");
      assertThat(done.getString("error")).contains("agent-b");
      assertThat(
              rollouts
                  .instanceJson(instanceId)
                  .getJsonObject("current_release")
                  .getInteger("version"))
          .as("the revert kept v1 current")
          .isEqualTo(1);
      assertThat(get("127.0.0.1", routerPort)).startsWith("200 version=v1");
      assertThat(load.failures()).as(load.summary()).isEmpty();
      // the killed agent's apps followed it (they watch their agent), so nothing is orphaned
      Await.until(
          Duration.ofSeconds(20),
          "agent-b's apps gone",
          () -> pidsOnB.stream().noneMatch(pid -> ProcessHandle.of(pid).isPresent()) ? true : null);
    }
  }

  private String deploy(String instanceId, String image, JsonObject env) {
    JsonObject body =
        new JsonObject()
            .put("image", image)
            .put("strategy", "rolling")
            .put("strategy_params", new JsonObject().put("max_surge", 1));
    if (env != null) {
      body.put("env", env);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }
}
