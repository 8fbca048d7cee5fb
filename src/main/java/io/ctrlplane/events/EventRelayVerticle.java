package io.ctrlplane.events;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.PgPools;
import io.ctrlplane.lifecycle.QueueGauges;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes outbox rows to Kafka in commit order per instance (key = instance id, idempotent
 * producer, acks=all) and marks them published. Two loops, each one run at a time:
 *
 * <ul>
 *   <li>position: gives newly committed rows their place in the replayable log (short transactions,
 *       independent of Kafka, so GET /v1/events keeps up while the broker is down);
 *   <li>publish: sends positioned rows in position order and marks each published as soon as Kafka
 *       acknowledged it, holding an advisory lock in a session of its own ({@link RelayLock}), so
 *       only one relay process publishes at a time and several relays cannot reorder anything.
 * </ul>
 *
 * Woken by the event bus or PostgreSQL NOTIFY after a commit, with a slow fallback poll. Kafka
 * down: rows stay unpublished and drain in order when it returns. Killed mid-batch: only the rows
 * in flight (sent, not yet marked) are sent again by the next relay (duplicates carry the same
 * event id): acknowledged rows are marked within milliseconds. Also prunes published rows older
 * than the retention.
 */
public class EventRelayVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(EventRelayVerticle.class);
  private static final long RELAY_LOCK = 0x6374726c72656c61L; // "ctrlrela"
  private static final long PRUNE_INTERVAL_MS = 3_600_000;
  private static final long GAUGE_INTERVAL_MS = 5_000;

  private final AppConfig config;
  private Pool pool;
  private KafkaProducer<String, String> producer;
  private KeyOrderedSender sender;
  private RelayLock lock;
  private final RelayMetrics metrics = new RelayMetrics();
  private PgSubscriber subscriber;
  private Coalescer positioner;
  private Coalescer publisher;
  private boolean paused;
  private long pollTimer;
  private long pruneTimer;
  private long gaugeTimer;

  public EventRelayVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-relay");
    producer = KafkaProducer.create(vertx, producerConfig(config.kafka(), config.relay()));
    // send failures already fail the batch (and are logged once by pause()); without a handler
    // Vert.x
    // would also log each of them as an unhandled exception
    producer.exceptionHandler(e -> log.debug("event relay: producer error: {}", e.toString()));
    sender = new KeyOrderedSender(producer, config.kafka().topic());
    lock = new RelayLock(vertx, PgPools.connectOptions(config.postgres()), RELAY_LOCK);
    positioner =
        new Coalescer(
            this::positionOnce,
            e ->
                log.warn(
                    "event relay: cannot position outbox rows, will retry: {}", e.getMessage()));
    publisher = new Coalescer(this::publishOnce, this::pause);
    vertx.eventBus().localConsumer(Addresses.OUTBOX_COMMITTED, m -> wake());
    vertx
        .eventBus()
        .<Void>localConsumer(
            Addresses.HEALTH_KAFKA,
            m ->
                producer
                    .partitionsFor(config.kafka().topic())
                    .timeout(3, TimeUnit.SECONDS)
                    .onSuccess(p -> m.reply(new JsonObject().put("partitions", p.size())))
                    .onFailure(
                        e -> m.fail(503, "Kafka producer is not connected: " + e.getMessage())));
    pollTimer = vertx.setPeriodic(config.relay().pollMs(), id -> wake());
    pruneTimer = vertx.setPeriodic(60_000, PRUNE_INTERVAL_MS, id -> prune());
    QueueGauges.register();
    gaugeTimer = vertx.setPeriodic(100, GAUGE_INTERVAL_MS, id -> sampleGauges());
    subscriber =
        PgSubscriber.subscriber(vertx, PgPools.connectOptions(config.postgres()))
            .reconnectPolicy(n -> n < 20 ? 500L : -1L);
    subscriber.channel(Addresses.PG_CHANNEL_OUTBOX).handler(payload -> wake());
    return subscriber.connect().onSuccess(v -> wake());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(pruneTimer);
    vertx.cancelTimer(gaugeTimer);
    // flush what is committed before closing: let the runs in progress end, one last pass, bounded
    // in time
    Future<Void> flushed =
        Future.all(positioner.close(), publisher.close())
            .compose(v -> positionOnce())
            .compose(v -> publishOnce())
            .mapEmpty();
    return flushed
        .timeout(10, TimeUnit.SECONDS)
        .otherwiseEmpty()
        .eventually(() -> lock.drop())
        .eventually(() -> subscriber.close())
        .eventually(() -> producer.close())
        .eventually(() -> pool.close());
  }

  static Map<String, String> producerConfig(AppConfig.Kafka kafka, AppConfig.Relay relay) {
    // how long a batch may wait on the broker before it is given up and retried from the outbox
    int deliveryTimeout = relay.deliveryTimeoutMs();
    int requestTimeout = Math.min(5000, deliveryTimeout);
    Map<String, String> cfg = new HashMap<>();
    cfg.put("bootstrap.servers", kafka.bootstrapServers());
    cfg.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    cfg.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    cfg.put("acks", "all");
    cfg.put("enable.idempotence", "true");
    cfg.put("max.in.flight.requests.per.connection", "5");
    cfg.put("linger.ms", "0");
    cfg.put("max.block.ms", "5000");
    cfg.put("request.timeout.ms", String.valueOf(requestTimeout));
    cfg.put("delivery.timeout.ms", String.valueOf(deliveryTimeout));
    cfg.put("reconnect.backoff.max.ms", "1000");
    cfg.put("client.id", "ctrlplane-relay");
    return cfg;
  }

  private void wake() {
    positioner.request();
  }

  /**
   * Positions one chunk; whatever it did, the publisher runs next (rows may be positioned already).
   */
  private Future<Boolean> positionOnce() {
    int chunk = config.relay().batchSize() * 4;
    return OutboxLog.assignPositions(pool, chunk)
        .onComplete(ar -> publisher.request())
        .map(n -> n == chunk);
  }

  /**
   * Publishes one batch under the relay lock; true when the batch was full (more may be waiting).
   * Each event is marked published as soon as Kafka acknowledged it (see {@link PublishedMarks}),
   * so a crash re-sends only what was in flight. Any failure on the lock's session gives the lock
   * up: this relay sends nothing more until it holds it again.
   */
  private Future<Boolean> publishOnce() {
    int limit = config.relay().batchSize();
    boolean hold = holdHook() != null;
    return lock.acquire()
        .compose(
            session ->
                session == null
                    ? Future.succeededFuture(new Sent(List.of(), null, 0))
                    : OutboxLog.unpublished(session, limit)
                        .compose(rows -> sendAndMark(session, rows, !hold)))
        .compose(
            sent -> {
              metrics.published(sent.marked());
              if (sent.failure() != null) {
                metrics.failedBatch();
                return Future.failedFuture(sent.failure());
              }
              resumed(sent.marked());
              return Future.succeededFuture(sent.rows().size() == limit);
            })
        .onFailure(e -> lock.drop());
  }

  /** What one batch did: the rows read, the first send failure, how many were marked published. */
  private record Sent(List<OutboxLog.Pending> rows, Throwable failure, int marked) {}

  private Future<Sent> sendAndMark(
      SqlConnection session, List<OutboxLog.Pending> rows, boolean eager) {
    PublishedMarks marks = new PublishedMarks(session, eager);
    return sender
        .send(rows, marks::acked, marks::gate)
        .compose(this::holdBeforeCommitIfAsked)
        .compose(
            result -> marks.flush().map(v -> new Sent(rows, result.failure(), marks.marked())));
  }

  /**
   * Test hook, off unless the system property {@value #HOLD_BEFORE_COMMIT} names a file: the relay
   * then marks nothing while it sends, and after a batch was sent to Kafka, before its rows are
   * marked published, it writes that file and holds the batch (and the relay lock) for good. A
   * crash test waits for the file and kills the process at exactly that point (records on Kafka,
   * none marked in PostgreSQL) instead of racing a poll loop against the commit.
   */
  static final String HOLD_BEFORE_COMMIT = "ctrlplane.test.relay-hold-before-commit";

  private static String holdHook() {
    String marker = System.getProperty(HOLD_BEFORE_COMMIT);
    return marker == null || marker.isBlank() ? null : marker;
  }

  private Future<KeyOrderedSender.Result> holdBeforeCommitIfAsked(KeyOrderedSender.Result result) {
    String marker = holdHook();
    if (marker == null || result.published().isEmpty()) {
      return Future.succeededFuture(result);
    }
    log.warn(
        "event relay: test hook {} set: holding a sent batch of {} before its commit",
        HOLD_BEFORE_COMMIT,
        result.published().size());
    return vertx
        .fileSystem()
        .writeFile(marker, Buffer.buffer(result.published().size() + "\n"))
        .compose(v -> Promise.<KeyOrderedSender.Result>promise().future());
  }

  private void pause(Throwable cause) {
    if (!paused) {
      log.warn(
          "event relay: publishing paused, events wait in the outbox and will retry: {}",
          cause.getMessage());
    }
    paused = true;
  }

  private void resumed(int published) {
    if (paused && published > 0) {
      log.info("event relay: publishing resumed ({} events in this batch)", published);
      paused = false;
    }
    if (published > 0) {
      log.debug("event relay: published {} events", published);
    }
  }

  /**
   * The backlog and deployment-queue gauges for /metrics: two statements on partial indexes every
   * few seconds, so a scrape never waits on the database.
   */
  private void sampleGauges() {
    metrics
        .sampleBacklog(pool)
        .compose(v -> QueueGauges.sample(pool))
        .onFailure(e -> log.debug("event relay: sampling gauges failed: {}", e.toString()));
  }

  private void prune() {
    OutboxLog.prune(pool, config.relay().retentionHours())
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info(
                    "event relay: pruned {} published outbox rows older than {} h",
                    n,
                    config.relay().retentionHours());
              }
            })
        .onFailure(
            e ->
                log.warn("event relay: pruning the outbox failed, will retry: {}", e.getMessage()));
  }
}
