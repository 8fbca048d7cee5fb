package io.ctrlplane.testing;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * fabric8's Kubernetes API server mock in CRUD mode on 127.0.0.1 (it stores objects and serves
 * watches; no controller runs in it), a kubeconfig pointing at it, and a small stand-in for the
 * ReplicaSet controller and the kubelet: for every ReplicaSet it creates or deletes pods until
 * their number is the ReplicaSet's replicas, marks a pod Running after {@code startMs} and Ready
 * after {@code readyMs}, except when its image matches {@code neverReadyGlob} (it then stays
 * Running, never Ready), and keeps the ReplicaSet's status (replicas, readyReplicas,
 * availableReplicas) up to date. No real cluster runs here.
 */
public final class KubeMock implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Path kubeconfig;
  private final ScheduledExecutorService kubelet =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "kube-mock-controller");
            t.setDaemon(true);
            return t;
          });
  private final long startMs;
  private final long readyMs;
  private final Pattern neverReady;
  private SharedIndexInformer<ReplicaSet> replicaSets;

  public KubeMock(Path dir, long startMs, long readyMs, String neverReadyGlob) throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    this.startMs = startMs;
    this.readyMs = readyMs;
    this.neverReady = glob(neverReadyGlob);
    Files.createDirectories(dir);
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: mock",
            "  cluster:",
            "    server: http://127.0.0.1:" + server.getPort(),
            "contexts:",
            "- name: mock",
            "  context:",
            "    cluster: mock",
            "    user: tester",
            "current-context: mock",
            "users:",
            "- name: tester",
            "  user:",
            "    token: not-a-secret",
            ""));
  }

  /** Starts the stand-in controller. */
  public KubeMock startController() {
    replicaSets = client.apps().replicaSets().inAnyNamespace().inform(new Reconciling<>(), 0);
    client.pods().inAnyNamespace().inform(new Reconciling<>(), 0);
    kubelet.scheduleWithFixedDelay(this::reconcileAll, 200, 200, TimeUnit.MILLISECONDS);
    return this;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public KubernetesClient client() {
    return client;
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** Every change of a ReplicaSet or a pod makes the controller look again. */
  private final class Reconciling<T> implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {
      kubelet.execute(KubeMock.this::reconcileAll);
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      kubelet.execute(KubeMock.this::reconcileAll);
    }

    @Override
    public void onDelete(T obj, boolean unknown) {
      kubelet.execute(KubeMock.this::reconcileAll);
    }
  }

  private void reconcileAll() {
    try {
      for (ReplicaSet rs : replicaSets.getStore().list()) {
        reconcile(rs);
      }
    } catch (KubernetesClientException e) {
      // a conflict with a concurrent write: the next event or tick looks again
    } catch (RuntimeException e) {
      if (!kubelet.isShutdown()) {
        e.printStackTrace();
      }
    }
  }

  private void reconcile(ReplicaSet rs) {
    String ns = rs.getMetadata().getNamespace();
    List<Pod> pods =
        client
            .pods()
            .inNamespace(ns)
            .withLabels(rs.getSpec().getSelector().getMatchLabels())
            .list()
            .getItems();
    int wanted = rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    for (int i = pods.size(); i < wanted; i++) {
      create(rs);
    }
    if (pods.size() > wanted) {
      pods.stream()
          .sorted(
              Comparator.comparing((Pod p) -> ready(p) ? 1 : 0)
                  .thenComparing(
                      p -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()))
          .limit(pods.size() - wanted)
          .forEach(p -> client.pods().resource(p).delete());
    }
    Instant now = Instant.now();
    long ready = 0;
    for (Pod pod : pods) {
      advance(pod, now);
      ready += ready(pod) ? 1 : 0;
    }
    int live = Math.min(pods.size(), wanted);
    var status = rs.getStatus();
    int readyNow = (int) Math.min(ready, wanted);
    if (status == null
        || !Integer.valueOf(live).equals(status.getReplicas())
        || !Integer.valueOf(readyNow).equals(status.getReadyReplicas())) {
      rs.setStatus(
          new ReplicaSetStatusBuilder()
              .withReplicas(live)
              .withReadyReplicas(readyNow)
              .withAvailableReplicas(readyNow)
              .withObservedGeneration(rs.getMetadata().getGeneration())
              .build());
      client.apps().replicaSets().resource(rs).updateStatus();
    }
  }

  private void create(ReplicaSet rs) {
    String name =
        rs.getMetadata().getName()
            + "-"
            + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(rs.getMetadata().getNamespace())
            .withLabels(rs.getSpec().getTemplate().getMetadata().getLabels())
            .withCreationTimestamp(Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("ReplicaSet")
                    .withName(rs.getMetadata().getName())
                    .withUid(rs.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .withSpec(rs.getSpec().getTemplate().getSpec())
            .withStatus(new PodStatusBuilder().withPhase("Pending").build())
            .build();
    client.pods().resource(pod).create();
  }

  /** Pending → Running after startMs → Ready after readyMs (unless never-ready). */
  private void advance(Pod pod, Instant now) {
    Instant created = Instant.parse(pod.getMetadata().getCreationTimestamp());
    String phase = pod.getStatus() == null ? "Pending" : pod.getStatus().getPhase();
    String image = pod.getSpec().getContainers().get(0).getImage();
    boolean due = now.isAfter(created.plusMillis(readyMs));
    if ("Pending".equals(phase) && now.isAfter(created.plusMillis(startMs))) {
      pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
      client.pods().resource(pod).updateStatus();
    } else if ("Running".equals(phase)
        && !ready(pod)
        && due
        && (neverReady == null || !neverReady.matcher(image).matches())) {
      pod.setStatus(
          new PodStatusBuilder()
              .withPhase("Running")
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .withLastTransitionTime(now.truncatedTo(ChronoUnit.MILLIS).toString())
              .endCondition()
              .build());
      client.pods().resource(pod).updateStatus();
    }
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Pattern glob(String glob) {
    if (glob == null) {
      return null;
    }
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString());
  }

  /** Waits up to {@code timeout} for {@code probe} to return non-null. */
  public <T> T await(Duration timeout, String what, java.util.function.Supplier<T> probe) {
    return Await.until(timeout, what, probe);
  }

  @Override
  public void close() {
    kubelet.shutdownNow();
    client.close();
    server.destroy();
  }
}
