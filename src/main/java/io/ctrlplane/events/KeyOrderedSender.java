package io.ctrlplane.events;

import io.vertx.core.Future;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Sends a batch of outbox rows so that, per key (instance), a record is sent only after the
 * previous one was acknowledged. If one fails, the later rows of that key are not sent at all: they
 * stay in the outbox and go out, in order, on the next drain. Sending a key's records concurrently
 * would let a later record land while an earlier one failed (and is sent again after it), which
 * consumers would see as a reordering. Different instances still go out concurrently.
 */
final class KeyOrderedSender {
  /** What a batch achieved: the seqs Kafka acknowledged, and the first failure if any. */
  record Result(List<Long> published, Throwable failure) {}

  private final KafkaProducer<String, String> producer;
  private final String topic;

  KeyOrderedSender(KafkaProducer<String, String> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  Future<Result> send(List<OutboxLog.Pending> rows) {
    return send(rows, seq -> {}, () -> Future.succeededFuture());
  }

  /**
   * The same, telling {@code acked} each seq as soon as Kafka acknowledged it; each send waits for
   * {@code gate}, and a failed gate ends that instance's chain with its failure (nothing more of
   * that instance goes out in this batch).
   */
  Future<Result> send(
      List<OutboxLog.Pending> rows, LongConsumer acked, Supplier<Future<Void>> gate) {
    List<Long> published = new ArrayList<>(rows.size());
    Map<String, Future<Void>> chains = new LinkedHashMap<>();
    for (OutboxLog.Pending row : rows) {
      Future<Void> previous = chains.getOrDefault(row.instanceId(), Future.succeededFuture());
      chains.put(
          row.instanceId(),
          previous
              .compose(v -> gate.get())
              .compose(v -> timedSend(row))
              .map(
                  metadata -> {
                    published.add(row.seq());
                    acked.accept(row.seq());
                    return null;
                  }));
    }
    return Future.join(new ArrayList<>(chains.values()))
        .transform(
            ar ->
                Future.succeededFuture(
                    new Result(
                        published,
                        chains.values().stream()
                            .filter(Future::failed)
                            .map(Future::cause)
                            .findFirst()
                            .orElse(null))));
  }

  private Future<?> timedSend(OutboxLog.Pending row) {
    long start = System.nanoTime();
    return producer
        .send(record(row))
        .andThen(ar -> RelayMetrics.publishLatency(System.nanoTime() - start, ar.succeeded()));
  }

  private KafkaProducerRecord<String, String> record(OutboxLog.Pending row) {
    return KafkaProducerRecord.create(topic, row.instanceId(), row.event())
        .addHeader("content-type", DeployEvent.CONTENT_TYPE);
  }
}
