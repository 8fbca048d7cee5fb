package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.events.DeployEvent;
import io.ctrlplane.events.EventSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** What every test asserts about every deploy event it reads from Kafka. */
public final class EventChecks {
  private static EventSchemas schemas;

  private EventChecks() {}

  public static synchronized EventSchemas schemas() {
    if (schemas == null) {
      schemas = EventSchemas.load();
    }
    return schemas;
  }

  /**
   * Asserts the record is a schema-valid CloudEvent in structured mode, keyed by its instance, and
   * that none of {@code forbidden} (env values, env names) appears in its key, value or headers.
   */
  public static JsonObject check(
      ConsumerRecord<String, String> record, Collection<String> forbidden) {
    JsonObject event = new JsonObject(record.value());
    assertThat(schemas().errors(event)).as("schema errors of %s", record.value()).isEmpty();
    assertThat(record.key()).isEqualTo(event.getJsonObject("data").getString("instance_id"));
    Header contentType = record.headers().lastHeader("content-type");
    assertThat(contentType).as("content-type header").isNotNull();
    assertThat(new String(contentType.value(), StandardCharsets.UTF_8))
        .isEqualTo(DeployEvent.CONTENT_TYPE);
    for (String secret : forbidden) {
      assertThat(record.key()).doesNotContain(secret);
      assertThat(record.value()).as("record value").doesNotContain(secret);
      for (Header h : record.headers()) {
        assertThat(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
            .doesNotContain(secret);
      }
    }
    return event;
  }

  public static List<JsonObject> checkAll(
      List<ConsumerRecord<String, String>> records, Collection<String> forbidden) {
    return records.stream().map(r -> check(r, forbidden)).toList();
  }

  /**
   * Groups events by instance in the order read, dropping redeliveries. Asserts that a redelivery
   * only repeats an id already seen (at-least-once) and that, once they are dropped, each
   * instance's instanceseq runs 1, 2, 3, ... without gap or reordering.
   */
  public static Map<String, List<JsonObject>> inOrderPerInstance(List<JsonObject> events) {
    Map<String, List<JsonObject>> byInstance = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    for (JsonObject event : events) {
      String instance = event.getJsonObject("data").getString("instance_id");
      List<JsonObject> list = byInstance.computeIfAbsent(instance, k -> new ArrayList<>());
      if (!seen.add(event.getString("id"))) {
        assertThat(list)
            .as("a duplicate repeats an event already delivered")
            .anySatisfy(e -> assertThat(e.getString("id")).isEqualTo(event.getString("id")));
        continue;
      }
      assertThat(event.getLong("instanceseq"))
          .as("instanceseq of %s on %s", event.getString("type"), instance)
          .isEqualTo(list.size() + 1L);
      list.add(event);
    }
    return byInstance;
  }

  /**
   * Types of one instance's events, leaving out progress events (how many there are is the
   * strategy's business).
   */
  public static List<String> lifecycleTypes(List<JsonObject> events) {
    return events.stream()
        .map(e -> e.getString("type"))
        .filter(t -> !t.equals(DeployEvent.PROGRESSED))
        .toList();
  }

  public static int duplicates(List<JsonObject> events) {
    return events.size() - (int) events.stream().map(e -> e.getString("id")).distinct().count();
  }
}
