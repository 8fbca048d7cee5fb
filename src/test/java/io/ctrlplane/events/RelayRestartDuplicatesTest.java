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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The operator's scenario of issue 21: two relay processes publish while deployments run, both are
 * SIGKILLed, events pile up in the outbox, the relays come back and are SIGKILLed again while they
 * drain the backlog. Before the fix a relay sent a whole batch (up to {@code relay.batch_size}
 * events, one acknowledgement round trip after another per instance) before recording any of it, so
 * a kill in the middle of a backlog re-sent everything consumers had already received. Now an
 * acknowledged event is recorded within one mark statement, so a kill re-sends only what was in
 * flight: at most one unacknowledged event per instance plus {@link PublishedMarks#WINDOW}
 * acknowledged ones waiting for their mark.
 */
// the runner is in this JVM (deployments keep running while the relays are down); the relays are
// child processes the test kills, with the production batch size
@CtrlPlaneServer(roles = "api,runner")
@DisplayName("Two relay processes SIGKILLed and restarted while deployments run")
class RelayRestartDuplicatesTest {
  private static final int INSTANCES = 6;
  private static final int DEPLOYS_PER_WAVE = 8;
  private static final int ROUNDS = 3;

  @Test
  @DisplayName(
      "re-send only what was in flight at each kill, and every instance's events arrive complete"
          + " and in order")
  void boundedDuplicates(AppConfig config, ApiClient client, Sql sql) throws Exception {
    Deploys deploys = new Deploys(client);
    List<String> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      instances.add(deploys.instance("dup-" + i, 20));
    }
    List<String> deployments = new ArrayList<>();
    ChildProcess[] relays = new ChildProcess[2];
    int started = 0;
    int kills = 0;
    int midBacklogKills = 0;
    try (TopicReader topic =
        new TopicReader(TestStack.get().kafkaBootstrap(), config.kafka().topic())) {
      for (int round = 0; round < ROUNDS; round++) {
        // the relays are down while a wave of deployments runs: its events pile up
        for (String instance : instances) {
          for (int n = 0; n < DEPLOYS_PER_WAVE; n++) {
            deployments.add(
                deploys.deploy(instance, "registry.example.com/acme/app:" + round + "." + n, null));
          }
        }
        awaitEnded(client, deployments);
        long backlog = sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL");
        int onKafka = topic.drain(Duration.ofMillis(500)).size(); // quiet: no relay runs
        for (int r = 0; r < 2; r++) {
          relays[r] = ChildProcess.serve("relay-dup-" + started++, "relay", config, Map.of());
        }
        // kill both while they drain it: a few records of the backlog are on Kafka, not all
        int mid = onKafka + INSTANCES;
        List<ConsumerRecord<String, String>> seen =
            topic.until(Duration.ofSeconds(60), "the backlog draining", rs -> rs.size() >= mid);
        for (ChildProcess relay : relays) {
          relay.kill();
          kills++;
        }
        long left = sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL");
        if (left > 0) {
          midBacklogKills++;
        }
        System.out.printf(
            "round %d: backlog %d, killed both relays with %d of it read on Kafka, %d unpublished%n",
            round, backlog, seen.size() - onKafka, left);
        for (int r = 0; r < 2; r++) {
          relays[r] = ChildProcess.serve("relay-dup-" + started++, "relay", config, Map.of());
        }
        Await.until(
            Duration.ofSeconds(60),
            "the backlog published",
            () -> {
              for (ChildProcess relay : relays) {
                if (!relay.isAlive()) {
                  throw new Await.Hopeless("a relay exited, see target/child-logs");
                }
              }
              return sql.count("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
                  ? true
                  : null;
            });
        for (ChildProcess relay : relays) {
          relay.kill();
          kills++;
        }
      }
      long total = sql.count("SELECT count(*) FROM outbox");
      topic.until(
          Duration.ofSeconds(60),
          total + " distinct events on Kafka",
          rs -> rs.stream().map(RelayRestartDuplicatesTest::id).distinct().count() >= total);
      List<JsonObject> events =
          EventChecks.checkAll(topic.drain(Duration.ofMillis(500)), List.of());

      Map<String, List<JsonObject>> byInstance = EventChecks.inOrderPerInstance(events);
      assertThat(byInstance.keySet()).containsExactlyInAnyOrderElementsOf(instances);
      for (String instance : instances) {
        assertThat(byInstance.get(instance))
            .as("events of %s", instance)
            .hasSize(
                (int) sql.count("SELECT count(*) FROM outbox WHERE instance_id = $1", instance));
      }
      Map<String, Integer> copies = new HashMap<>();
      events.forEach(e -> copies.merge(e.getString("id"), 1, Integer::sum));
      int duplicates = EventChecks.duplicates(events);
      int perKill = INSTANCES + PublishedMarks.WINDOW;
      System.out.printf(
          "relay kills: %d (%d rounds killed mid-backlog), batch size %d: %d records for %d"
              + " events, %d duplicates (bound %d per kill), at most %d copies of one event%n",
          kills,
          midBacklogKills,
          config.relay().batchSize(),
          events.size(),
          total,
          duplicates,
          perKill,
          copies.values().stream().max(Integer::compare).orElse(0));
      assertThat(midBacklogKills).as("rounds whose kill landed mid-backlog").isPositive();
      assertThat(duplicates)
          .as(
              "re-sent events: at most one unacknowledged event per instance (%d) plus %d awaiting"
                  + " their mark, per kill (%d)",
              INSTANCES, PublishedMarks.WINDOW, kills)
          .isLessThanOrEqualTo(kills * perKill);
    } finally {
      for (ChildProcess relay : relays) {
        if (relay != null) {
          relay.close();
        }
      }
    }
  }

  private static void awaitEnded(ApiClient client, List<String> deployments) {
    for (String id : deployments) {
      Await.until(
          Duration.ofSeconds(120),
          id + " ended",
          () -> {
            String state = client.get("/v1/deployments/" + id).json().getString("state");
            return List.of("succeeded", "rolled_back", "failed", "cancelled").contains(state)
                ? true
                : null;
          });
    }
  }

  private static String id(ConsumerRecord<String, String> record) {
    return new JsonObject(record.value()).getString("id");
  }
}
