package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.provider.Fence;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonObject;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Fenced, conditional writes to the cluster, on a worker thread (fabric8's calls block). Every
 * object written carries the deployment and its lease epoch in annotations; a write is refused when
 * the object already carries a newer epoch of the same deployment ({@link Refused}), and every
 * update is conditional on the resourceVersion read just before, so a write racing another (say,
 * the runner that took the lease over) fails with 409, is read again and decided again. What was
 * written is returned as timeline entries; nothing is written when the object is already as wanted.
 */
final class ClusterWrites {
  private static final int ATTEMPTS = 5;

  /** The cluster says a newer lease already wrote this object. */
  static final class Refused extends RuntimeException {
    Refused(String why) {
      super(why, null, false, false);
    }
  }

  /** One timeline entry: its kind, the release it concerns (or null), its detail. */
  record Entry(String kind, String releaseId, JsonObject detail) {}

  private final KubernetesClient client;
  private final Fence fence;
  final List<Entry> entries = new ArrayList<>();

  ClusterWrites(KubernetesClient client, Fence fence) {
    this.client = client;
    this.fence = fence;
  }

  /**
   * Creates {@code desired} when absent; else applies {@code change} to a copy of what is there
   * (returning false when nothing needs to change) and writes it back conditionally.
   *
   * @return the object as written, or as it is when nothing changed
   */
  <T extends HasMetadata> T put(T desired, Predicate<T> change, String kind, String releaseId) {
    return write(desired, change, kind, releaseId, true);
  }

  /** As {@link #put}, but an absent object stays absent (null). */
  <T extends HasMetadata> T update(T existing, Predicate<T> change, String kind, String releaseId) {
    return write(existing, change, kind, releaseId, false);
  }

  private <T extends HasMetadata> T write(
      T desired, Predicate<T> change, String kind, String releaseId, boolean create) {
    for (int attempt = 1; ; attempt++) {
      T current = handle(desired).get();
      try {
        if (current == null) {
          if (!create) {
            return null;
          }
          T created = handle(stamped(desired)).create();
          entries.add(entry(kind + ".created", releaseId, created));
          return created;
        }
        check(current);
        @SuppressWarnings("unchecked")
        T next = (T) Serialization.clone(current);
        if (!change.test(next)) {
          return current;
        }
        T updated = handle(stamped(next)).update();
        entries.add(entry(kind + ".updated", releaseId, updated));
        return updated;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
          throw e;
        }
        // someone wrote in between (or created it first): read again and decide again
      }
    }
  }

  /** HTTPRoutes are addressed by their resource definition (no discovery needed). */
  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> Resource<T> handle(T object) {
    if (object instanceof GenericKubernetesResource g) {
      return (Resource<T>)
          client
              .genericKubernetesResources(Routes.DEFINITION)
              .inNamespace(g.getMetadata().getNamespace())
              .resource(g);
    }
    return client.resource(object);
  }

  /** Refuses to touch an object a newer lease of the same deployment wrote. */
  void check(HasMetadata current) {
    Map<String, String> a = current.getMetadata().getAnnotations();
    if (a == null || !fence.deploymentId().equals(a.get(KubeObjects.DEPLOYMENT))) {
      return;
    }
    long written = Long.parseLong(a.getOrDefault(KubeObjects.EPOCH, "0"));
    if (written > fence.epoch()) {
      throw new Refused(
          current.getKind()
              + " "
              + current.getMetadata().getName()
              + " was written at lease epoch "
              + written);
    }
  }

  private <T extends HasMetadata> T stamped(T object) {
    Map<String, String> a = object.getMetadata().getAnnotations();
    a = a == null ? new HashMap<>() : new HashMap<>(a);
    a.put(KubeObjects.DEPLOYMENT, fence.deploymentId());
    a.put(KubeObjects.EPOCH, String.valueOf(fence.epoch()));
    object.getMetadata().setAnnotations(a);
    return object;
  }

  private static Entry entry(String kind, String releaseId, HasMetadata written) {
    JsonObject detail =
        new JsonObject()
            .put("namespace", written.getMetadata().getNamespace())
            .put("name", written.getMetadata().getName())
            .put("resource_version", written.getMetadata().getResourceVersion());
    Map<String, String> a = written.getMetadata().getAnnotations();
    if (written instanceof ReplicaSet rs) {
      detail.put("replicas", rs.getSpec().getReplicas());
      if (a.containsKey(KubeObjects.SCALE_DOWN_AT)) {
        detail
            .put("scale_down_to", Integer.parseInt(a.get(KubeObjects.SCALE_DOWN_TO)))
            .put("scale_down_at", a.get(KubeObjects.SCALE_DOWN_AT));
      }
    } else if (written instanceof Service svc) {
      detail.put("selector", new JsonObject(new TreeMap<>(svc.getSpec().getSelector())));
    } else if (written instanceof Secret secret) {
      // how many variables, never a name's value
      detail.put("keys", secret.getData() == null ? 0 : secret.getData().size());
    }
    if (a.containsKey(KubeObjects.WEIGHTS)) {
      detail.put("weights", new JsonObject(a.get(KubeObjects.WEIGHTS)));
    }
    return new Entry(kind, releaseId, detail);
  }
}
