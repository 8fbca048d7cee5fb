package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.EventChecks;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.ctrlplane.testing.TopicReader;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// many small batches: many chances to interleave; special setup: the two relays start in start()
@CtrlPlaneServer(roles = "api", config = "relay.batch_size=7")
@DisplayName("The outbox with two relay processes")
class TwoRelaysTest {
  private static final int INSTANCES = 5;
  private static final int DEPLOYS_EACH = 30;

  private AppConfig config;
  private ApiClient client;
  private Sql sql;

  @BeforeAll
  void start(CtrlPlane plane) {
    config = plane.config();
    for (int i = 0;
        i < 2;
        i++) { // two Vert.x instances, two pools: two relays as far as PostgreSQL can tell
      plane.startServer(AppConfig.from(plane.json().put("roles", "relay")));
    }
    client = plane.api();
    sql = plane.sql();
  }

  @Test
  @Order(1)
  @DisplayName("neither reorder nor duplicate anything while deploys commit concurrently")
  void noReorder() throws Exception {
    Deploys deploys = new Deploys(client);
    List<String> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      instances.add(deploys.instance("two-relays-" + i, 0));
    }
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (String instance : instances) {
        writers.add(
            pool.submit(
                () -> {
                  for (int n = 0; n < DEPLOYS_EACH; n++) {
                    deploys.deploy(instance, "registry.example.com/acme/app:" + n, null);
                  }
                }));
      }
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
    int total = INSTANCES * DEPLOYS_EACH;
    try (TopicReader topic =
        new TopicReader(TestStack.get().kafkaBootstrap(), config.kafka().topic())) {
      topic.until(Duration.ofSeconds(60), total + " events", rs -> rs.size() >= total);
      List<JsonObject> events =
          EventChecks.checkAll(topic.drain(Duration.ofMillis(500)), List.of());
      Map<String, List<JsonObject>> byInstance = EventChecks.inOrderPerInstance(events);
      assertThat(EventChecks.duplicates(events))
          .as("duplicates (the advisory lock lets one relay publish at a time)")
          .isZero();
      assertThat(byInstance).hasSize(INSTANCES);
      byInstance.values().forEach(list -> assertThat(list).hasSize(DEPLOYS_EACH));
    }
  }

  @Test
  @Order(2)
  @DisplayName(
      "prune published rows after the retention, and the replay API says 410 to a client that missed them")
  void retention() {
    Await.until(
        Duration.ofSeconds(30),
        "everything published",
        () ->
            sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0 ? true : null);
    long total = sql.count("SELECT count(*) FROM outbox");
    sql.update(
        "UPDATE outbox SET published_at = now() - interval '169 hours' WHERE position <= 10");
    sql.update(
        "UPDATE outbox SET published_at = now() - interval '167 hours' WHERE position BETWEEN 11 AND 12");

    int pruned = Await.result(OutboxLog.prune(sql.pool(), 168));

    assertThat(pruned).isEqualTo(10);
    assertThat(sql.count("SELECT count(*) FROM outbox")).isEqualTo(total - 10);
    JsonObject fromStart = client.get("/v1/events?after=0&limit=1").json();
    assertThat(fromStart.getJsonArray("items").getJsonObject(0).getLong("seq")).isEqualTo(11);
    assertThat(client.get("/v1/events?after=10").status()).isEqualTo(200);
    ApiClient.Response gone = client.get("/v1/events?after=5");
    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.contentType()).isEqualTo("application/problem+json");
    assertThat(gone.json().getString("detail")).contains("oldest retained event is seq 11");
  }
}
