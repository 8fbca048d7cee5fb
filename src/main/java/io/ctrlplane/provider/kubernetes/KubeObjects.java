package io.ctrlplane.provider.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects the provider wants in the cluster, as pure functions of the instance, its config and
 * a release (no client, no clock): what the golden tests pin down. Every object carries the
 * instance label; release objects the release and version labels too. Nothing secret is ever in a
 * label, an annotation or the ReplicaSet: a release's env lives only in its own Secret.
 */
public final class KubeObjects {
  public static final String INSTANCE = "ctrlplane.io/instance";
  public static final String RELEASE = "ctrlplane.io/release";
  public static final String VERSION = "ctrlplane.io/version";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String NAME = "app.kubernetes.io/name";
  public static final String DEPLOYMENT = "ctrlplane.io/deployment";
  public static final String EPOCH = "ctrlplane.io/lease-epoch";
  public static final String SCALE_DOWN_AT = "ctrlplane.io/scale-down-at";
  public static final String SCALE_DOWN_TO = "ctrlplane.io/scale-down-to";
  public static final String WEIGHTS = "ctrlplane.io/weights";
  static final String CONTAINER = "app";

  /** The instance, as its objects need it. */
  public record Target(String instanceId, String instanceName, KubernetesConfig config) {
    String namespace() {
      return config.namespace();
    }

    String service() {
      return config.serviceName(instanceName);
    }
  }

  /** A release, as its objects need it. */
  public record Rel(String id, int version, String image) {}

  private KubeObjects() {}

  public static String replicaSetName(Target t, int version) {
    return t.instanceName() + "-v" + version;
  }

  public static String secretName(Target t, int version) {
    return replicaSetName(t, version) + "-env";
  }

  /** The per-release Service of the gateway_api mode. */
  public static String releaseServiceName(Target t, int version) {
    return t.service() + "-v" + version;
  }

  static Map<String, String> instanceLabels(Target t) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(INSTANCE, t.instanceId());
    labels.put(MANAGED_BY, "ctrlplane");
    labels.put(NAME, t.instanceName());
    return labels;
  }

  static Map<String, String> releaseLabels(Target t, Rel r) {
    Map<String, String> labels = instanceLabels(t);
    labels.put(RELEASE, r.id());
    labels.put(VERSION, String.valueOf(r.version()));
    return labels;
  }

  private static Map<String, String> selector(Target t, String releaseId) {
    Map<String, String> s = new TreeMap<>();
    s.put(INSTANCE, t.instanceId());
    if (releaseId != null) {
      s.put(RELEASE, releaseId);
    }
    return s;
  }

  private static ObjectMeta meta(Target t, String name, Map<String, String> labels) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(t.namespace())
        .withLabels(labels)
        .build();
  }

  /** One release's ReplicaSet at {@code replicas}. */
  public static ReplicaSet replicaSet(Target t, Rel r, int replicas) {
    Map<String, String> labels = releaseLabels(t, r);
    return new ReplicaSetBuilder()
        .withMetadata(meta(t, replicaSetName(t, r.version()), labels))
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(selector(t, r.id()))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(podSpec(t, r))
        .endTemplate()
        .endSpec()
        .build();
  }

  private static PodSpec podSpec(Target t, Rel r) {
    JsonObject p = t.config().podTemplate().json();
    PodSpecBuilder spec = new PodSpecBuilder().withContainers(container(t, r, p));
    if (p.getString("serviceAccountName") != null) {
      spec.withServiceAccountName(p.getString("serviceAccountName"));
    }
    if (p.getJsonObject("nodeSelector") != null) {
      Map<String, String> nodes = new TreeMap<>();
      p.getJsonObject("nodeSelector").forEach(e -> nodes.put(e.getKey(), (String) e.getValue()));
      spec.withNodeSelector(nodes);
    }
    JsonArray tolerations = p.getJsonArray("tolerations");
    if (tolerations != null) {
      List<Toleration> list = new ArrayList<>();
      tolerations.forEach(x -> list.add(read(x, Toleration.class)));
      spec.withTolerations(list);
    }
    if (p.getValue("terminationGracePeriodSeconds") != null) {
      spec.withTerminationGracePeriodSeconds(p.getLong("terminationGracePeriodSeconds"));
    }
    return spec.build();
  }

  private static Container container(Target t, Rel r, JsonObject p) {
    List<ContainerPort> ports = new ArrayList<>();
    p.getJsonArray("ports").forEach(x -> ports.add(read(x, ContainerPort.class)));
    ContainerBuilder c =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(r.image())
            .withPorts(ports)
            .addNewEnv()
            .withName("PORT")
            .withValue(String.valueOf(t.config().podTemplate().firstPort()))
            .endEnv()
            // the release's env and secret_env: only by reference, from the release's own Secret
            .addNewEnvFrom()
            .withNewSecretRef()
            .withName(secretName(t, r.version()))
            .endSecretRef()
            .endEnvFrom();
    if (p.getJsonObject("resources") != null) {
      c.withResources(read(p.getJsonObject("resources"), ResourceRequirements.class));
    }
    if (p.getJsonObject("readinessProbe") != null) {
      c.withReadinessProbe(read(p.getJsonObject("readinessProbe"), Probe.class));
    }
    if (p.getJsonObject("livenessProbe") != null) {
      c.withLivenessProbe(read(p.getJsonObject("livenessProbe"), Probe.class));
    }
    if (p.getJsonObject("startupProbe") != null) {
      c.withStartupProbe(read(p.getJsonObject("startupProbe"), Probe.class));
    }
    return c.build();
  }

  /**
   * The release's environment (env and the opened secret_env) as an immutable Secret: the only
   * place its values are written.
   */
  public static Secret secret(Target t, Rel r, Map<String, String> env) {
    Map<String, String> data = new TreeMap<>();
    env.forEach(
        (k, v) ->
            data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withMetadata(meta(t, secretName(t, r.version()), releaseLabels(t, r)))
        .withType("Opaque")
        .withImmutable(true)
        .withData(data)
        .build();
  }

  /**
   * The stable Service: every ready pod of the instance, or only those of {@code pinned} (a release
   * given all the traffic in replicas mode).
   */
  public static Service stableService(Target t, String pinned) {
    return service(t, t.service(), instanceLabels(t), selector(t, pinned));
  }

  /** Blue-green's preview Service: the pods of {@code releaseId}. */
  public static Service previewService(Target t, String releaseId) {
    return service(t, t.config().previewService(), instanceLabels(t), selector(t, releaseId));
  }

  /** The gateway_api mode's Service of one release. */
  public static Service releaseService(Target t, Rel r) {
    return service(t, releaseServiceName(t, r.version()), releaseLabels(t, r), selector(t, r.id()));
  }

  private static Service service(
      Target t, String name, Map<String, String> labels, Map<String, String> selector) {
    JsonObject first = t.config().podTemplate().json().getJsonArray("ports").getJsonObject(0);
    int port = first.getInteger("containerPort");
    return new ServiceBuilder()
        .withMetadata(meta(t, name, labels))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(selector)
        .addNewPort()
        .withName(first.getString("name", "http"))
        .withProtocol(first.getString("protocol", "TCP"))
        .withPort(port)
        .withNewTargetPort(port)
        .endPort()
        .endSpec()
        .build();
  }

  /**
   * The HTTPRoute's backendRefs for {@code weights} (release version to percent, in version order);
   * no weights: the stable Service alone, so traffic follows readiness.
   */
  public static List<Map<String, Object>> backendRefs(Target t, Map<Integer, Integer> weights) {
    int port = t.config().podTemplate().firstPort();
    List<Map<String, Object>> refs = new ArrayList<>();
    if (weights.isEmpty()) {
      refs.add(ref(t.service(), port, 1));
    }
    new TreeMap<>(weights).forEach((v, w) -> refs.add(ref(releaseServiceName(t, v), port, w)));
    return refs;
  }

  private static Map<String, Object> ref(String service, int port, int weight) {
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("group", "");
    ref.put("kind", "Service");
    ref.put("name", service);
    ref.put("port", port);
    ref.put("weight", weight);
    return ref;
  }

  /** An annotation of {@code object}, or null. */
  public static String annotation(io.fabric8.kubernetes.api.model.HasMetadata object, String key) {
    Map<String, String> a = object.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  static void annotate(
      io.fabric8.kubernetes.api.model.HasMetadata object, String key, String value) {
    Map<String, String> a = object.getMetadata().getAnnotations();
    a = a == null ? new TreeMap<>() : new TreeMap<>(a);
    if (value == null) {
      a.remove(key);
    } else {
      a.put(key, value);
    }
    object.getMetadata().setAnnotations(a);
  }

  private static <T> T read(Object json, Class<T> type) {
    String text = json instanceof JsonObject o ? o.encode() : String.valueOf(json);
    return Serialization.unmarshal(text, type);
  }
}
