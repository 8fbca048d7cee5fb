package io.ctrlplane.events;

import io.ctrlplane.ops.LogIds;
import io.ctrlplane.ops.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a batch of outbox rows so that, per key (instance), a record is sent only after the
 * previous one was acknowledged. If one fails, the later rows of that key are not sent at all: they
 * stay in the outbox and go out, in order, on the next drain. Sending a key's records concurrently
 * would let a later record land while an earlier one failed (and is sent again after it), which
 * consumers would see as a reordering. Different instances still go out concurrently.
 */
final class KeyOrderedSender {
  private static final Logger log = LoggerFactory.getLogger(KeyOrderedSender.class);

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
    long startEpochNanos = Tracing.nowNanos();
    return producer
        .send(record(row))
        .andThen(
            ar -> {
              RelayMetrics.publishLatency(System.nanoTime() - start, ar.succeeded());
              if (ar.succeeded()) {
                published(row, ar.result());
              }
              traced(row, startEpochNanos, ar.succeeded());
            });
  }

  /** A producer span in the deployment's trace (the event's traceparent), when tracing is on. */
  private void traced(OutboxLog.Pending row, long startEpochNanos, boolean ok) {
    JsonObject event = Tracing.enabled() ? parsed(row) : null;
    if (event == null) {
      return;
    }
    Tracing.record(
        "relay publish " + event.getString("type"),
        SpanKind.PRODUCER,
        event.getString("traceparent"),
        startEpochNanos,
        Map.of(
            "messaging.system",
            "kafka",
            "messaging.destination.name",
            topic,
            "messaging.message.id",
            event.getString("id", ""),
            "ctrlplane.deployment_id",
            event.getString("subject", "")),
        ok);
  }

  /** The event's CloudEvent JSON; null if it is not JSON (logs and spans never fail a send). */
  private static JsonObject parsed(OutboxLog.Pending row) {
    try {
      return new JsonObject(row.event());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** One line per event on Kafka, with its deployment's ids as structured fields. */
  private static void published(OutboxLog.Pending row, RecordMetadata at) {
    JsonObject event = log.isInfoEnabled() ? parsed(row) : null;
    if (event == null) {
      return;
    }
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put(LogIds.ROLE, "relay");
    ids.put(LogIds.DEPLOYMENT_ID, event.getString("subject"));
    ids.put(LogIds.INSTANCE_ID, row.instanceId());
    ids.put(LogIds.TENANT, event.getString("tenantid"));
    try (LogIds ignored = LogIds.set(ids)) {
      log.info(
          "event {} {} published (partition {}, offset {})",
          event.getString("type"),
          event.getString("id"),
          at == null ? -1 : at.getPartition(),
          at == null ? -1 : at.getOffset());
    }
  }

  private KafkaProducerRecord<String, String> record(OutboxLog.Pending row) {
    return KafkaProducerRecord.create(topic, row.instanceId(), row.event())
        .addHeader("content-type", DeployEvent.CONTENT_TYPE);
  }
}
