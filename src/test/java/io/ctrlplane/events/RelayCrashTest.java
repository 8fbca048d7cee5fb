package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.ChildProcess;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.EventChecks;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.ctrlplane.testing.TopicReader;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
// special setup: the relay is a child process the test kills; this JVM serves the API only
@CtrlPlaneServer(roles = "api")
@DisplayName("A relay process killed with SIGKILL in the middle of a batch")
class RelayCrashTest {
  private static final int INSTANCES = 10;
  private static final int DEPLOYS_EACH = 40;

  @Test
  @DisplayName(
      "loses nothing: after a restart every event is on Kafka, in order per instance, and a "
          + "duplicate only repeats an id already seen")
  void killedMidBatch(AppConfig config, ApiClient client, Sql sql) throws Exception {
    try (TopicReader topic =
        new TopicReader(TestStack.get().kafkaBootstrap(), config.kafka().topic())) {
      // deployments queue up (no runner here): one deploy.queued each, interleaved across instances
      Deploys deploys = new Deploys(client);
      List<String> instances = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        instances.add(deploys.instance("crash-" + i, 0));
      }
      for (int n = 0; n < DEPLOYS_EACH; n++) {
        for (String instance : instances) {
          deploys.deploy(instance, "registry.example.com/acme/app:" + n, null);
        }
      }
      int total = INSTANCES * DEPLOYS_EACH;
      assertThat(sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
          .isEqualTo(total);

      // the relay's test hook holds the first sent batch before its commit and says so in a
      // file: the kill lands exactly between the sends to Kafka and the commit in PostgreSQL
      Path held = Files.createTempDirectory(Path.of("target"), "relay-crash").resolve("held");
      ChildProcess relay =
          ChildProcess.serve(
              "relay-crash-1",
              "relay",
              config,
              Map.of(
                  "JAVA_TOOL_OPTIONS",
                  "-D" + EventRelayVerticle.HOLD_BEFORE_COMMIT + "=" + held.toAbsolutePath()));
      int onKafkaAtKill;
      try (relay) {
        Await.until(
            Duration.ofSeconds(60),
            "the relay to hold a sent batch before its commit",
            () -> {
              if (!relay.isAlive()) {
                throw new Await.Hopeless("the relay exited, see target/child-logs");
              }
              return Files.exists(held) ? true : null;
            });
        int sent = Integer.parseInt(Files.readString(held).trim());
        assertThat(sent).as("the held batch").isPositive();
        onKafkaAtKill =
            topic
                .until(Duration.ofSeconds(30), "the held batch on Kafka", rs -> rs.size() >= sent)
                .size();
        relay.kill();
      }
      long markedAtKill = sql.count("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL");
      System.out.printf(
          "relay killed with %d records on Kafka and %d rows marked published%n",
          onKafkaAtKill, markedAtKill);
      assertThat(markedAtKill).as("the kill landed before the batch committed").isZero();

      try (ChildProcess restarted =
          ChildProcess.serve("relay-crash-2", "relay", config, Map.of())) {
        Await.until(
            Duration.ofSeconds(60),
            "every row published after the restart",
            () ->
                sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
                    ? true
                    : null);
        List<ConsumerRecord<String, String>> records =
            topic.until(
                Duration.ofSeconds(30),
                "every event on Kafka",
                rs ->
                    rs.stream()
                            .map(r -> new JsonObject(r.value()).getString("id"))
                            .distinct()
                            .count()
                        >= total);
        List<JsonObject> events =
            EventChecks.checkAll(topic.drain(Duration.ofMillis(300)), List.of());
        Map<String, List<JsonObject>> byInstance = EventChecks.inOrderPerInstance(events);

        assertThat(byInstance.keySet()).containsExactlyInAnyOrderElementsOf(instances);
        byInstance.values().forEach(list -> assertThat(list).hasSize(DEPLOYS_EACH));
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.getString("id")));
        assertThat(ids).hasSize(total);
        System.out.printf(
            "after the restart: %d records for %d events (%d duplicates)%n",
            events.size(), total, EventChecks.duplicates(events));
        assertThat(records).isNotEmpty();
      }
    }
  }
}
