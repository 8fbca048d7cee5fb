package io.ctrlplane.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.KubeMock;
import io.ctrlplane.testing.Rollouts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// special setup: the server starts in start(), once the API server mock's kubeconfig exists
@CtrlPlaneServer(roles = "")
@DisplayName(
    "The kubernetes provider rolls releases out as ReplicaSets (against fabric8's API server mock)")
class KubernetesRolloutTest {
  static final String NS = "shop";
  private static final Duration END = Duration.ofSeconds(60);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private KubeMock kube;
  private KubernetesClient k8s;
  private ApiClient api;
  private Rollouts rollouts;

  @BeforeAll
  void start(CtrlPlane plane) throws Exception {
    kube =
        new KubeMock(Path.of("target", "kube-mock", "rollout"), 50, 300, "*:sick*")
            .startController();
    k8s = kube.client();
    JsonObject json = plane.json().put("roles", "api,runner,relay");
    json.put("kubernetes", new JsonObject().put("kubeconfig", kube.kubeconfig().toString()));
    json.getJsonObject("runner").put("recheck_max_ms", 300);
    plane.startServer(io.ctrlplane.config.AppConfig.from(json));
    api = plane.api();
    rollouts = new Rollouts(api);
  }

  @AfterAll
  void stop() {
    kube.close();
  }

  static JsonObject config(JsonObject traffic) {
    return new JsonObject()
        .put("namespace", NS)
        .put("traffic", traffic)
        .put(
            "pod_template",
            new JsonObject()
                .put(
                    "ports",
                    new JsonArray()
                        .add(new JsonObject().put("name", "http").put("containerPort", 8080)))
                .put(
                    "readinessProbe",
                    new JsonObject()
                        .put(
                            "httpGet",
                            new JsonObject().put("path", "/health").put("port", "http"))));
  }

  private String instance(String name, int replicas, JsonObject config) {
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", name)
                .put("replicas", replicas)
                .put("provider", "kubernetes")
                .put("provider_config", config));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  private String deploy(String instanceId, String image, String strategy, JsonObject params) {
    return deploy(instanceId, new JsonObject().put("image", image), strategy, params);
  }

  private String deploy(String instanceId, JsonObject body, String strategy, JsonObject params) {
    body.put("strategy", strategy);
    if (params != null) {
      body.put("strategy_params", params);
    }
    ApiClient.Response r = api.post("/v1/instances/" + instanceId + "/deployments", body);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getString("id");
  }

  private ReplicaSet rs(String name) {
    return k8s.apps().replicaSets().inNamespace(NS).withName(name).get();
  }

  private int replicas(String name) {
    ReplicaSet rs = rs(name);
    return rs == null ? -1 : rs.getSpec().getReplicas();
  }

  private static String name(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  @Test
  @DisplayName(
      "rolling: each release is a ReplicaSet <instance>-v<version>, labelled and annotated with its lease, the old one scaled to 0")
  void rolling() {
    String name = name("roll");
    String id = instance(name, 3, config(new JsonObject().put("mode", "replicas")));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    JsonObject d2 =
        rollouts.awaitState(deploy(id, "registry.local/web:2", "rolling", null), "succeeded", END);
    ReplicaSet v1 = rs(name + "-v1");
    ReplicaSet v2 = rs(name + "-v2");
    assertThat(v1.getSpec().getReplicas()).isZero();
    assertThat(v2.getSpec().getReplicas()).isEqualTo(3);
    Map<String, String> labels = v2.getMetadata().getLabels();
    assertThat(labels)
        .containsEntry(KubeObjects.INSTANCE, id)
        .containsEntry(KubeObjects.RELEASE, Rollouts.releaseId(d2))
        .containsEntry(KubeObjects.VERSION, "2");
    assertThat(v2.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(labels);
    assertThat(v2.getMetadata().getAnnotations())
        .containsEntry(KubeObjects.DEPLOYMENT, d2.getString("id"))
        .containsKey(KubeObjects.EPOCH);
    assertThat(v2.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.local/web:2");
    JsonObject fleet = rollouts.fleet(id);
    assertThat(fleet.getString("provider")).isEqualTo("kubernetes");
    assertThat(fleet.getJsonArray("replicas")).hasSize(3);
    assertThat(fleet.getJsonObject("kubernetes").getString("namespace")).isEqualTo(NS);
    Service stable = k8s.services().inNamespace(NS).withName(name).get();
    assertThat(stable.getSpec().getSelector()).containsEntry(KubeObjects.INSTANCE, id);
    List<String> kinds = new ArrayList<>();
    rollouts.timeline(id).forEach(e -> kinds.add(e.getString("kind")));
    assertThat(kinds).contains("replicaset.created", "replicaset.updated", "secret.created");
  }

  @Test
  @DisplayName(
      "env and secret_env live only in the release's own Secret, referenced by envFrom: never in the ReplicaSet, a label or an annotation")
  void secrets() {
    String name = name("sec");
    String id = instance(name, 1, config(new JsonObject().put("mode", "replicas")));
    JsonObject b1 =
        new JsonObject()
            .put("image", "registry.local/web:1")
            .put("env", new JsonObject().put("COLOR", "blue"))
            .put("secret_env", new JsonObject().put("DB_PASSWORD", "hunter2-v1"));
    rollouts.awaitState(deploy(id, b1, "rolling", null), "succeeded", END);
    JsonObject b2 =
        new JsonObject()
            .put("image", "registry.local/web:2")
            .put("env", new JsonObject().put("COLOR", "green"))
            .put("secret_env", new JsonObject().put("API_TOKEN", "tok-v2"));
    rollouts.awaitState(deploy(id, b2, "rolling", null), "succeeded", END);
    Secret s1 = k8s.secrets().inNamespace(NS).withName(name + "-v1-env").get();
    Secret s2 = k8s.secrets().inNamespace(NS).withName(name + "-v2-env").get();
    assertThat(decode(s1)).isEqualTo(Map.of("COLOR", "blue", "DB_PASSWORD", "hunter2-v1"));
    assertThat(decode(s2)).isEqualTo(Map.of("COLOR", "green", "API_TOKEN", "tok-v2"));
    assertThat(s2.getImmutable()).isTrue();
    for (String rsName : List.of(name + "-v1", name + "-v2")) {
      ReplicaSet rs = rs(rsName);
      String text = io.fabric8.kubernetes.client.utils.Serialization.asJson(rs);
      assertThat(text).doesNotContain("hunter2", "tok-v2", "blue", "green");
      assertThat(rs.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom())
          .singleElement()
          .satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo(rsName + "-env"));
    }
    assertThat(rollouts.timeline(id).toString()).doesNotContain("hunter2", "tok-v2");
  }

  private static Map<String, String> decode(Secret s) {
    Map<String, String> out = new TreeMap<>();
    s.getData()
        .forEach(
            (k, v) ->
                out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  @DisplayName("every object the provider writes carries the instance label")
  void everyObjectLabelled() {
    String name = name("lbl");
    String id =
        instance(
            name,
            2,
            config(new JsonObject().put("mode", "gateway_api").put("http_route", name + "-route"))
                .put("preview_service", name + "-preview"));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    rollouts.awaitState(
        deploy(
            id,
            "registry.local/web:2",
            "blue-green",
            new JsonObject().put("scale_down_delay_seconds", 0)),
        "succeeded",
        END);
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(
        k8s.apps()
            .replicaSets()
            .inNamespace(NS)
            .withLabel(KubeObjects.NAME, name)
            .list()
            .getItems());
    objects.addAll(
        k8s.secrets().inNamespace(NS).withLabel(KubeObjects.NAME, name).list().getItems());
    objects.addAll(
        k8s.services().inNamespace(NS).withLabel(KubeObjects.NAME, name).list().getItems());
    objects.add(route(name + "-route"));
    assertThat(objects).hasSize(2 + 2 + 4 + 1);
    for (HasMetadata o : objects) {
      assertThat(o.getMetadata().getLabels())
          .as("%s %s", o.getKind(), o.getMetadata().getName())
          .containsEntry(KubeObjects.INSTANCE, id)
          .containsEntry(KubeObjects.MANAGED_BY, "ctrlplane");
    }
  }

  GenericKubernetesResource route(String name) {
    return k8s.genericKubernetesResources(Routes.DEFINITION).inNamespace(NS).withName(name).get();
  }

  @Test
  @DisplayName(
      "a release whose pods never become ready fails and reverts: the old ReplicaSet keeps its replicas, the new one goes to 0")
  void failureReverts() {
    String name = name("bad");
    String id = instance(name, 2, config(new JsonObject().put("mode", "replicas")));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    JsonObject d =
        rollouts.awaitState(
            deploy(
                id,
                "registry.local/web:sick",
                "rolling",
                new JsonObject().put("progress_deadline_seconds", 3)),
            "failed",
            END);
    assertThat(d.getString("error")).isNotBlank();
    assertThat(replicas(name + "-v1")).isEqualTo(2);
    assertThat(replicas(name + "-v2")).isZero();
    Await.until(
        Duration.ofSeconds(10),
        "the sick pods gone",
        () ->
            k8s
                    .pods()
                    .inNamespace(NS)
                    .withLabel(KubeObjects.VERSION, "2")
                    .list()
                    .getItems()
                    .stream()
                    .noneMatch(p -> p.getMetadata().getName().startsWith(name + "-v2"))
                ? true
                : null);
  }

  /** The HTTPRoute's weights by Service name, once they equal {@code wanted}. */
  private Map<String, Integer> awaitRoute(String route, Map<String, Integer> wanted) {
    return Await.until(
        END,
        "route " + route + " at " + wanted,
        () -> {
          GenericKubernetesResource r = route(route);
          Map<String, Integer> now = r == null ? Map.of() : Routes.weightsByService(r);
          return now.equals(wanted) ? now : null;
        });
  }

  private void post(String path) {
    ApiClient.Response r = api.post(path, new JsonObject());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
  }

  private static JsonObject canarySteps(int... weights) {
    JsonArray steps = new JsonArray();
    for (int w : weights) {
      steps.add(new JsonObject().put("set_weight", w));
      steps.add(new JsonObject().put("pause", new JsonObject()));
    }
    return new JsonObject().put("steps", steps);
  }

  @Test
  @DisplayName(
      "canary in gateway_api mode: the HTTPRoute's backendRefs follow the steps (75/25, promote, 50/50, promote, 100), one Service per release")
  void canaryGatewayWeights() {
    String name = name("can");
    String route = name + "-route";
    String id =
        instance(
            name, 4, config(new JsonObject().put("mode", "gateway_api").put("http_route", route)));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    awaitRoute(route, Map.of(name + "-v1", 100));
    String dep = deploy(id, "registry.local/web:2", "canary", canarySteps(25, 50));
    awaitRoute(route, Map.of(name + "-v1", 75, name + "-v2", 25));
    assertThat(replicas(name + "-v2")).isEqualTo(1);
    assertThat(replicas(name + "-v1")).isEqualTo(4);
    Service perRelease = k8s.services().inNamespace(NS).withName(name + "-v2").get();
    assertThat(perRelease.getSpec().getSelector())
        .containsEntry(KubeObjects.RELEASE, Rollouts.releaseId(rollouts.deployment(dep)));
    post("/v1/deployments/" + dep + "/promote");
    awaitRoute(route, Map.of(name + "-v1", 50, name + "-v2", 50));
    assertThat(replicas(name + "-v2")).isEqualTo(2);
    JsonObject fleet = rollouts.fleet(id);
    assertThat(fleet.getJsonObject("traffic").getJsonObject("weights").getMap())
        .containsValues(50, 50);
    post("/v1/deployments/" + dep + "/promote");
    rollouts.awaitState(dep, "succeeded", END);
    awaitRoute(route, Map.of(name + "-v2", 100));
    assertThat(replicas(name + "-v1")).isZero();
    assertThat(replicas(name + "-v2")).isEqualTo(4);
  }

  @Test
  @DisplayName(
      "cancel mid-canary: traffic back to the old release alone, the canary ReplicaSet at 0")
  void cancelReverts() {
    String name = name("cxl");
    String route = name + "-route";
    String id =
        instance(
            name, 2, config(new JsonObject().put("mode", "gateway_api").put("http_route", route)));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    String dep = deploy(id, "registry.local/web:2", "canary", canarySteps(50));
    awaitRoute(route, Map.of(name + "-v1", 50, name + "-v2", 50));
    post("/v1/deployments/" + dep + "/cancel");
    rollouts.awaitState(dep, "cancelled", END);
    awaitRoute(route, Map.of(name + "-v1", 100));
    assertThat(replicas(name + "-v2")).isZero();
    assertThat(replicas(name + "-v1")).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "blue-green in replicas mode: the stable Service stays pinned to v1 while the preview Service shows v2; promote switches it; v1 scales down after the delay")
  void blueGreenPreview() {
    String name = name("bg");
    String id =
        instance(
            name,
            2,
            config(new JsonObject().put("mode", "replicas"))
                .put("preview_service", name + "-preview"));
    JsonObject d1 =
        rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    String v1 = Rollouts.releaseId(d1);
    String dep =
        deploy(
            id,
            "registry.local/web:2",
            "blue-green",
            new JsonObject().put("auto_promote", false).put("scale_down_delay_seconds", 2));
    String v2 = Rollouts.releaseId(rollouts.deployment(dep));
    Await.until(
        END,
        "2 ready pods of v2 behind the preview Service",
        () -> {
          ReplicaSet rs = rs(name + "-v2");
          return rs != null
                  && rs.getStatus() != null
                  && Integer.valueOf(2).equals(rs.getStatus().getReadyReplicas())
              ? true
              : null;
        });
    Service stable = k8s.services().inNamespace(NS).withName(name).get();
    assertThat(stable.getSpec().getSelector()).containsEntry(KubeObjects.RELEASE, v1);
    Service preview = k8s.services().inNamespace(NS).withName(name + "-preview").get();
    assertThat(preview.getSpec().getSelector()).containsEntry(KubeObjects.RELEASE, v2);
    Await.until(
        END,
        "the deployment waiting for a promote",
        () ->
            "paused".equals(rollouts.deployment(dep).getJsonObject("progress").getString("phase"))
                ? true
                : null);
    post("/v1/deployments/" + dep + "/promote");
    rollouts.awaitState(dep, "succeeded", END);
    assertThat(k8s.services().inNamespace(NS).withName(name).get().getSpec().getSelector())
        .containsEntry(KubeObjects.RELEASE, v2);
    ReplicaSet old = rs(name + "-v1");
    assertThat(old.getSpec().getReplicas()).as("kept through the scale-down delay").isEqualTo(2);
    assertThat(old.getMetadata().getAnnotations()).containsKey(KubeObjects.SCALE_DOWN_AT);
    Await.until(
        Duration.ofSeconds(15),
        "v1 scaled down after the delay",
        () -> replicas(name + "-v1") == 0 ? true : null);
  }

  @Test
  @DisplayName("recreate: v1 to 0 first, then v2 to full size")
  void recreate() {
    String name = name("rec");
    String id = instance(name, 2, config(new JsonObject().put("mode", "replicas")));
    rollouts.awaitState(deploy(id, "registry.local/web:1", "rolling", null), "succeeded", END);
    rollouts.awaitState(deploy(id, "registry.local/web:2", "recreate", null), "succeeded", END);
    assertThat(replicas(name + "-v1")).isZero();
    assertThat(replicas(name + "-v2")).isEqualTo(2);
    List<JsonObject> scaled = new ArrayList<>();
    rollouts.timeline(id).stream()
        .filter(e -> e.getString("kind").startsWith("replicaset."))
        .forEach(scaled::add);
    JsonObject lastOfV1 =
        scaled.stream()
            .filter(e -> e.getJsonObject("detail").getString("name").equals(name + "-v1"))
            .reduce((a, b) -> b)
            .orElseThrow();
    JsonObject firstOfV2 =
        scaled.stream()
            .filter(e -> e.getJsonObject("detail").getString("name").equals(name + "-v2"))
            .findFirst()
            .orElseThrow();
    assertThat(lastOfV1.getJsonObject("detail").getInteger("replicas")).isZero();
    assertThat(lastOfV1.getLong("seq")).isLessThan(firstOfV2.getLong("seq"));
  }

  @Test
  @DisplayName("an invalid pod template is a 422 naming the field, and no instance is created")
  void invalidPodTemplate() {
    JsonObject bad = config(new JsonObject().put("mode", "replicas"));
    bad.getJsonObject("pod_template")
        .put(
            "readinessProbe",
            new JsonObject()
                .put("httpGet", new JsonObject().put("path", "/health").put("port", "web")))
        .put("resources", new JsonObject().put("limits", new JsonObject().put("memory", "lots")))
        .put("hostNetwork", true);
    ApiClient.Response r =
        api.post(
            "/v1/instances",
            new JsonObject()
                .put("name", name("inv"))
                .put("provider", "kubernetes")
                .put("provider_config", bad));
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    List<String> fields = new ArrayList<>();
    r.json().getJsonArray("errors").forEach(e -> fields.add(((JsonObject) e).getString("field")));
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "provider_config.pod_template.readinessProbe.httpGet.port",
            "provider_config.pod_template.resources.limits.memory",
            "provider_config.pod_template.hostNetwork");
  }

  /** Every object of the instance named {@code name}, and its HTTPRoute when it has one. */
  private List<HasMetadata> objects(String name, String route) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(
        k8s.apps()
            .replicaSets()
            .inNamespace(NS)
            .withLabel(KubeObjects.NAME, name)
            .list()
            .getItems());
    all.addAll(k8s.secrets().inNamespace(NS).withLabel(KubeObjects.NAME, name).list().getItems());
    all.addAll(k8s.services().inNamespace(NS).withLabel(KubeObjects.NAME, name).list().getItems());
    if (route != null) {
      all.add(route(route));
    }
    return all;
  }

  private Map<String, String> ids(String instanceId, String... deployments) {
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    ids.put(instanceId, "<instance>");
    for (String dep : deployments) {
      JsonObject d = rollouts.deployment(dep);
      ids.put(dep, "<deployment v" + d.getJsonObject("release").getInteger("version") + ">");
      ids.put(
          Rollouts.releaseId(d),
          "<release v" + d.getJsonObject("release").getInteger("version") + ">");
    }
    return ids;
  }

  @Test
  @DisplayName("golden: the objects of a gateway_api canary at 25 %, at 50 % and at the end")
  void goldenCanary() throws Exception {
    String name = "gold-canary";
    String route = name + "-route";
    String id =
        instance(
            name, 4, config(new JsonObject().put("mode", "gateway_api").put("http_route", route)));
    String d1 = deploy(id, "registry.local/web:1", "rolling", null);
    rollouts.awaitState(d1, "succeeded", END);
    String d2 = deploy(id, "registry.local/web:2", "canary", canarySteps(25, 50));
    awaitRoute(route, Map.of(name + "-v1", 75, name + "-v2", 25));
    Golden.check("canary-1-weight-25", objects(name, route), ids(id, d1, d2));
    post("/v1/deployments/" + d2 + "/promote");
    awaitRoute(route, Map.of(name + "-v1", 50, name + "-v2", 50));
    Await.until(END, "2 canary replicas", () -> replicas(name + "-v2") == 2 ? true : null);
    Golden.check("canary-2-weight-50", objects(name, route), ids(id, d1, d2));
    post("/v1/deployments/" + d2 + "/promote");
    rollouts.awaitState(d2, "succeeded", END);
    Golden.check("canary-3-done", objects(name, route), ids(id, d1, d2));
  }

  @Test
  @DisplayName(
      "golden: the objects of a replicas-mode blue-green while it waits for a promote, and after")
  void goldenBlueGreen() throws Exception {
    String name = "gold-bg";
    String id =
        instance(
            name,
            2,
            config(new JsonObject().put("mode", "replicas"))
                .put("preview_service", name + "-preview"));
    String d1 = deploy(id, "registry.local/web:1", "rolling", null);
    rollouts.awaitState(d1, "succeeded", END);
    String d2 =
        deploy(
            id,
            "registry.local/web:2",
            "blue-green",
            new JsonObject().put("auto_promote", false).put("scale_down_delay_seconds", 600));
    Await.until(
        END,
        "the deployment waiting for a promote",
        () ->
            "paused".equals(rollouts.deployment(d2).getJsonObject("progress").getString("phase"))
                ? true
                : null);
    Golden.check("blue-green-1-preview", objects(name, null), ids(id, d1, d2));
    post("/v1/deployments/" + d2 + "/promote");
    rollouts.awaitState(d2, "succeeded", END);
    Golden.check("blue-green-2-switched", objects(name, null), ids(id, d1, d2));
  }

  @Test
  @DisplayName("golden: the objects after a rolling and after a recreate deployment")
  void goldenRollingAndRecreate() throws Exception {
    String name = "gold-roll";
    String id = instance(name, 3, config(new JsonObject().put("mode", "replicas")));
    String d1 = deploy(id, "registry.local/web:1", "rolling", null);
    rollouts.awaitState(d1, "succeeded", END);
    String d2 = deploy(id, "registry.local/web:2", "rolling", null);
    rollouts.awaitState(d2, "succeeded", END);
    Golden.check("rolling-done", objects(name, null), ids(id, d1, d2));
    String d3 = deploy(id, "registry.local/web:3", "recreate", null);
    rollouts.awaitState(d3, "succeeded", END);
    Golden.check("recreate-done", objects(name, null), ids(id, d1, d2, d3));
  }
}
