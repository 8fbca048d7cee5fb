package io.ctrlplane.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Event latency: deploys are POSTed at a fixed rate (the runner drives them, so every event type
 * flows) while a Kafka consumer on the events topic notes when each event arrives. The event's
 * {@code time} is taken inside the transaction that commits the state change, right before its
 * outbox insert, so {@code received − time} is commit→consumer plus the last statements of that
 * transaction (an upper bound by about a millisecond). For deploy.queued the 202 response (sent
 * after the commit) gives a lower bound too. Same machine, same clock.
 */
final class EventLatency {
  private EventLatency() {}

  static int main(Args args) throws Exception {
    String id = args.str("id");
    double rate = args.dbl("rate", 10);
    double warmup = args.dbl("warmup", 5);
    double duration = args.dbl("duration", 30);
    String out = args.str("out", null);
    URI base = URI.create(args.str("url"));
    OpenLoop.Target target =
        new OpenLoop.Target(
            io.vertx.core.http.HttpMethod.POST,
            java.nio.file.Files.readAllLines(java.nio.file.Path.of(args.str("paths-file"))).stream()
                .filter(l -> !l.isBlank())
                .toList(),
            Buffer.buffer(EndToEnd.deployBody(9999).encode()));
    Properties cp = new Properties();
    cp.put("bootstrap.servers", args.str("bootstrap"));
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    cp.put("enable.auto.commit", "false");
    cp.put("client.id", "ctrlplane-bench-events");
    String topic = args.str("topic", "ctrlplane.deploy.events");

    Map<String, Instant> responded = new ConcurrentHashMap<>(); // deployment id -> 202 received
    Set<String> measuredDeployments = ConcurrentHashMap.newKeySet();
    List<Object[]> received = new ArrayList<>(); // {type, subject, eventId, time, receivedAt}
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(1);
    Thread consumerThread =
        new Thread(
            () -> {
              try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo p : consumer.partitionsFor(topic)) {
                  tps.add(new TopicPartition(topic, p.partition()));
                }
                consumer.assign(tps);
                consumer.seekToEnd(tps);
                tps.forEach(consumer::position);
                ready.countDown();
                while (!stop.get()) {
                  for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(50))) {
                    Instant now = Instant.now();
                    JsonObject ev = new JsonObject(rec.value());
                    synchronized (received) {
                      received.add(
                          new Object[] {
                            ev.getString("type"),
                            ev.getString("subject"),
                            ev.getString("id"),
                            Instant.parse(ev.getString("time")),
                            now
                          });
                    }
                  }
                }
              }
            },
            "bench-events-consumer");
    consumerThread.start();
    if (!ready.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("consumer did not get its partitions");
    }
    Vertx vertx = Vertx.vertx();
    OpenLoop.Run run;
    Instant measureStartWall = Instant.now().plusMillis((long) (warmup * 1000) + 20);
    try {
      HttpClientAgent client = OpenLoop.client(vertx, base.getHost(), base.getPort(), 32);
      run =
          OpenLoop.run(
                  vertx.getOrCreateContext(),
                  client,
                  target,
                  rate,
                  warmup,
                  duration,
                  7,
                  o -> {
                    if (o.failure() == null && o.status() == 202) {
                      String dep = new JsonObject(o.body()).getString("id");
                      responded.put(dep, Instant.now());
                      if (o.measured()) {
                        measuredDeployments.add(dep);
                      }
                    }
                  })
              .toCompletionStage()
              .toCompletableFuture()
              .get();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    try (Connection db =
        DriverManager.getConnection(
            args.str("pg-jdbc"), args.str("pg-user", "postgres"), args.str("pg-password", ""))) {
      EndToEnd.waitTerminal(db, new ArrayList<>(responded.keySet()), args.integer("timeout", 300));
    }
    // the last events of the last deployments: give the relay a moment
    Thread.sleep((long) (args.dbl("drain", 3) * 1000));
    stop.set(true);
    consumerThread.join();

    Histogram all = Result.histogram();
    Histogram queued = Result.histogram();
    Histogram runner = Result.histogram();
    Histogram queuedLower = Result.histogram();
    long negativeLower = 0;
    Set<String> seen = new HashSet<>();
    Set<String> succeeded = new HashSet<>();
    long duplicates = 0;
    for (Object[] r : received) {
      String type = (String) r[0];
      String subject = (String) r[1];
      Instant time = (Instant) r[3];
      Instant at = (Instant) r[4];
      if (!seen.add((String) r[2])) {
        duplicates++;
        continue;
      }
      if ("deploy.succeeded".equals(type)) {
        succeeded.add(subject);
      }
      if (!measuredDeployments.contains(subject) || time.isBefore(measureStartWall)) {
        continue;
      }
      long micros = Duration.between(time, at).toNanos() / 1000;
      Result.record(all, micros);
      if ("deploy.queued".equals(type)) {
        Result.record(queued, micros);
        Instant resp = responded.get(subject);
        if (resp != null) {
          long lower = Duration.between(resp, at).toNanos() / 1000;
          if (lower < 0) {
            negativeLower++;
          }
          Result.record(queuedLower, lower);
        }
      } else {
        Result.record(runner, micros);
      }
    }
    long missing = 0;
    for (String dep : measuredDeployments) {
      if (!succeeded.contains(dep)) {
        missing++;
      }
    }
    String load =
        String.format(
            Locale.ROOT,
            "deploys POSTed at %.0f/s for %.0f s (+%.0f s warmup), runner active",
            rate,
            duration,
            warmup);
    Result allRow = new Result(id, "Event latency commit→consumer, all types");
    if (run.cpu() != null) {
      run.cpu().addTo(allRow, measuredDeployments.size());
    }
    allRow
        .load(load)
        .throughput(all.getTotalCount() / duration, "events/s")
        .latency(all)
        .errors(run.errors + missing)
        .note(
            String.format(
                Locale.ROOT,
                "%d deployments measured, %d without a deploy.succeeded event, %d duplicates",
                measuredDeployments.size(),
                missing,
                duplicates))
        .save(out);
    new Result(id + ".queued", "Event latency, deploy.queued (API transaction)")
        .load(load)
        .throughput(queued.getTotalCount() / duration, "events/s")
        .latency(queued)
        .errors(run.errors)
        .note(
            String.format(
                Locale.ROOT,
                "from the 202 response instead (a lower bound): p50 %s, p99 %s ms%s",
                Result.ms(queuedLower.getValueAtPercentile(50) / 1000.0),
                Result.ms(queuedLower.getValueAtPercentile(99) / 1000.0),
                negativeLower > 0 ? ", " + negativeLower + " events arrived before their 202" : ""))
        .save(out);
    new Result(id + ".runner", "Event latency, started/progressed/succeeded (runner transactions)")
        .load(load)
        .throughput(runner.getTotalCount() / duration, "events/s")
        .latency(runner)
        .errors(missing)
        .save(out);
    return 0;
  }
}
