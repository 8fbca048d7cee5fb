package io.ctrlplane.provider.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ContainerEngine;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.LoadGenerator;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ContainerEngine.class)
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the deployments run in two runner processes, started in start()
@CtrlPlaneServer(roles = "api,relay,agent", agent = "agent-ctr-crash")
@DisplayName("Killing a runner mid-rollout does not touch the running containers")
class ContainerRunnerCrashTest {
  private static final int LEASE_SECONDS = 2;
  private static final Duration END = Duration.ofSeconds(90);
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;
  private RunnerProcess a;
  private RunnerProcess b;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) throws Exception {
    this.api = api;
    rollouts = new Rollouts(api);
    pool = sql.pool();
    Path logs = Path.of("target", "runner-processes", "container-crash");
    a = RunnerProcess.start("ctr-runner-a", config, LEASE_SECONDS, logs);
    b = RunnerProcess.start("ctr-runner-b", config, LEASE_SECONDS, logs);
    a.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    b.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
  }

  @AfterAll
  void stop(CtrlPlane plane) throws Exception {
    a.close();
    b.close();
    plane.stop();
    Await.until(
        Duration.ofSeconds(30),
        "the agent removed every container it ran",
        () ->
            ContainerEngine.containers("io.ctrlplane.agent=agent-ctr-crash").isEmpty()
                ? true
                : null);
  }

  private Row lease(String deploymentId) {
    return Await.result(
            pool.preparedQuery(
                    "SELECT lease_owner, lease_epoch, checkpoint FROM deployments WHERE id = $1")
                .execute(Tuple.of(deploymentId)))
        .iterator()
        .next();
  }

  @Test
  @DisplayName(
      "kill -9 of the runner holding a rolling v1 -> v2 of containers: every request succeeds while the other runner finishes it")
  void killedRunner(Vertx vertx) throws Exception {
    int routerPort = TestStack.freePort();
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "ctr-crash-demo")
                .put("replicas", 3)
                .put("provider", "container")
                .put(
                    "provider_config",
                    new JsonObject()
                        .put("router_port", routerPort)
                        .put("drain_timeout_ms", 2000)
                        .put("grace_timeout_ms", 500)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String instanceId = created.json().getString("id");
    rollouts.awaitState(deployment(instanceId, ContainerEngine.V1, null), "succeeded", END);
    try (LoadGenerator load = new LoadGenerator(vertx, "127.0.0.1", routerPort, 8)) {
      load.awaitMore(200);
      // a slow-starting v2 keeps the rollout in its middle long enough to kill the runner there
      String id =
          deployment(instanceId, ContainerEngine.V2, new JsonObject().put("START_DELAY_S", "2"));
      Row mid =
          Await.until(
              END,
              "rollout half way",
              () -> {
                Row r = lease(id);
                return r.getInteger("checkpoint") >= 3 && r.getString("lease_owner") != null
                    ? r
                    : null;
              });
      RunnerProcess holder =
          mid.getString("lease_owner").startsWith("runner-" + a.pid() + "-") ? a : b;
      RunnerProcess survivor = holder == a ? b : a;
      holder.kill();
      long killedAt = System.currentTimeMillis();
      JsonObject done = rollouts.awaitState(id, "succeeded", END);
      long doneAt = System.currentTimeMillis();
      load.awaitMore(300);
      load.stop();
      System.out.printf(
          "container runner crash: killed %s at checkpoint %d, %s finished %d ms later; %s%n",
          holder.name(),
          mid.getInteger("checkpoint"),
          survivor.name(),
          doneAt - killedAt,
          load.summary());
      assertThat(survivor.log()).contains(id).contains("resumed");
      assertThat(load.failures()).as(load.summary()).isEmpty();
      List<LoadGenerator.Sample> all = load.samples();
      assertThat(all.subList(all.size() - 100, all.size()))
          .allSatisfy(s -> assertThat(s.version()).isEqualTo("v2"));
      assertThat(done.getJsonObject("release").getInteger("version")).isEqualTo(2);
      Await.until(
          Duration.ofSeconds(30),
          "three containers left, all v2",
          () ->
              ContainerEngine.containers("io.ctrlplane.instance=" + instanceId).size() == 3
                  ? true
                  : null);
    }
  }

  private String deployment(String instanceId, String image, JsonObject env) {
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
