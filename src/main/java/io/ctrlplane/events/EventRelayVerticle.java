package io.ctrlplane.events;

import io.ctrlplane.Addresses;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.store.PgPools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes outbox rows to Kafka in commit order per instance (key = instance id, idempotent
 * producer, acks=all) and marks them published. Woken by the event bus or PostgreSQL NOTIFY after a
 * commit, with a slow fallback poll. Only one relay drains at a time (a transaction-scoped advisory
 * lock), so running several relay processes cannot reorder events. Kafka down: rows stay unpublished
 * and drain in order when it returns.
 */
public class EventRelayVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(EventRelayVerticle.class);
  private static final long RELAY_LOCK = 0x6374726c72656c61L; // "ctrlrela"

  private final AppConfig config;
  private Pool pool;
  private KafkaProducer<String, String> producer;
  private PgSubscriber subscriber;
  private boolean draining;
  private boolean again;
  private boolean stopping;
  private long timerId;

  public EventRelayVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgPools.create(vertx, config.postgres(), "ctrlplane-relay");
    producer = KafkaProducer.create(vertx, producerConfig(config.kafka()));
    vertx.eventBus().localConsumer(Addresses.OUTBOX_COMMITTED, m -> wake());
    vertx.eventBus().<Void>localConsumer(Addresses.HEALTH_KAFKA, m -> producer
        .partitionsFor(config.kafka().topic())
        .timeout(3, TimeUnit.SECONDS)
        .onSuccess(p -> m.reply(new JsonObject().put("partitions", p.size())))
        .onFailure(e -> m.fail(503, "Kafka producer is not connected: " + e.getMessage())));
    timerId = vertx.setPeriodic(config.relay().pollMs(), id -> wake());
    subscriber = PgSubscriber.subscriber(vertx, PgPools.connectOptions(config.postgres()))
        .reconnectPolicy(n -> n < 20 ? 500L : -1L);
    subscriber.channel(Addresses.PG_CHANNEL_OUTBOX).handler(payload -> wake());
    return subscriber.connect().onSuccess(v -> wake());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timerId);
    // flush what is committed before closing: one last drain, bounded in time
    return drainOnce().timeout(10, TimeUnit.SECONDS).otherwiseEmpty()
        .eventually(() -> subscriber.close())
        .eventually(() -> producer.close())
        .eventually(() -> pool.close());
  }

  static Map<String, String> producerConfig(AppConfig.Kafka kafka) {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("bootstrap.servers", kafka.bootstrapServers());
    cfg.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    cfg.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    cfg.put("acks", "all");
    cfg.put("enable.idempotence", "true");
    cfg.put("max.in.flight.requests.per.connection", "5");
    cfg.put("linger.ms", "0");
    cfg.put("max.block.ms", "5000");
    cfg.put("request.timeout.ms", "5000");
    cfg.put("delivery.timeout.ms", "15000");
    cfg.put("client.id", "ctrlplane-relay");
    return cfg;
  }

  /** Coalesces wake-ups: one drain at a time, and one more if something arrived meanwhile. */
  private void wake() {
    if (stopping) {
      return;
    }
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    again = false;
    drainOnce().onComplete(ar -> {
      draining = false;
      if (ar.failed()) {
        log.warn("event relay: publishing paused, will retry: {}", ar.cause().getMessage());
      } else if (again || ar.result() == config.relay().batchSize()) {
        wake();
      }
    });
  }

  /** Publishes one batch; returns how many rows it published. */
  Future<Integer> drainOnce() {
    return pool.withTransaction(conn -> conn
        .preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .execute(Tuple.of(RELAY_LOCK))
        .compose(rs -> rs.iterator().next().getBoolean("locked") ? publishBatch(conn) : Future.succeededFuture(0)));
  }

  private Future<Integer> publishBatch(SqlConnection conn) {
    return conn.preparedQuery(
            "SELECT seq, instance_id, event::text AS event FROM outbox WHERE published_at IS NULL "
                + "ORDER BY seq LIMIT $1")
        .execute(Tuple.of(config.relay().batchSize()))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(0) : send(conn, rows));
  }

  private Future<Integer> send(SqlConnection conn, RowSet<Row> rows) {
    List<Future<?>> acks = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    for (Row row : rows) {
      seqs.add(row.getLong("seq"));
      acks.add(producer.send(KafkaProducerRecord.create(config.kafka().topic(),
          row.getString("instance_id"), row.getString("event"))));
    }
    return Future.all(acks)
        .compose(done -> conn.preparedQuery("UPDATE outbox SET published_at = now() WHERE seq = ANY($1)")
            .execute(Tuple.of(seqs.toArray(new Long[0]))))
        .map(done -> {
          log.debug("event relay: published {} events up to seq {}", seqs.size(), seqs.get(seqs.size() - 1));
          return seqs.size();
        });
  }
}
