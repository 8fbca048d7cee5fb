package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.EventChecks;
import io.ctrlplane.testing.TopicReader;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("Deploy events on Kafka")
class EventPublishingTest {
  private static final String IMAGE = "registry.example.com/acme/shop:";

  private AppConfig config;
  private ApiClient api;
  private Deploys deploys;
  private TopicReader topic;

  @BeforeAll
  void start(CtrlPlane plane) {
    config = plane.config();
    api = plane.api();
    deploys = new Deploys(api);
    topic = plane.closeLater(new TopicReader(plane.kafkaBootstrap(), config.kafka().topic()));
  }

  @Test
  @DisplayName(
      "every transition of a deploy, a rollback and a cancel produces exactly the expected events, "
          + "in order, gap-free, schema-valid and without env values")
  void lifecycle() {
    String secret = "s3cr3t-" + UUID.randomUUID();
    String envName =
        "DB_PASSWORD_"
            + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
    JsonObject env = new JsonObject().put(envName, secret).put("API_TOKEN", "tok-" + secret);

    // deploy v1, deploy v2, roll back to v1 (v3)
    String shop = deploys.instance("lifecycle-shop", 0);
    String d1 = deploys.deploy(shop, IMAGE + "1", env);
    deploys.awaitState(d1, "succeeded");
    String d2 = deploys.deploy(shop, IMAGE + "2", env);
    deploys.awaitState(d2, "succeeded");
    String d3 = deploys.rollback(shop, 1);
    deploys.awaitState(d3, "succeeded");
    deploys.awaitState(d2, "rolled_back");

    // cancel a queued deployment, then a running one
    String slow = deploys.instance("lifecycle-slow", 60_000);
    String s1 = deploys.deploy(slow, IMAGE + "1", env);
    deploys.awaitState(s1, "running");
    String s2 = deploys.deploy(slow, IMAGE + "2", env);
    deploys.cancel(s2);
    deploys.awaitState(s2, "cancelled");
    deploys.cancel(s1);
    deploys.awaitState(s1, "cancelled");

    // a rollout that fails
    String broken =
        deploys.instance(
            "lifecycle-broken",
            new JsonObject()
                .put("start_delay_ms", 0)
                .put(
                    "faults",
                    new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("image", "*:bad").put("fail_start", true))));
    String f1 = deploys.deploy(broken, IMAGE + "bad", env);
    deploys.awaitState(f1, "failed");

    Set<String> instances = Set.of(shop, slow, broken);
    List<ConsumerRecord<String, String>> records =
        topic.until(
            Duration.ofSeconds(30),
            "the lifecycle events",
            rs -> lifecycleCount(rs, instances) >= 10 + 5 + 3);
    records = topic.drain(Duration.ofMillis(500)); // nothing more may follow
    List<ConsumerRecord<String, String>> ours =
        records.stream().filter(r -> instances.contains(r.key())).toList();
    List<JsonObject> events = EventChecks.checkAll(ours, List.of(secret, envName));
    reportLatency(ours);
    Map<String, List<JsonObject>> byInstance = EventChecks.inOrderPerInstance(events);

    assertThat(typesAndSubjects(byInstance.get(shop)))
        .containsExactly(
            "deploy.queued " + d1,
            "deploy.started " + d1,
            "deploy.succeeded " + d1,
            "deploy.queued " + d2,
            "deploy.started " + d2,
            "deploy.succeeded " + d2,
            "deploy.queued " + d3,
            "deploy.started " + d3,
            "deploy.succeeded " + d3,
            "deploy.rolled_back " + d2);
    assertThat(typesAndSubjects(byInstance.get(slow)))
        .containsExactly(
            "deploy.queued " + s1,
            "deploy.started " + s1,
            "deploy.queued " + s2,
            "deploy.cancelled " + s2,
            "deploy.cancelled " + s1);
    assertThat(typesAndSubjects(byInstance.get(broken)))
        .containsExactly("deploy.queued " + f1, "deploy.started " + f1, "deploy.failed " + f1);

    JsonObject rollbackDone = last(byInstance.get(shop), "deploy.succeeded");
    assertThat(rollbackDone.getJsonObject("data").getString("kind")).isEqualTo("rollback");
    assertThat(rollbackDone.getJsonObject("data").getInteger("version")).isEqualTo(3);
    assertThat(
            rollbackDone
                .getJsonObject("data")
                .getJsonObject("previous_release")
                .getInteger("version"))
        .isEqualTo(2);
    assertThat(
            last(byInstance.get(broken), "deploy.failed").getJsonObject("data").getString("error"))
        .contains("failed to start");
  }

  @Test
  @DisplayName("GET /v1/events replays the retained log page by page, the same events as Kafka")
  void replay() {
    String app = deploys.instance("replay-app", 0);
    deploys.awaitState(deploys.deploy(app, IMAGE + "1", null), "succeeded");
    List<ConsumerRecord<String, String>> records =
        topic.until(
            Duration.ofSeconds(30),
            "the replay-app events",
            rs -> rs.stream().filter(r -> r.key().equals(app)).count() >= 3);
    Set<String> onKafka = new HashSet<>();
    records.forEach(r -> onKafka.add(new JsonObject(r.value()).getString("id")));

    List<JsonObject> replayed = new ArrayList<>();
    long after = 0;
    long lastSeq = 0;
    while (true) {
      JsonObject page = api.get("/v1/events?after=" + after + "&limit=4").json();
      for (Object o : page.getJsonArray("items")) {
        JsonObject item = (JsonObject) o;
        assertThat(item.getLong("seq")).isGreaterThan(lastSeq);
        lastSeq = item.getLong("seq");
        assertThat(EventChecks.schemas().errors(item.getJsonObject("event"))).isEmpty();
        replayed.add(item.getJsonObject("event"));
      }
      after = page.getLong("next_cursor");
      if (!page.getBoolean("has_more")) {
        break;
      }
    }
    Set<String> replayedIds = new HashSet<>();
    replayed.forEach(e -> replayedIds.add(e.getString("id")));
    assertThat(
            EventChecks.lifecycleTypes(
                replayed.stream()
                    .filter(e -> e.getJsonObject("data").getString("instance_id").equals(app))
                    .toList()))
        .containsExactly("deploy.queued", "deploy.started", "deploy.succeeded");
    assertThat(onKafka).isSubsetOf(replayedIds);

    JsonObject empty = api.get("/v1/events?after=" + after).json();
    assertThat(empty.getJsonArray("items")).isEmpty();
    assertThat(empty.getLong("next_cursor")).isEqualTo(after);
    assertThat(api.get("/v1/events?after=-1").status()).isEqualTo(400);
    assertThat(api.get("/v1/events?after=abc").status()).isEqualTo(400);
    assertThat(api.get("/v1/events?limit=0").status()).isEqualTo(400);
    assertThat(api.get("/v1/events?limit=1001").status()).isEqualTo(400);
  }

  /**
   * Event time (written in the transaction) to the record's send time: how long an event waits for
   * the relay.
   */
  private static void reportLatency(List<ConsumerRecord<String, String>> records) {
    List<Long> ms =
        records.stream()
            .map(
                r ->
                    r.timestamp()
                        - java.time.Instant.parse(new JsonObject(r.value()).getString("time"))
                            .toEpochMilli())
            .sorted()
            .toList();
    System.out.printf(
        "event time -> Kafka send: p50 %d ms, max %d ms over %d events%n",
        ms.get(ms.size() / 2), ms.get(ms.size() - 1), ms.size());
  }

  private static long lifecycleCount(
      List<ConsumerRecord<String, String>> records, Set<String> instances) {
    return records.stream()
        .filter(r -> instances.contains(r.key()))
        .map(r -> new JsonObject(r.value()))
        .filter(e -> !e.getString("type").equals(DeployEvent.PROGRESSED))
        .map(e -> e.getString("id"))
        .distinct()
        .count();
  }

  private static List<String> typesAndSubjects(List<JsonObject> events) {
    return events.stream()
        .filter(e -> !e.getString("type").equals(DeployEvent.PROGRESSED))
        .map(e -> e.getString("type") + " " + e.getString("subject"))
        .toList();
  }

  private static JsonObject last(List<JsonObject> events, String type) {
    return events.stream()
        .filter(e -> e.getString("type").equals(type))
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
