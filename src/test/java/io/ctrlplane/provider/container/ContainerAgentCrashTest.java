package io.ctrlplane.provider.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.Agents;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.ContainerEngine;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.HashMap;
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

@ExtendWith(ContainerEngine.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the agent is a JVM of its own, so it can be killed with SIGKILL
@CtrlPlaneServer(roles = "api,runner,relay", config = "runner.poll_ms=200")
@DisplayName("A killed agent's containers outlive it, and its next run adopts them")
class ContainerAgentCrashTest {
  private static final String AGENT = "agent-adopt";
  private static final Duration END = Duration.ofSeconds(120);
  private AppConfig config;
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;
  private ChildProcess agent;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
    agent = startAgent("agent-adopt-1");
  }

  /** Long enough a dead-after that a restart in its window finds its replicas still its own. */
  private ChildProcess startAgent(String logName) {
    Map<String, String> env = new HashMap<>(Agents.env(AGENT, "127.0.0.1"));
    env.put("CTRLPLANE_AGENT_DEAD_AFTER_MS", "20000");
    return ChildProcess.serve(logName, "agent", config, env)
        .awaitOutput("Ctrl Plane is up", Duration.ofSeconds(60));
  }

  @AfterAll
  void stop(CtrlPlane plane) {
    agent.terminate(Duration.ofSeconds(30));
    plane.stop();
    Await.until(
        Duration.ofSeconds(30),
        "no container of the test agent left",
        () -> ContainerEngine.containers("io.ctrlplane.agent=" + AGENT).isEmpty() ? true : null);
  }

  @Test
  @DisplayName(
      "kill -9 of the agent mid-rollout, agent restarted: containers adopted, a stray one removed, the rollout completes with exactly the desired containers")
  void killedAgent() {
    int port = TestStack.freePort();
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "adopt-demo")
                .put("replicas", 2)
                .put("provider", "container")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("router_port", port)
                        .put("drain_timeout_ms", 1000)
                        .put("grace_timeout_ms", 500)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String instanceId = created.json().getString("id");
    rollouts.awaitState(deploy(instanceId, ContainerEngine.V1, null), "succeeded", END);
    // a v2 that takes 4 s to listen holds the rollout in its middle
    String dep = deploy(instanceId, ContainerEngine.V2, new JsonObject().put("START_DELAY_S", "4"));
    Await.until(END, "a v2 container started", () -> started(instanceId, 2) > 0 ? true : null);
    Set<String> before = containerIds(instanceId);
    agent.kill();
    // a container the database never asked for, labelled as this agent's: the restart removes it
    String stray =
        ContainerEngine.run(
                List.of(
                    ContainerEngine.cli(),
                    "run",
                    "-d",
                    "--network",
                    "host",
                    "--label",
                    "io.ctrlplane.agent=" + AGENT,
                    "--label",
                    "io.ctrlplane.instance=" + instanceId,
                    "--label",
                    "io.ctrlplane.replica=rep_stray",
                    "-e",
                    "PORT=" + TestStack.freePort(),
                    ContainerEngine.V1))
            .trim();
    assertThat(ContainerEngine.containers("io.ctrlplane.replica=rep_stray")).hasSize(1);
    agent = startAgent("agent-adopt-2");
    JsonObject done = rollouts.awaitState(dep, "succeeded", END);
    String out = agent.output();
    System.out.printf(
        "container agent crash: %d containers before the kill; restarted agent: %s%n",
        before.size(),
        out.lines().filter(l -> l.contains("adopted")).collect(Collectors.joining(" / ")));
    assertThat(out).containsPattern("[1-9]\\d* container\\(s\\) found, [1-9]\\d* adopted");
    assertThat(done.getJsonObject("release").getInteger("version")).isEqualTo(2);
    // exactly the desired containers: the fleet's two v2 replicas, running; the stray is gone
    Await.until(
        Duration.ofSeconds(30),
        "only the fleet's replicas left as containers",
        () -> {
          Set<String> wanted =
              rollouts.fleet(instanceId).getJsonArray("replicas").stream()
                  .map(o -> ((JsonObject) o).getString("container_id"))
                  .collect(Collectors.toSet());
          Set<String> running = containerIds(instanceId);
          return wanted.size() == 2 && running.equals(wanted) ? true : null;
        });
    assertThat(ContainerEngine.containers("io.ctrlplane.instance=" + instanceId))
        .hasSize(2)
        // Docker's {{.State}} says "running", Podman 4's "Up 5 seconds ago"
        .allSatisfy(l -> assertThat(l).containsAnyOf(" running ", " Up "))
        .noneSatisfy(l -> assertThat(l).startsWith(stray.substring(0, 12)));
    // adopted: a container running before the kill is still one of the fleet's, untouched
    Set<String> after = containerIds(instanceId);
    assertThat(before).containsAnyElementsOf(after);
  }

  private int started(String instanceId, int version) {
    Row row =
        Await.result(
                pool.preparedQuery(
                        "SELECT count(*) AS n FROM proc_replicas r JOIN releases rel ON rel.id = r.release_id "
                            + "WHERE r.instance_id = $1 AND rel.version = $2 AND r.container_id IS NOT NULL")
                    .execute(Tuple.of(instanceId, version)))
            .iterator()
            .next();
    return row.getLong("n").intValue();
  }

  /** Full ids of the instance's containers, as the engine lists them. */
  private Set<String> containerIds(String instanceId) {
    String out =
        ContainerEngine.run(
            List.of(
                ContainerEngine.cli(),
                "ps",
                "-a",
                "--no-trunc",
                "--filter",
                "label=io.ctrlplane.instance=" + instanceId,
                "--format",
                "{{.ID}}"));
    return out == null
        ? Set.of()
        : out.lines().filter(l -> !l.isBlank()).collect(Collectors.toSet());
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
