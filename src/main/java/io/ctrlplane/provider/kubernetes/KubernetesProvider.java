package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.problem.Refusal;
import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.TrafficSample;
import io.ctrlplane.provider.fleet.FencedFleet;
import io.ctrlplane.provider.fleet.FleetChange;
import io.ctrlplane.provider.fleet.FleetTables;
import io.ctrlplane.provider.fleet.Infrastructure;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Releases as ReplicaSets in a Kubernetes cluster. Each change is one fenced-fleet change: the
 * deployment row is share-locked at its lease epoch while the cluster is written, so a claim by
 * another runner waits for the write to end, and a stale runner writes nothing (its refusal is
 * recorded as every provider's). In the cluster, the writes carry the epoch and are conditional on
 * the resourceVersion ({@link ClusterWrites}). Replicas, readiness and self-healing are the
 * cluster's own (the ReplicaSet controller, the kubelet); the provider reports what its informers
 * see.
 */
public final class KubernetesProvider implements Provider {
  public static final String NAME = "kubernetes";
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KubernetesProvider.class);

  private static final String TARGET = "SELECT name, provider_config FROM instances WHERE id = $1";
  private static final String VERSIONS = "SELECT id, version FROM releases WHERE id = ANY($1)";

  private final Vertx vertx;
  private final Pool pool;
  private final AppConfig.Kubernetes settings;
  private final FencedFleet fleet;

  public KubernetesProvider(Vertx vertx, Pool pool, AppConfig.Kubernetes settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.settings = settings;
    this.fleet = new FencedFleet(pool, new Tables());
  }

  /**
   * Connects now when a cluster is configured (a kubeconfig set, or running in a pod), so the first
   * deployment or fleet view does not wait for the informers' first sync; a failure is logged and
   * tried again at first use.
   */
  public void warmUp() {
    if (settings.kubeconfig() != null || System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      cluster().onFailure(e -> log.warn("kubernetes: not connected yet: {}", e.getMessage()));
    }
  }

  /** What a change writes, on a worker thread, at the change's clock. */
  private interface Writes {
    void apply(ClusterWrites w, Cluster cluster, KubeObjects.Target t, OffsetDateTime now);
  }

  @Override
  public Future<Void> runReplicas(Fence fence, ReleaseRef release, int count) {
    KubeObjects.Rel r = new KubeObjects.Rel(release.id(), release.version(), release.image());
    return change(
        fence,
        "run " + count + " replicas of v" + release.version(),
        (w, cluster, t, now) -> {
          w.put(KubeObjects.secret(t, r, release.env()), s -> false, "secret", r.id());
          w.put(
              KubeObjects.replicaSet(t, r, count), rs -> atLeast(rs, count), "replicaset", r.id());
          w.put(KubeObjects.stableService(t, null), s -> false, "service", null);
          if (t.config().gatewayApi()) {
            w.put(KubeObjects.releaseService(t, r), s -> false, "service", r.id());
          }
          if (t.config().previewService() != null) {
            Service preview = KubeObjects.previewService(t, r.id());
            w.put(preview, s -> select(s, preview), "service", r.id());
          }
        });
  }

  @Override
  public Future<Void> stopReplicas(Fence fence, String releaseId, int keep, int delaySeconds) {
    return change(
        fence,
        "stop replicas of " + releaseId + " beyond " + keep,
        (w, cluster, t, now) -> {
          for (ReplicaSet rs : Cluster.of(cluster.replicaSets, t.instanceId())) {
            if (releaseId.equals(rs.getMetadata().getLabels().get(KubeObjects.RELEASE))) {
              w.update(
                  rs, next -> scaleDown(next, keep, delaySeconds, now), "replicaset", releaseId);
            }
          }
        });
  }

  @Override
  public Future<Void> setTraffic(Fence fence, Map<String, Integer> weights) {
    String text = new JsonObject(new TreeMap<>(weights)).encode();
    return versions(weights.keySet())
        .compose(
            versions ->
                change(
                    fence,
                    "set traffic " + text,
                    (w, cluster, t, now) -> {
                      if (t.config().gatewayApi()) {
                        Map<Integer, Integer> byVersion = new HashMap<>();
                        weights.forEach((id, pct) -> byVersion.put(versions.get(id), pct));
                        List<Map<String, Object>> refs = KubeObjects.backendRefs(t, byVersion);
                        w.put(KubeObjects.stableService(t, null), s -> false, "service", null);
                        w.put(
                            Routes.route(t, refs, text),
                            route -> Routes.setBackendRefs(route, refs, text),
                            "httproute",
                            null);
                        return;
                      }
                      String pinned =
                          weights.entrySet().stream()
                              .filter(e -> e.getValue() == 100)
                              .map(Map.Entry::getKey)
                              .findFirst()
                              .orElse(null);
                      Service stable = KubeObjects.stableService(t, pinned);
                      KubeObjects.annotate(stable, KubeObjects.WEIGHTS, text);
                      w.put(stable, s -> select(s, stable) | weighted(s, text), "service", null);
                    }));
  }

  @Override
  public Future<FleetStatus> status(String instanceId) {
    return Future.all(cluster(), target(instanceId), fleet.observe(instanceId))
        .compose(
            all -> {
              Cluster cluster = all.resultAt(0);
              KubeObjects.Target t = all.resultAt(1);
              FencedFleet.Observed observed = all.resultAt(2);
              Future<io.fabric8.kubernetes.api.model.GenericKubernetesResource> route =
                  t.config().gatewayApi()
                      ? cluster.route(t.namespace(), t.config().httpRoute())
                      : Future.succeededFuture();
              return route.map(
                  r ->
                      KubeStatus.read(
                          t,
                          Cluster.of(cluster.replicaSets, instanceId),
                          Cluster.<Pod>of(cluster.pods, instanceId),
                          Cluster.<Service>of(cluster.services, instanceId),
                          r,
                          observed.refusedActions(),
                          Instant.now()));
            });
  }

  /**
   * No router of Ctrl Plane's sits in the cluster's traffic path, so the provider measures nothing:
   * analysis of a Kubernetes canary reads Prometheus (see docs/analysis.md).
   */
  @Override
  public Future<TrafficSample> traffic(String instanceId, String releaseId, int windowSeconds) {
    return Future.succeededFuture(new TrafficSample(windowSeconds, 0, 0, null));
  }

  @Override
  public Future<JsonObject> timeline(String instanceId, int limit, String cursor) {
    return fleet.timelinePage(instanceId, limit, cursor);
  }

  /** The last {@code lines} lines of a pod's app container (pods/log). */
  public Future<JsonObject> logs(String instanceId, String pod, int lines) {
    return Future.all(cluster(), target(instanceId))
        .compose(
            all -> {
              Cluster cluster = all.resultAt(0);
              KubeObjects.Target t = all.resultAt(1);
              boolean ours =
                  Cluster.<Pod>of(cluster.pods, instanceId).stream()
                      .anyMatch(p -> p.getMetadata().getName().equals(pod));
              if (!ours) {
                return Future.failedFuture(
                    Refusal.notFound("instance " + instanceId + " has no pod " + pod));
              }
              return vertx.executeBlocking(
                  () ->
                      new JsonObject()
                          .put(
                              "text",
                              cluster
                                  .client
                                  .pods()
                                  .inNamespace(t.namespace())
                                  .withName(pod)
                                  .inContainer(KubeObjects.CONTAINER)
                                  .tailingLines(lines)
                                  .getLog())
                          .put("pod", pod)
                          .put("namespace", t.namespace()),
                  false);
            });
  }

  /**
   * Runs {@code writes} against the cluster inside one fenced-fleet change; what was written goes
   * to the timeline in the same transaction. A write the cluster's annotations refuse is recorded
   * as a refused change.
   */
  private Future<Void> change(Fence fence, String what, Writes writes) {
    return Future.all(cluster(), target(fence.instanceId()))
        .compose(
            all -> {
              Cluster cluster = all.resultAt(0);
              KubeObjects.Target t = all.resultAt(1);
              return fleet.change(
                  fence,
                  what,
                  (c, weights) ->
                      vertx
                          .executeBlocking(
                              () -> {
                                ClusterWrites w = new ClusterWrites(cluster.client, fence);
                                writes.apply(w, cluster, t, c.now());
                                return w.entries;
                              },
                              false)
                          .compose(entries -> record(c, entries)));
            })
        .recover(
            e ->
                e instanceof ClusterWrites.Refused r
                    ? fleet.refusedByInfrastructure(fence, what, r.getMessage())
                    : Future.failedFuture(e));
  }

  private static Future<Void> record(FleetChange c, List<ClusterWrites.Entry> entries) {
    return c.record(
        entries.stream().map(e -> c.entry(e.kind(), null, e.releaseId(), e.detail())).toList());
  }

  private Future<Cluster> cluster() {
    return Cluster.shared(vertx, settings);
  }

  private Future<KubeObjects.Target> target(String instanceId) {
    return pool.preparedQuery(TARGET)
        .execute(Tuple.of(instanceId))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return new KubeObjects.Target(
                  instanceId,
                  row.getString("name"),
                  KubernetesConfig.from(row.getJsonObject("provider_config")));
            });
  }

  private Future<Map<String, Integer>> versions(java.util.Set<String> releaseIds) {
    return pool.preparedQuery(VERSIONS)
        .execute(Tuple.of(releaseIds.toArray(new String[0])))
        .map(
            rows -> {
              Map<String, Integer> v = new HashMap<>();
              rows.forEach(r -> v.put(r.getString("id"), r.getInteger("version")));
              return v;
            });
  }

  /**
   * At least {@code count} replicas, none of them scheduled to go: a scheduled scale-down below
   * {@code count} is cancelled (raised to it, or dropped when nothing would go any more).
   */
  static boolean atLeast(ReplicaSet rs, int count) {
    boolean changed = false;
    int replicas = rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    String to = KubeObjects.annotation(rs, KubeObjects.SCALE_DOWN_TO);
    if (to != null && count > Integer.parseInt(to)) {
      if (count >= replicas) {
        KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_TO, null);
        KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_AT, null);
      } else {
        KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_TO, String.valueOf(count));
      }
      changed = true;
    }
    if (replicas < count) {
      rs.getSpec().setReplicas(count);
      changed = true;
    }
    return changed;
  }

  /**
   * At most {@code keep} replicas: now (a scheduled scale-down dropped), or at {@code now + delay}
   * through the scale-down annotations ({@link ScaleDowns} carries them out).
   */
  static boolean scaleDown(ReplicaSet rs, int keep, int delaySeconds, OffsetDateTime now) {
    int replicas = rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    String to = KubeObjects.annotation(rs, KubeObjects.SCALE_DOWN_TO);
    if (delaySeconds == 0) {
      boolean changed = to != null;
      KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_TO, null);
      KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_AT, null);
      if (replicas > keep) {
        rs.getSpec().setReplicas(keep);
        changed = true;
      }
      return changed;
    }
    if (replicas <= keep || to != null && Integer.parseInt(to) <= keep) {
      return false;
    }
    KubeObjects.annotate(rs, KubeObjects.SCALE_DOWN_TO, String.valueOf(keep));
    KubeObjects.annotate(
        rs,
        KubeObjects.SCALE_DOWN_AT,
        now.toInstant()
            .plusSeconds(delaySeconds)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .toString());
    return true;
  }

  /** Gives {@code service} the selector of {@code wanted}; false when it has it. */
  private static boolean select(Service service, Service wanted) {
    Map<String, String> selector = wanted.getSpec().getSelector();
    if (Objects.equals(service.getSpec().getSelector(), selector)) {
      return false;
    }
    service.getSpec().setSelector(selector);
    return true;
  }

  /** Records the weights asked for on the Service; false when it has them. */
  private static boolean weighted(Service service, String weights) {
    if (weights.equals(KubeObjects.annotation(service, KubeObjects.WEIGHTS))) {
      return false;
    }
    KubeObjects.annotate(service, KubeObjects.WEIGHTS, weights);
    return true;
  }

  /**
   * The fenced-fleet engine's tables for this provider: the fleet row and the timeline. The
   * replicas are the cluster's, so the engine's replica operations are never used here.
   */
  private static final class Tables implements Infrastructure {
    private static final FleetTables TABLES =
        new FleetTables(
            "k8s", "", "true", "false", "false", List.of(), "", "replica.stopping", false);

    @Override
    public String label() {
      return NAME;
    }

    @Override
    public FleetTables tables() {
      return TABLES;
    }

    @Override
    public String describe(ReleaseRef release) {
      return "v" + release.version();
    }

    @Override
    public Future<Void> create(FleetChange change, ReleaseRef release, int missing) {
      return Future.failedFuture(
          new UnsupportedOperationException("the cluster's ReplicaSet controller creates pods"));
    }
  }
}
