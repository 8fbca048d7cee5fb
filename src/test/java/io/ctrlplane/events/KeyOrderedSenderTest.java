package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The relay's sender")
class KeyOrderedSenderTest {
  private static final List<OutboxLog.Pending> BATCH =
      List.of(
          new OutboxLog.Pending(1, "inst_a", "a1"),
          new OutboxLog.Pending(2, "inst_b", "b1"),
          new OutboxLog.Pending(3, "inst_a", "a2"),
          new OutboxLog.Pending(4, "inst_b", "b2"),
          new OutboxLog.Pending(5, "inst_a", "a3"));

  @Test
  @DisplayName("sends an instance's next event only after Kafka acknowledged the previous one")
  void oneAtATimePerKey(Vertx vertx) {
    MockProducer<String, String> mock =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    KeyOrderedSender sender = new KeyOrderedSender(KafkaProducer.create(vertx, mock), "events");
    Future<KeyOrderedSender.Result> result = sender.send(BATCH);

    // first wave: one record per instance, the others wait for an acknowledgement
    Await.until(
        Duration.ofSeconds(5),
        "one record per key",
        () -> mock.history().size() == 2 ? true : null);
    assertThat(mock.history().stream().map(ProducerRecord::value))
        .containsExactlyInAnyOrder("a1", "b1");
    for (int acked = 0; acked < BATCH.size(); acked++) {
      int sent = acked;
      Await.until(
          Duration.ofSeconds(5),
          "a record to acknowledge",
          () -> mock.history().size() > sent ? true : null);
      mock.completeNext();
    }
    KeyOrderedSender.Result done = Await.result(result);
    assertThat(done.failure()).isNull();
    assertThat(done.published()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(
            mock.history().stream()
                .filter(r -> r.key().equals("inst_a"))
                .map(ProducerRecord::value))
        .containsExactly("a1", "a2", "a3");
  }

  @Test
  @DisplayName(
      "after a failed send holds back that instance's later events and still sends the others")
  void failureHoldsBackTheKey(Vertx vertx) {
    MockProducer<String, String> mock =
        new MockProducer<>(true, null, new StringSerializer(), poisonOn("a2"));
    KeyOrderedSender sender = new KeyOrderedSender(KafkaProducer.create(vertx, mock), "events");

    KeyOrderedSender.Result done = Await.result(sender.send(BATCH));

    assertThat(done.failure()).isNotNull();
    assertThat(done.published()).containsExactlyInAnyOrder(1L, 2L, 4L);
    assertThat(mock.history().stream().map(ProducerRecord::value)).doesNotContain("a3");
  }

  @Test
  @DisplayName("puts the CloudEvents content type on every record")
  void contentTypeHeader(Vertx vertx) {
    MockProducer<String, String> mock =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    Await.result(
        new KeyOrderedSender(KafkaProducer.create(vertx, mock), "events")
            .send(BATCH.subList(0, 1)));
    assertThat(new String(mock.history().get(0).headers().lastHeader("content-type").value()))
        .isEqualTo("application/cloudevents+json");
    assertThat(mock.history().get(0).key()).isEqualTo("inst_a");
  }

  private static Serializer<String> poisonOn(String value) {
    StringSerializer plain = new StringSerializer();
    return (topic, data) -> {
      if (value.equals(data)) {
        throw new SerializationException("refusing " + value);
      }
      return plain.serialize(topic, data);
    };
  }
}
