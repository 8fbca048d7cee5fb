package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Rollouts;
import io.ctrlplane.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// two runner verticles, so the one-running-per-instance rule is tested against real competition
@CtrlPlaneServer(config = "runner.instances=2")
@DisplayName(
    "Deploys racing for one instance are numbered without gaps and run one at a time, in order")
class ParallelDeploysTest {
  private static final int N = 50;
  private ApiClient api;
  private Rollouts rollouts;
  private Sql sql;

  @BeforeAll
  void start(ApiClient api, Sql sql) {
    this.api = api;
    rollouts = new Rollouts(api);
    this.sql = sql;
  }

  @Test
  @DisplayName(
      "50 parallel deploys make releases v1..v50 exactly; never two run at once; they run in FIFO order")
  void fiftyParallelDeploys() throws Exception {
    String instanceId =
        rollouts.instance(1, new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0));
    Sampler sampler = new Sampler(instanceId);
    sampler.start();
    long t0 = System.nanoTime();

    List<Future<ApiClient.Response>> sent =
        IntStream.rangeClosed(1, N)
            .mapToObj(
                i ->
                    api.sendAsync(
                        HttpMethod.POST,
                        "/v1/instances/" + instanceId + "/deployments",
                        new JsonObject()
                            .put("image", "acme/app:" + i)
                            .put("strategy", "recreate")
                            .encode(),
                        Map.of()))
            .toList();
    Await.result(Future.all(sent), Duration.ofSeconds(60));
    long accepted = System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (Future<ApiClient.Response> f : sent) {
      assertThat(f.result().status()).as(f.result().text()).isEqualTo(202);
      ids.add(f.result().json().getString("id"));
    }
    ids.forEach(id -> rollouts.awaitState(id, "succeeded", Duration.ofSeconds(180)));
    long finished = System.nanoTime();
    sampler.stop();
    System.out.printf(
        "%d parallel deploys: accepted in %d ms, all succeeded after %d ms; %d state samples%n",
        N, (accepted - t0) / 1_000_000, (finished - t0) / 1_000_000, sampler.samples.get());

    // gap-free numbering: v1..v50, one release each
    List<Integer> versions =
        sql.ints(
            "SELECT version FROM releases WHERE instance_id = $1 ORDER BY version", instanceId);
    assertThat(versions).containsExactlyElementsOf(IntStream.rangeClosed(1, N).boxed().toList());

    // FIFO: queue order (seq) is version order, and each started on top of the one before
    List<Row> deployments =
        sql.rows(
            "SELECT d.id, r.version, p.version AS previous FROM deployments d "
                + "JOIN releases r ON r.id = d.release_id LEFT JOIN releases p ON p.id = d.previous_release_id "
                + "WHERE d.instance_id = $1 ORDER BY d.seq",
            instanceId);
    for (int i = 0; i < N; i++) {
      assertThat(deployments.get(i).getInteger("version")).isEqualTo(i + 1);
      assertThat(deployments.get(i).getInteger("previous")).isEqualTo(i == 0 ? null : i);
    }

    // one at a time: the instance's events, in commit order, alternate started(vK), succeeded(vK),
    // K = 1..50
    List<Row> events =
        sql.rows(
            "SELECT type, (event->'data'->>'version')::int AS version FROM outbox "
                + "WHERE instance_id = $1 AND type IN ('deploy.started', 'deploy.succeeded', 'deploy.failed', "
                + "'deploy.cancelled') ORDER BY instance_seq",
            instanceId);
    List<String> lifecycle =
        events.stream().map(e -> e.getString("type") + " v" + e.getInteger("version")).toList();
    List<String> expected = new ArrayList<>();
    for (int v = 1; v <= N; v++) {
      expected.add("deploy.started v" + v);
      expected.add("deploy.succeeded v" + v);
    }
    assertThat(lifecycle).containsExactlyElementsOf(expected);
    assertThat(sampler.maxRunning.get())
        .as("running deployments seen at once")
        .isLessThanOrEqualTo(1);
    assertThat(sampler.samples.get()).as("the sampler looked often").isGreaterThan(20);
    assertThat(
            rollouts
                .instanceJson(instanceId)
                .getJsonObject("current_release")
                .getInteger("version"))
        .isEqualTo(N);
  }

  @Test
  @DisplayName(
      "the database refuses a second running deployment of an instance (partial unique index)")
  void databaseRefusesTwoRunning() {
    String instanceId =
        rollouts.instance(
            1, new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 3_600_000));
    String first = rollouts.deploy(instanceId, "acme/app:1", "recreate", null);
    String second = rollouts.deploy(instanceId, "acme/app:2", "recreate", null);
    Await.until(
        Duration.ofSeconds(15),
        "first running",
        () -> "running".equals(rollouts.deployment(first).getString("state")) ? true : null);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> sql.update("UPDATE deployments SET state = 'running' WHERE id = $1", second))
        .hasMessageContaining("deployments_one_running_per_instance");
    assertThat(rollouts.deployment(second).getString("state")).isEqualTo("pending");
  }

  /**
   * Counts running deployments of the instance, as fast as the database answers, from another
   * thread.
   */
  private final class Sampler {
    private final String instanceId;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicLong samples = new AtomicLong();
    private Thread thread;

    Sampler(String instanceId) {
      this.instanceId = instanceId;
    }

    void start() {
      thread =
          new Thread(
              () -> {
                while (!stop.get()) {
                  long running =
                      sql.count(
                          "SELECT count(*) FROM deployments WHERE instance_id = $1 AND state = 'running'",
                          instanceId);
                  maxRunning.accumulateAndGet((int) running, Math::max);
                  samples.incrementAndGet();
                }
              },
              "running-sampler");
      thread.start();
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(5000);
    }
  }
}
