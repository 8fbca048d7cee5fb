package io.ctrlplane.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.StaleEpochException;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.KubeMock;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.RunnerProcess;
import io.ctrlplane.testing.Sql;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the API and relay in-process, the deployments run in two runner processes
@CtrlPlaneServer(roles = "")
@Disabled(
    "flaky, cause not found yet: the test's own fabric8 client GET to the API server mock sometimes"
        + " times out after 10 s and the mock then cannot close (failed in 3 of 4 runs on a loaded"
        + " machine and in the clean-clone CI run of 2026-12-08); see the issue 17 note")
@DisplayName("A killed runner's Kubernetes rollout is taken over; the stale lease cannot write")
class KubernetesRunnerCrashTest {
  private static final String NS = "crash";
  private static final Duration END = Duration.ofSeconds(120);
  private static final int LEASE_SECONDS = 4;
  private KubeMock kube;
  private KubernetesClient k8s;
  private ApiClient api;
  private Rollouts rollouts;
  private Pool pool;
  private RunnerProcess a;
  private RunnerProcess b;
  private KubernetesProvider provider;

  @BeforeAll
  void start(CtrlPlane plane, Sql sql) throws Exception {
    kube = new KubeMock(Path.of("target", "kube-mock", "crash"), 50, 300, null).startController();
    k8s = kube.client();
    JsonObject json = plane.json().put("roles", "api,relay");
    // the API reads fleets and pod logs from the same cluster as the runners
    json.put("kubernetes", new JsonObject().put("kubeconfig", kube.kubeconfig().toString()));
    plane.startServer(AppConfig.from(json));
    api = plane.api();
    rollouts = new Rollouts(api);
    pool = sql.pool();
    Path logs = Path.of("target", "runner-processes", "kubernetes-crash");
    Map<String, String> env =
        Map.of(
            "CTRLPLANE_KUBERNETES_KUBECONFIG",
            kube.kubeconfig().toAbsolutePath().toString(),
            "CTRLPLANE_RUNNER_RECHECK_MAX_MS",
            "300");
    a = RunnerProcess.start("k8s-runner-a", plane.config(), LEASE_SECONDS, logs, env);
    b = RunnerProcess.start("k8s-runner-b", plane.config(), LEASE_SECONDS, logs, env);
    a.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    b.awaitLog("Ctrl Plane is up", Duration.ofSeconds(60));
    provider =
        new KubernetesProvider(
            plane.vertx(), pool, new AppConfig.Kubernetes(kube.kubeconfig().toString(), null));
    // this test's own connection (standing in for the killed runner's), synced before the test
    Await.result(
        Cluster.shared(plane.vertx(), new AppConfig.Kubernetes(kube.kubeconfig().toString(), null)),
        Duration.ofSeconds(90));
  }

  @AfterAll
  void stop() throws Exception {
    a.close();
    b.close();
    kube.close();
  }

  private Row lease(String deploymentId) {
    return Await.result(
            pool.preparedQuery("SELECT lease_owner, lease_epoch FROM deployments WHERE id = $1")
                .execute(Tuple.of(deploymentId)))
        .iterator()
        .next();
  }

  private int replicas(String name) {
    ReplicaSet rs = k8s.apps().replicaSets().inNamespace(NS).withName(name).get();
    return rs == null ? -1 : rs.getSpec().getReplicas();
  }

  private String deploy(String instanceId, String image, String strategy, JsonObject params) {
    JsonObject body = new JsonObject().put("image", image).put("strategy", strategy);
    if (params != null) {
      body.put("strategy_params", params);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  private List<JsonObject> refusals(String instanceId) {
    return rollouts.timeline(instanceId).stream()
        .filter(e -> "action.refused".equals(e.getString("kind")))
        .toList();
  }

  @Test
  @DisplayName(
      "kill -9 of the runner holding a paused canary: the other runner takes the lease (a new epoch) and finishes it; writes under the old epoch are refused and recorded")
  void killedRunner() throws Exception {
    ApiClient.Response created =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", "crashy")
                .put("replicas", 2)
                .put("provider", "kubernetes")
                .put(
                    "provider_config",
                    KubernetesRolloutTest.config(new JsonObject().put("mode", "replicas"))
                        .put("namespace", NS)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String id = created.json().getString("id");
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    JsonObject steps =
        new JsonObject()
            .put(
                "steps",
                new JsonArray()
                    .add(new JsonObject().put("set_weight", 50))
                    .add(new JsonObject().put("pause", new JsonObject())));
    String dep = deploy(id, "registry.local/web:2", "canary", steps);
    Await.until(END, "the canary ReplicaSet at 1", () -> replicas("crashy-v2") == 1 ? true : null);
    Row held =
        Await.until(
            END, "a lease", () -> lease(dep).getString("lease_owner") != null ? lease(dep) : null);
    long oldEpoch = held.getLong("lease_epoch");
    RunnerProcess holder =
        held.getString("lease_owner").startsWith("runner-" + a.pid() + "-") ? a : b;
    RunnerProcess survivor = holder == a ? b : a;
    holder.kill();
    Row taken =
        Await.until(
            END,
            "the lease taken over",
            () -> {
              Row r = lease(dep);
              return r.getLong("lease_epoch") > oldEpoch && r.getString("lease_owner") != null
                  ? r
                  : null;
            });
    assertThat(taken.getString("lease_owner")).startsWith("runner-" + survivor.pid() + "-");

    long refusedBefore = refusals(id).size();
    // what the killed runner would have written next, under its old epoch: refused, nothing changes
    Fence stale = new Fence(id, dep, oldEpoch);
    String v2 = Rollouts.releaseId(rollouts.deployment(dep));
    assertThatThrownBy(
            () ->
                Await.result(
                    provider.runReplicas(stale, new ReleaseRef(v2, 2, "registry.local/web:2"), 2)))
        .isInstanceOf(StaleEpochException.class);
    assertThatThrownBy(() -> Await.result(provider.stopReplicas(stale, v2, 0, 0)))
        .isInstanceOf(StaleEpochException.class);
    assertThat(replicas("crashy-v2")).isEqualTo(1);

    // a write the cluster itself refuses: an object already written under a newer epoch
    Fence current = new Fence(id, dep, taken.getLong("lease_epoch"));
    ReplicaSet rs = k8s.apps().replicaSets().inNamespace(NS).withName("crashy-v2").get();
    rs.getMetadata().getAnnotations().put(KubeObjects.EPOCH, String.valueOf(current.epoch() + 1));
    k8s.apps().replicaSets().resource(rs).update();
    assertThatThrownBy(() -> Await.result(provider.stopReplicas(current, v2, 0, 0)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("was written at lease epoch " + (current.epoch() + 1));
    assertThat(replicas("crashy-v2")).isEqualTo(1);
    rs = k8s.apps().replicaSets().inNamespace(NS).withName("crashy-v2").get();
    rs.getMetadata().getAnnotations().put(KubeObjects.EPOCH, String.valueOf(current.epoch()));
    k8s.apps().replicaSets().resource(rs).update();

    List<JsonObject> refused = refusals(id);
    assertThat(refused).hasSize((int) refusedBefore + 3);
    List<JsonObject> ours = refused.subList((int) refusedBefore, refused.size());
    assertThat(ours.get(0).getLong("epoch")).isEqualTo(oldEpoch);
    assertThat(ours.get(0).getJsonObject("detail").getString("action"))
        .isEqualTo("run 2 replicas of v2");
    assertThat(ours.get(2).getJsonObject("detail").getString("reason"))
        .isEqualTo("ReplicaSet crashy-v2 was written at lease epoch " + (current.epoch() + 1));
    assertThat(rollouts.fleet(id).getJsonObject("kubernetes").getLong("refused_actions"))
        .isEqualTo(refused.size());

    ApiClient.Response promote = api.post("/v1/deployments/" + dep + "/promote", new JsonObject());
    assertThat(promote.status()).as(promote.text()).isEqualTo(202);
    rollouts.awaitState(dep, "succeeded", END);
    assertThat(replicas("crashy-v2")).isEqualTo(2);
    assertThat(replicas("crashy-v1")).isZero();
    assertThat(survivor.log()).contains(dep);
  }
}
