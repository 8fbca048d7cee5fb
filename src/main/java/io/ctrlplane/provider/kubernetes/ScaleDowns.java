package io.ctrlplane.provider.kubernetes;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out scale-downs scheduled on a ReplicaSet (blue-green's scale_down_delay_seconds): the
 * runner wrote {@code ctrlplane.io/scale-down-to} and {@code -at} under its lease and may be gone
 * by then. Every process with a {@link Cluster} looks at its cached ReplicaSets once a second (no
 * API call unless one is due) and scales the due ones, conditional on the resourceVersion it saw: a
 * rollback that cancelled the scale-down meanwhile, or another process that did it first, wins.
 */
final class ScaleDowns {
  private static final Logger log = LoggerFactory.getLogger(ScaleDowns.class);
  private static final long TICK_MS = 1000;

  private final Vertx vertx;
  private final Cluster cluster;
  private long timer = -1;

  ScaleDowns(Vertx vertx, Cluster cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
  }

  void start() {
    timer = vertx.setPeriodic(TICK_MS, id -> tick());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  private void tick() {
    Instant now = Instant.now();
    for (ReplicaSet rs : cluster.replicaSets.getStore().list()) {
      String at = KubeObjects.annotation(rs, KubeObjects.SCALE_DOWN_AT);
      if (at != null && !Instant.parse(at).isAfter(now)) {
        vertx.executeBlocking(() -> scale(rs), false);
      }
    }
  }

  private Void scale(ReplicaSet seen) {
    Map<String, String> a = new HashMap<>(seen.getMetadata().getAnnotations());
    int to = Integer.parseInt(a.remove(KubeObjects.SCALE_DOWN_TO));
    a.remove(KubeObjects.SCALE_DOWN_AT);
    ReplicaSet next = io.fabric8.kubernetes.client.utils.Serialization.clone(seen);
    next.getMetadata().setAnnotations(a);
    next.getSpec().setReplicas(Math.min(to, next.getSpec().getReplicas()));
    try {
      cluster.client.resource(next).update();
      log.info(
          "kubernetes: scaled {}/{} down to {} as scheduled",
          seen.getMetadata().getNamespace(),
          seen.getMetadata().getName(),
          next.getSpec().getReplicas());
    } catch (KubernetesClientException e) {
      log.debug(
          "scheduled scale-down of {} not done now: {}", seen.getMetadata().getName(), e.getCode());
    }
    return null;
  }
}
