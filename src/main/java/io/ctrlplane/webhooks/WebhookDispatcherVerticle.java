package io.ctrlplane.webhooks;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhooks role: a Kafka consumer (its own group) that POSTs each event to every subscription
 * that wants it, signed, retrying with exponential backoff and dead-lettering after a bounded
 * number of attempts. Each (subscription, event) has a delivery row, written before the first
 * attempt and after every attempt. Records are processed concurrently (a slow receiver does not
 * hold up the others) and an offset is committed only when every delivery of every record before it
 * has a recorded final outcome, so a crash re-delivers instead of dropping; the delivery rows keep
 * what was already delivered from being sent again. Delivery order to one receiver is not
 * guaranteed: consumers order by instanceseq.
 */
public class WebhookDispatcherVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcherVerticle.class);
  private static final int MAX_IN_FLIGHT = 500;
  private static final long MAX_STORE_RETRY_MS = 30_000;

  private final AppConfig config;
  private final OffsetTracker offsets = new OffsetTracker();
  private final Set<Long> timers = new HashSet<>();
  private final Set<String> active = new HashSet<>();
  private Pool pool;
  private WebhookStore store;
  private HttpClient http;
  private WebhookSender sender;
  private Backoff backoff;
  private KafkaConsumer<String, String> consumer;
  private boolean committing;
  private boolean commitAgain;
  private boolean paused;
  private boolean stopping;
  private long pruneTimer;

  /**
   * The parts of an event a delivery needs; {@code body} is the record value, sent byte for byte.
   */
  private record Event(
      String id, String type, String instanceId, OffsetDateTime time, String body) {}

  public WebhookDispatcherVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    WebhookMetrics.register();
    AppConfig.Webhooks cfg = config.webhooks();
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-webhooks");
    store = new WebhookStore(pool);
    http =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setName("ctrlplane-webhooks"));
    sender = new WebhookSender(http, cfg.requestTimeoutMs());
    backoff = new Backoff(cfg.initialBackoffMs(), cfg.maxBackoffMs());
    consumer = KafkaConsumer.create(vertx, consumerConfig(config));
    consumer.pollTimeout(Duration.ofMillis(100)); // commits queue behind poll(): keep it short
    consumer.exceptionHandler(e -> log.warn("webhooks: consumer error: {}", e.getMessage()));
    consumer.partitionsAssignedHandler(tps -> log.info("webhooks: consuming partitions {}", tps));
    consumer.partitionsRevokedHandler(offsets::revoked);
    consumer.handler(this::onRecord);
    pruneTimer = vertx.setPeriodic(60_000, 3_600_000, id -> prune());
    return consumer
        .subscribe(config.kafka().topic())
        .onSuccess(
            v ->
                log.info(
                    "webhooks: dispatcher subscribed to {} as group {}",
                    config.kafka().topic(),
                    cfg.groupId()));
  }

  @Override
  public Future<?> stop() {
    // deliveries in flight are abandoned uncommitted: the next dispatcher reads them again
    stopping = true;
    vertx.cancelTimer(pruneTimer);
    timers.forEach(vertx::cancelTimer);
    return consumer.close().eventually(() -> http.close()).eventually(() -> pool.close());
  }

  static Map<String, String> consumerConfig(AppConfig config) {
    AppConfig.Webhooks cfg = config.webhooks();
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", config.kafka().bootstrapServers());
    c.put("group.id", cfg.groupId());
    c.put("client.id", "ctrlplane-webhooks-" + ProcessHandle.current().pid());
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("enable.auto.commit", "false");
    // a new group reads the retained topic; subscriptions only match events newer than themselves
    c.put("auto.offset.reset", "earliest");
    c.put("session.timeout.ms", String.valueOf(cfg.sessionTimeoutMs()));
    c.put("heartbeat.interval.ms", String.valueOf(Math.max(500, cfg.sessionTimeoutMs() / 3)));
    c.put("max.poll.records", "100");
    return c;
  }

  private void onRecord(KafkaConsumerRecord<String, String> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    OffsetTracker.Partition assignment = offsets.started(tp, record.offset());
    backpressure();
    handle(record, 0)
        .onSuccess(
            v -> {
              offsets.finished(assignment, record.offset());
              commit();
              backpressure();
            });
  }

  /**
   * Processes a record until its outcome is recorded; store failures (PostgreSQL away) are retried.
   */
  private Future<Void> handle(KafkaConsumerRecord<String, String> record, int failures) {
    return process(record)
        .recover(
            e -> {
              if (stopping) {
                return Future.failedFuture(e);
              }
              long wait = Math.min(MAX_STORE_RETRY_MS, 500L << Math.min(failures, 10));
              log.warn(
                  "webhooks: record {}-{}@{} not processed, retry in {} ms: {}",
                  record.topic(),
                  record.partition(),
                  record.offset(),
                  wait,
                  e.getMessage());
              return delay(wait).compose(v -> handle(record, failures + 1));
            });
  }

  private Future<Void> process(KafkaConsumerRecord<String, String> record) {
    Event event = parse(record);
    if (event == null) {
      return Future.succeededFuture();
    }
    // join, not all: a failed delivery must not start the record over while its siblings still run
    return store
        .matching(event.type(), event.instanceId(), event.time())
        .compose(targets -> Future.join(targets.stream().map(t -> deliver(t, event)).toList()))
        .mapEmpty();
  }

  private Event parse(KafkaConsumerRecord<String, String> record) {
    try {
      JsonObject json = new JsonObject(record.value());
      JsonObject data = json.getJsonObject("data", new JsonObject());
      Event event =
          new Event(
              json.getString("id"),
              json.getString("type"),
              data.getString("instance_id"),
              OffsetDateTime.parse(json.getString("time")).withOffsetSameInstant(ZoneOffset.UTC),
              record.value());
      if (event.id() != null && event.type() != null && event.instanceId() != null) {
        return event;
      }
    } catch (DecodeException
        | ClassCastException
        | DateTimeParseException
        | NullPointerException e) {
      // reported below
    }
    log.warn(
        "webhooks: skipping record {}-{}@{}: not a deploy event",
        record.topic(),
        record.partition(),
        record.offset());
    return null;
  }

  private Future<Void> deliver(WebhookStore.Target target, Event event) {
    return store
        .delivery(target, event.id(), event.type(), event.instanceId(), event.body())
        .compose(
            delivery -> {
              if (delivery == null || delivery.finished()) {
                return Future.succeededFuture();
              }
              // the relay may have published this event twice: the later copy (same partition,
              // higher offset)
              // leaves the delivery to the loop already running; its offset cannot be committed
              // before that one's
              if (!active.add(delivery.id())) {
                return Future.succeededFuture();
              }
              return delay(millisUntil(delivery.nextAttemptAt()))
                  .compose(v -> attempt(target, delivery.id(), delivery.attempts() + 1, event))
                  .onComplete(ar -> active.remove(delivery.id()));
            });
  }

  private Future<Void> attempt(
      WebhookStore.Target target, String deliveryId, int attempt, Event event) {
    if (stopping) {
      return Future.failedFuture("dispatcher stopping");
    }
    return sender
        .post(target, deliveryId, event.id(), event.type(), attempt, event.body())
        .compose(
            outcome -> {
              if (outcome.delivered()) {
                log.info(
                    "webhook delivery {} of {} {} to webhook {} succeeded on attempt {}",
                    deliveryId,
                    event.type(),
                    event.id(),
                    target.id(),
                    attempt);
                WebhookMetrics.attempt("succeeded", attempt);
                return store
                    .recordAttempt(deliveryId, "succeeded", attempt, outcome.status(), null, null)
                    .mapEmpty();
              }
              if (attempt >= config.webhooks().maxAttempts()) {
                log.warn(
                    "webhook delivery {} of {} to webhook {} dead-lettered after {} attempts ({})",
                    deliveryId,
                    event.id(),
                    target.id(),
                    attempt,
                    outcome.describe());
                WebhookMetrics.attempt("dead_lettered", attempt);
                return store
                    .recordAttempt(
                        deliveryId,
                        "dead_lettered",
                        attempt,
                        outcome.status(),
                        outcome.describe(),
                        null)
                    .mapEmpty();
              }
              long wait = backoff.delayAfter(attempt);
              log.warn(
                  "webhook delivery {} of {} to webhook {}: attempt {} failed ({}), retry in {} ms",
                  deliveryId,
                  event.id(),
                  target.id(),
                  attempt,
                  outcome.describe(),
                  wait);
              WebhookMetrics.attempt("retry", attempt);
              return store
                  .recordAttempt(
                      deliveryId,
                      "pending",
                      attempt,
                      outcome.status(),
                      outcome.describe(),
                      OffsetDateTime.now(ZoneOffset.UTC).plusNanos(wait * 1_000_000))
                  // false: the subscription was deleted meanwhile, nothing left to deliver
                  .compose(
                      exists ->
                          exists
                              ? delay(wait)
                                  .compose(v -> attempt(target, deliveryId, attempt + 1, event))
                              : Future.succeededFuture());
            });
  }

  /**
   * Commits what may be committed; one commit at a time, and one more if records finished
   * meanwhile.
   */
  private void commit() {
    if (committing) {
      commitAgain = true;
      return;
    }
    Map<TopicPartition, Long> next = offsets.committable();
    if (next.isEmpty() || stopping) {
      return;
    }
    committing = true;
    commitAgain = false;
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    next.forEach((tp, offset) -> request.put(tp, new OffsetAndMetadata(offset, "")));
    consumer
        .commit(request)
        .onComplete(
            ar -> {
              committing = false;
              if (ar.succeeded()) {
                next.forEach(offsets::committed);
              } else {
                log.debug(
                    "webhooks: offset commit failed, will retry with the next one: {}",
                    ar.cause().getMessage());
              }
              if (commitAgain) {
                commit();
              }
            });
  }

  /**
   * Stops fetching (while still polling, so the group keeps us) when too many records are in
   * flight.
   */
  private void backpressure() {
    boolean tooMany = offsets.inFlight() >= MAX_IN_FLIGHT;
    if (tooMany == paused || (!tooMany && offsets.inFlight() > MAX_IN_FLIGHT / 2)) {
      return;
    }
    paused = tooMany;
    consumer
        .assignment()
        .compose(tps -> tooMany ? consumer.pause(tps) : consumer.resume(tps))
        .onSuccess(
            v ->
                log.info(
                    "webhooks: {} fetching ({} records in flight)",
                    tooMany ? "paused" : "resumed",
                    offsets.inFlight()));
  }

  private Future<Void> delay(long ms) {
    if (ms <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    long[] id = new long[1];
    id[0] =
        vertx.setTimer(
            ms,
            t -> {
              timers.remove(id[0]);
              promise.complete();
            });
    timers.add(id[0]);
    return promise.future();
  }

  private static long millisUntil(OffsetDateTime at) {
    return at == null ? 0 : Duration.between(OffsetDateTime.now(ZoneOffset.UTC), at).toMillis();
  }

  private void prune() {
    store
        .prune(config.relay().retentionHours())
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info(
                    "webhooks: pruned {} finished deliveries older than {} h",
                    n,
                    config.relay().retentionHours());
              }
            })
        .onFailure(
            e -> log.warn("webhooks: pruning deliveries failed, will retry: {}", e.getMessage()));
  }
}
