package io.ctrlplane.provider.kubernetes;

import io.ctrlplane.config.AppConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the cluster per process (per Vert.x instance), however many runner verticles
 * and instances use it: the fabric8 client (on Vert.x 5, in a Vert.x instance of its own so that
 * decoding what the API server sends never blocks the process's event loops), and one shared
 * informer per kind (ReplicaSets, Pods, Services labelled {@code ctrlplane.io/instance}, in every
 * namespace), indexed by instance. The provider reads the cluster from these caches, kept current
 * by watches; it never polls. Started on first use, so a process whose instances never use
 * Kubernetes never connects; closed with the Vert.x instance.
 */
final class Cluster {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  private static final Map<Vertx, Future<Cluster>> SHARED = new ConcurrentHashMap<>();
  static final String BY_INSTANCE = "instance";

  final KubernetesClient client;
  final SharedIndexInformer<ReplicaSet> replicaSets;
  final SharedIndexInformer<Pod> pods;
  final SharedIndexInformer<Service> services;
  private final ScaleDowns scaleDowns;

  private Cluster(Vertx vertx, AppConfig.Kubernetes settings) {
    this.client =
        new KubernetesClientBuilder()
            .withConfig(config(settings))
            // a Vert.x of its own: fabric8 decodes watch events and lists on the thread that
            // receives them, which must not be an event loop of the runners (measured: 2-3 s
            // blocked at first use when shared)
            .withHttpClientFactory(new Vertx5HttpClientFactory())
            .build();
    warmUp(client);
    this.replicaSets = indexed(client.apps().replicaSets().inAnyNamespace());
    this.pods = indexed(client.pods().inAnyNamespace());
    this.services = indexed(client.services().inAnyNamespace());
    this.scaleDowns = new ScaleDowns(vertx, this);
    log.info("kubernetes: watching ReplicaSets, Pods and Services at {}", client.getMasterUrl());
  }

  /**
   * The process's cluster, connected on first use and returned once its informers have synced
   * (nothing blocks meanwhile: the informers start asynchronously).
   */
  static synchronized Future<Cluster> shared(Vertx vertx, AppConfig.Kubernetes settings) {
    Future<Cluster> known = SHARED.get(vertx);
    if (known != null) {
      return known;
    }
    Future<Cluster> started =
        vertx
            .executeBlocking(() -> new Cluster(vertx, settings), false)
            .compose(c -> c.start().map(c));
    SHARED.put(vertx, started);
    started.onFailure(e -> SHARED.remove(vertx, started));
    started.onSuccess(
        c ->
            ((VertxInternal) vertx)
                .addCloseHook(
                    done -> {
                      SHARED.remove(vertx);
                      c.close();
                      done.succeed();
                    }));
    return started;
  }

  private Future<SharedIndexInformer<GenericKubernetesResource>> routes;

  /**
   * The HTTPRoute {@code namespace/name} as last watched, or null; the route informer starts with
   * the first gateway_api instance (a cluster without the Gateway API never gets one).
   */
  synchronized Future<GenericKubernetesResource> route(String namespace, String name) {
    if (routes == null) {
      SharedIndexInformer<GenericKubernetesResource> informer =
          client.genericKubernetesResources(Routes.DEFINITION).inAnyNamespace().runnableInformer(0);
      routes = Future.fromCompletionStage(informer.start()).map(informer);
    }
    return routes.map(r -> r.getStore().getByKey(namespace + "/" + name));
  }

  private Future<Void> start() {
    return Future.all(
            Future.fromCompletionStage(replicaSets.start()),
            Future.fromCompletionStage(pods.start()),
            Future.fromCompletionStage(services.start()))
        .onSuccess(v -> scaleDowns.start())
        .mapEmpty();
  }

  private void close() {
    scaleDowns.stop();
    replicaSets.close();
    pods.close();
    services.close();
    if (routes != null) {
      routes.onSuccess(SharedIndexInformer::close);
    }
    client.close();
  }

  /**
   * Builds the decoders of the watched kinds here, on a worker thread: the first decode of a
   * ReplicaSet or Pod list loads and introspects hundreds of model classes (seconds on a busy
   * machine), which would otherwise happen on the client's event loop at the first list.
   */
  private static void warmUp(KubernetesClient client) {
    var serialization = client.getKubernetesSerialization();
    serialization.unmarshal(
        "{\"items\":[{}]}", io.fabric8.kubernetes.api.model.apps.ReplicaSetList.class);
    serialization.unmarshal("{\"items\":[{}]}", io.fabric8.kubernetes.api.model.PodList.class);
    serialization.unmarshal("{\"items\":[{}]}", io.fabric8.kubernetes.api.model.ServiceList.class);
  }

  /** Cached objects of one kind labelled with this instance. */
  static <T extends HasMetadata> List<T> of(SharedIndexInformer<T> informer, String instanceId) {
    return informer.getIndexer().byIndex(BY_INSTANCE, instanceId);
  }

  private static <T extends HasMetadata> SharedIndexInformer<T> indexed(
      io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<T, ?, ?> all) {
    SharedIndexInformer<T> informer = all.withLabel(KubeObjects.INSTANCE).runnableInformer(0);
    Function<T, List<String>> byInstance =
        o -> List.of(o.getMetadata().getLabels().getOrDefault(KubeObjects.INSTANCE, ""));
    informer.addIndexers(Map.of(BY_INSTANCE, byInstance));
    return informer;
  }

  /** The configured kubeconfig (and context), or fabric8's usual search. */
  private static Config config(AppConfig.Kubernetes settings) {
    if (settings.kubeconfig() == null) {
      return Config.autoConfigure(settings.context());
    }
    try {
      Path file = Path.of(settings.kubeconfig());
      return Config.fromKubeconfig(
          settings.context(), Files.readString(file), file.toAbsolutePath().toString());
    } catch (IOException e) {
      throw new IllegalStateException(
          "kubernetes.kubeconfig " + settings.kubeconfig() + " cannot be read: " + e, e);
    }
  }
}
