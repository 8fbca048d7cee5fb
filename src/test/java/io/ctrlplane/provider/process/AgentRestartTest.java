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
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An agent JVM of its own, SIGKILLed while its replicas serve, then started again: it takes its
 * processes back (pid, start time and port from its pid files) instead of killing them.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the agent is a JVM of its own, so it can be killed and restarted
@CtrlPlaneServer(agent = "unused")
@DisplayName("A restarted agent takes its running processes back")
class AgentRestartTest {
  private static final Duration END = Duration.ofSeconds(90);
  private static final Set<String> LIFE =
      Set.of("replica.started", "replica.crashed", "replica.failed", "replica.stopped");
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private ChildProcess agent;

  @BeforeAll
  void start(AppConfig config, ApiClient api) {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
    agent = startAgent("agent-r-1");
  }

  private ChildProcess startAgent(String log) {
    ChildProcess a =
        ChildProcess.serve(log, "agent", config, Agents.env("agent-restart", "127.0.0.1"));
    a.awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
    return a;
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    agent.terminate(Duration.ofSeconds(20));
    plane.stop();
    Await.until(
        Duration.ofSeconds(30),
        "no demo app process left",
        () -> DemoApps.running().isEmpty() ? true : null);
  }

  @Test
  @DisplayName(
      "kill -9 of the agent, restart: the same pids still serve on the same ports, the router is"
          + " back, no replica restarted or crashed; the next rollout drains the adopted ones")
  void readopts() throws Exception {
    int routerPort = TestStack.freePort();
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "adopted")
                .put("replicas", 3)
                .put("provider", "process")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("command", DemoApps.command("v1", "v2"))
                        .put("router_port", routerPort)
                        .put("drain_timeout_ms", 2000)
                        .put("grace_timeout_ms", 2000)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String instanceId = created.json().getString("id");
    rollouts.awaitState(deploy(instanceId, "demo:v1"), "succeeded", END);
    Await.until(Duration.ofSeconds(10), "router serving v1", () -> serving(routerPort, "v1"));
    Map<String, JsonObject> before = replicas(instanceId);
    assertThat(before).hasSize(3);
    List<Integer> ports = before.values().stream().map(r -> r.getInteger("port")).toList();
    assertThat(ports)
        .as("ports from agent.port_range, each its own")
        .doesNotHaveDuplicates()
        .allSatisfy(p -> assertThat(p).isBetween(20000, 29999));
    long lifeBefore = lifeEvents(instanceId);

    agent.kill();
    Await.until(
        Duration.ofSeconds(10), "router gone with its agent", () -> serving(routerPort, null));
    // the apps outlive their agent (their lifeline allows 15 s) and answer directly
    for (JsonObject r : before.values()) {
      assertThat(ProcessHandle.of(r.getLong("pid"))).isPresent();
      assertThat(get(r.getInteger("port"))).startsWith("200 version=v1");
    }

    agent = startAgent("agent-r-2");
    Await.until(Duration.ofSeconds(20), "router back", () -> serving(routerPort, "v1"));
    assertThat(agent.output()).contains("3 taken back, 0 killed");
    Map<String, JsonObject> after =
        Await.until(
            Duration.ofSeconds(20),
            "the same three replicas ready",
            () -> {
              Map<String, JsonObject> now = replicas(instanceId);
              return now.keySet().equals(before.keySet())
                      && now.values().stream().allMatch(r -> "ready".equals(r.getString("status")))
                  ? now
                  : null;
            });
    for (String id : before.keySet()) {
      assertThat(after.get(id).getLong("pid")).isEqualTo(before.get(id).getLong("pid"));
      assertThat(after.get(id).getInteger("port")).isEqualTo(before.get(id).getInteger("port"));
      assertThat(ProcessHandle.of(before.get(id).getLong("pid"))).isPresent();
    }
    assertThat(lifeEvents(instanceId))
        .as("no replica started, crashed, failed or stopped across the restart")
        .isEqualTo(lifeBefore);

    // taken back for good: the next rollout stops them by the drain protocol
    rollouts.awaitState(deploy(instanceId, "demo:v2"), "succeeded", END);
    Await.until(Duration.ofSeconds(10), "router serving v2", () -> serving(routerPort, "v2"));
    Await.until(
        Duration.ofSeconds(20),
        "the adopted processes stopped",
        () ->
            before.values().stream().noneMatch(r -> ProcessHandle.of(r.getLong("pid")).isPresent())
                ? true
                : null);
  }

  private String deploy(String instanceId, String image) {
    ApiClient.Response r =
        api.post(
            "/v1/instances/" + instanceId + "/deployments",
            new JsonObject().put("image", image).put("strategy", "rolling"));
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  private Map<String, JsonObject> replicas(String instanceId) {
    return rollouts.fleet(instanceId).getJsonArray("replicas").stream()
        .map(o -> (JsonObject) o)
        .collect(Collectors.toMap(r -> r.getString("id"), r -> r));
  }

  private long lifeEvents(String instanceId) {
    return rollouts.timeline(instanceId).stream()
        .filter(e -> LIFE.contains(e.getString("kind")))
        .count();
  }

  /** True when the router answers with {@code version} (null: when it does not answer at all). */
  private static Boolean serving(int port, String version) {
    try {
      String answer = get(port);
      return version != null && answer.startsWith("200 version=" + version) ? true : null;
    } catch (Exception e) {
      return version == null ? true : null;
    }
  }

  private static String get(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
