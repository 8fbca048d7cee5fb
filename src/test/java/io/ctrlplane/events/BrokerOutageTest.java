package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.app.Server;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.dev.EmbeddedKafka;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.CtrlPlane;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.EventChecks;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TopicReader;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
// special setup: the roles start in the test, on a broker of its own that the test stops
@CtrlPlaneServer(roles = "")
@DisplayName("While the Kafka broker is down")
class BrokerOutageTest {

  private static double failedBatches(ApiClient api) {
    return api.get("/metrics")
        .text()
        .lines()
        .filter(l -> l.startsWith("ctrlplane_relay_batch_failures_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  @DisplayName(
      "deploys still succeed, events wait in the outbox, and when the broker returns every event "
          + "arrives in order with a gap-free sequence")
  void brokerDownAndBack(CtrlPlane plane, ApiClient api, Sql sql) throws Exception {
    // a broker of our own, so stopping it disturbs no other test
    Path dir = Path.of("target", "broker-outage-" + System.nanoTime());
    EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
    int port = kafka.port();
    JsonObject json = plane.json().put("roles", "api,runner,relay");
    json.getJsonObject("kafka").put("bootstrap_servers", kafka.bootstrapServers());
    json.getJsonObject("relay")
        .put("delivery_timeout_ms", 5000); // give a batch up quickly while the broker is away
    AppConfig config = AppConfig.from(json);
    Server server = plane.startServer(config);
    try {
      Deploys deploys = new Deploys(api);
      String app = deploys.instance("outage-app", 0);
      deploys.awaitState(deploys.deploy(app, "registry.example.com/acme/app:1", null), "succeeded");
      Await.until(
          Duration.ofSeconds(30),
          "the first deploy's events on Kafka",
          () ->
              sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
                  ? true
                  : null);

      long before = sql.count("SELECT count(*) FROM outbox");

      kafka.close();
      List<String> during = new ArrayList<>();
      for (int v = 2; v <= 4; v++) {
        String id = deploys.deploy(app, "registry.example.com/acme/app:" + v, null);
        deploys.awaitState(id, "succeeded");
        during.add(id);
      }
      // every event, deploy.progressed included (how many a rollout has is the strategy's business)
      long total = sql.count("SELECT count(*) FROM outbox");
      assertThat(sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
          .as("the events of the three deploys wait in the outbox")
          .isEqualTo(total - before);
      assertThat(
              sql.count(
                  "SELECT count(*) FROM outbox WHERE published_at IS NULL AND type <> 'deploy.progressed'"))
          .as("three lifecycle events per deploy")
          .isEqualTo(9);
      assertThat(api.get("/v1/events?after=0").json().getJsonArray("items"))
          .as("and the replay API already serves them")
          .hasSize((int) total);
      // stay down until the relay has given a batch up, so the events are sent again from the
      // outbox
      // (not merely flushed from the producer's buffer on reconnect)
      Await.until(
          Duration.ofSeconds(30),
          "a failed relay batch",
          () -> failedBatches(api) > 0 ? true : null);

      long restarted = System.nanoTime();
      kafka = EmbeddedKafka.start(dir, port);
      Await.until(
          Duration.ofSeconds(60),
          "the outbox to drain",
          () ->
              sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
                  ? true
                  : null);
      System.out.printf(
          "outbox drained %d ms after the broker restart began%n",
          Duration.ofNanos(System.nanoTime() - restarted).toMillis());

      try (TopicReader topic = new TopicReader(kafka.bootstrapServers(), config.kafka().topic())) {
        topic.until(
            Duration.ofSeconds(30),
            "all " + total + " events",
            rs ->
                rs.stream().map(r -> new JsonObject(r.value()).getString("id")).distinct().count()
                    >= total);
        List<JsonObject> events =
            EventChecks.checkAll(topic.drain(Duration.ofMillis(300)), List.of());
        Map<String, List<JsonObject>> byInstance = EventChecks.inOrderPerInstance(events);
        List<String> subjects =
            byInstance.get(app).stream()
                .map(e -> e.getString("type") + " " + e.getString("subject"))
                .toList();
        assertThat(byInstance.get(app)).hasSize((int) total);
        for (String id : during) {
          assertThat(subjects)
              .containsSubsequence(
                  "deploy.queued " + id, "deploy.started " + id, "deploy.succeeded " + id);
        }
      }
    } finally {
      server.stopBlocking();
      kafka.close();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
