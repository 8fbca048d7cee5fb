package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Replica;
import io.ctrlplane.provider.ReplicaStatus;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the cluster reports about an instance, as a {@link FleetStatus}: its pods as replicas (ready
 * from the pod's Ready condition, since its last transition), each ReplicaSet's status, and the
 * traffic as the Service or the HTTPRoute says it. Read from the informers' caches only.
 */
final class KubeStatus {
  /** Waiting reasons that mean the container will not start by waiting. */
  private static final Set<String> FAILED_REASONS =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError");

  private KubeStatus() {}

  static FleetStatus read(
      KubeObjects.Target t,
      List<ReplicaSet> replicaSets,
      List<Pod> pods,
      List<Service> services,
      GenericKubernetesResource route,
      long refused,
      Instant now) {
    Map<String, ReplicaSet> byRelease = new HashMap<>();
    JsonArray sets = new JsonArray();
    replicaSets.stream()
        .sorted(Comparator.comparing(rs -> rs.getMetadata().getName()))
        .forEach(
            rs -> {
              byRelease.put(label(rs.getMetadata().getLabels(), KubeObjects.RELEASE), rs);
              sets.add(replicaSetJson(rs));
            });
    List<Replica> replicas = new ArrayList<>();
    Map<String, List<Pod>> podsByRelease = new HashMap<>();
    for (Pod pod : pods) {
      String release = label(pod.getMetadata().getLabels(), KubeObjects.RELEASE);
      if (release != null && byRelease.containsKey(release)) {
        podsByRelease.computeIfAbsent(release, k -> new ArrayList<>()).add(pod);
      }
    }
    podsByRelease.forEach(
        (release, list) -> replicas.addAll(replicas(byRelease.get(release), list, now)));
    replicas.sort(Comparator.comparing(Replica::createdAt).thenComparing(Replica::id));
    JsonObject details =
        new JsonObject()
            .put(
                "kubernetes",
                new JsonObject()
                    .put("namespace", t.namespace())
                    .put("traffic_mode", t.config().gatewayApi() ? "gateway_api" : "replicas")
                    .put("service", t.service())
                    .put("http_route", t.config().httpRoute())
                    .put("replica_sets", sets)
                    .put("refused_actions", refused));
    return new FleetStatus(
        t.instanceId(),
        KubernetesProvider.NAME,
        now,
        replicas,
        weights(t, services, route),
        details);
  }

  /**
   * A release's pods, best first (ready, then coming up, then unhealthy; older first): those beyond
   * the ReplicaSet's replicas are about to go (the controller deletes them), and those beyond a
   * scheduled scale-down go at its time.
   */
  private static List<Replica> replicas(ReplicaSet rs, List<Pod> pods, Instant now) {
    List<Replica> live = new ArrayList<>();
    List<Replica> out = new ArrayList<>();
    for (Pod pod : pods) {
      Replica r = replica(rs, pod);
      if (r.status() == ReplicaStatus.STOPPED) {
        continue;
      }
      (r.stopAt() != null ? out : live).add(r);
    }
    live.sort(
        Comparator.comparingInt(KubeStatus::rank)
            .thenComparing(Replica::createdAt)
            .thenComparing(Replica::id));
    int wanted = rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    String at = KubeObjects.annotation(rs, KubeObjects.SCALE_DOWN_AT);
    int keep =
        at == null
            ? wanted
            : Math.min(
                wanted,
                Integer.parseInt(rs.getMetadata().getAnnotations().get(KubeObjects.SCALE_DOWN_TO)));
    for (int i = 0; i < live.size(); i++) {
      Replica r = live.get(i);
      Instant stop = i >= wanted ? now : i >= keep ? Instant.parse(at) : null;
      out.add(stop == null ? r : withStop(r, stop));
    }
    return out;
  }

  private static int rank(Replica r) {
    return r.status() == ReplicaStatus.READY ? 0 : r.status().unhealthy() ? 2 : 1;
  }

  private static Replica withStop(Replica r, Instant stopAt) {
    return new Replica(
        r.id(),
        r.releaseId(),
        r.version(),
        r.image(),
        r.status(),
        r.createdAt(),
        r.readySince(),
        stopAt,
        r.deploymentId(),
        r.epoch(),
        r.reason(),
        r.details());
  }

  private static Replica replica(ReplicaSet rs, Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    ReplicaStatus status = ReplicaStatus.STARTING;
    Instant readySince = null;
    String reason = null;
    PodCondition ready = condition(pod, "Ready");
    if ("Failed".equals(phase)) {
      status = ReplicaStatus.FAILED;
      reason = pod.getStatus().getReason();
    } else if ("Succeeded".equals(phase)) {
      status = ReplicaStatus.STOPPED;
    } else if (ready != null && "True".equals(ready.getStatus())) {
      status = ReplicaStatus.READY;
      readySince = instant(ready.getLastTransitionTime(), pod);
    } else if ("Running".equals(phase)) {
      status = ReplicaStatus.RUNNING;
    }
    for (ContainerStatus c : containerStatuses(pod)) {
      String waiting =
          c.getState() == null || c.getState().getWaiting() == null
              ? null
              : c.getState().getWaiting().getReason();
      if ("CrashLoopBackOff".equals(waiting)) {
        status = ReplicaStatus.CRASHED;
        reason = "CrashLoopBackOff, restarts " + c.getRestartCount();
      } else if (waiting != null && FAILED_REASONS.contains(waiting)) {
        status = ReplicaStatus.FAILED;
        reason = waiting + ": " + c.getState().getWaiting().getMessage();
      }
    }
    String deletion = pod.getMetadata().getDeletionTimestamp();
    Map<String, String> a = rs.getMetadata().getAnnotations();
    String epoch = a == null ? null : a.get(KubeObjects.EPOCH);
    JsonObject details =
        new JsonObject()
            .put("pod", pod.getMetadata().getName())
            .put("namespace", pod.getMetadata().getNamespace())
            .put("replica_set", rs.getMetadata().getName())
            .put("node", pod.getSpec() == null ? null : pod.getSpec().getNodeName())
            .put("phase", phase);
    return new Replica(
        pod.getMetadata().getName(),
        labels.get(KubeObjects.RELEASE),
        Integer.parseInt(labels.getOrDefault(KubeObjects.VERSION, "0")),
        pod.getSpec() == null || pod.getSpec().getContainers().isEmpty()
            ? null
            : pod.getSpec().getContainers().get(0).getImage(),
        status,
        instant(pod.getMetadata().getCreationTimestamp(), pod),
        readySince,
        deletion == null ? null : Instant.parse(deletion),
        a == null ? null : a.get(KubeObjects.DEPLOYMENT),
        epoch == null ? null : Long.parseLong(epoch),
        reason,
        details);
  }

  /**
   * Replicas mode: the release the stable Service is pinned to gets 100, else none (every ready pod
   * serves); gateway_api mode: the HTTPRoute's weights, per release (its Service's label).
   */
  private static Map<String, Integer> weights(
      KubeObjects.Target t, List<Service> services, GenericKubernetesResource route) {
    Map<String, Integer> weights = new HashMap<>();
    if (!t.config().gatewayApi()) {
      services.stream()
          .filter(s -> s.getMetadata().getName().equals(t.service()))
          .findFirst()
          .map(s -> s.getSpec().getSelector().get(KubeObjects.RELEASE))
          .ifPresent(release -> weights.put(release, 100));
      return weights;
    }
    if (route == null) {
      return weights;
    }
    Map<String, String> releaseOfService = new HashMap<>();
    services.forEach(
        s -> {
          String release = label(s.getMetadata().getLabels(), KubeObjects.RELEASE);
          if (release != null) {
            releaseOfService.put(s.getMetadata().getName(), release);
          }
        });
    Routes.weightsByService(route)
        .forEach(
            (service, w) -> {
              String release = releaseOfService.get(service);
              if (release != null) {
                weights.put(release, w);
              }
            });
    return weights;
  }

  private static JsonObject replicaSetJson(ReplicaSet rs) {
    var s = rs.getStatus();
    return new JsonObject()
        .put("name", rs.getMetadata().getName())
        .put("release_id", label(rs.getMetadata().getLabels(), KubeObjects.RELEASE))
        .put("replicas", rs.getSpec().getReplicas())
        .put("ready_replicas", s == null ? 0 : zero(s.getReadyReplicas()))
        .put("available_replicas", s == null ? 0 : zero(s.getAvailableReplicas()))
        .put("scale_down_at", KubeObjects.annotation(rs, KubeObjects.SCALE_DOWN_AT));
  }

  private static int zero(Integer n) {
    return n == null ? 0 : n;
  }

  private static PodCondition condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static List<ContainerStatus> containerStatuses(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? List.of()
        : pod.getStatus().getContainerStatuses();
  }

  private static Instant instant(String text, Pod pod) {
    return text == null ? Instant.EPOCH : Instant.parse(text);
  }

  private static String label(Map<String, String> labels, String key) {
    return labels == null ? null : labels.get(key);
  }
}
