package io.ctrlplane.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka baseline: a plain producer configured as the event relay's (acks=all, idempotent,
 * linger.ms=0, up to 5 in flight), records of the size of a deploy event, on its own topic with the
 * events topic's partition count. Two runs: as fast as it goes (throughput), and a fixed rate with
 * a consumer (latency from the due time to the broker's ack, and to a consumer receiving the
 * record: the floor under the event-latency measurement).
 */
final class KafkaBaseline {
  private KafkaBaseline() {}

  static int main(Args args) throws Exception {
    String bootstrap = args.str("bootstrap");
    String topic = args.str("topic", "bench.producer.baseline");
    int partitions = args.integer("partitions", 3);
    int size = args.integer("size", 1024);
    int burst = args.integer("burst", 100_000);
    double rate = args.dbl("rate", 1000);
    double warmup = args.dbl("warmup", 5);
    double duration = args.dbl("duration", 20);
    String out = args.str("out", null);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      try {
        admin
            .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) 'x');
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap))) {
      producer.partitionsFor(topic); // metadata before the clock starts
      burst(producer, topic, value, burst, args.str("id") + ".burst", out);
      fixedRate(
          producer,
          bootstrap,
          topic,
          partitions,
          value,
          rate,
          warmup,
          duration,
          args.str("id"),
          out);
    }
    return 0;
  }

  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("linger.ms", "0");
    p.put("client.id", "ctrlplane-bench-producer");
    return p;
  }

  /**
   * As fast as the producer takes records; latency from send() to the ack (closed loop: for the
   * record only).
   */
  private static void burst(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      byte[] value,
      int n,
      String id,
      String out)
      throws Exception {
    Histogram h = Result.histogram();
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(n);
    CpuMeter meter = new CpuMeter();
    meter.start();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long sent = System.nanoTime();
      byte[] key = ("k" + (i % 1000)).getBytes();
      producer.send(
          new ProducerRecord<>(topic, key, value),
          (md, e) -> {
            if (e != null) {
              errors.incrementAndGet();
            } else {
              synchronized (h) {
                Result.record(h, (System.nanoTime() - sent) / 1000);
              }
            }
            done.countDown();
          });
    }
    if (!done.await(120, TimeUnit.SECONDS)) {
      errors.addAndGet(done.getCount());
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    CpuMeter.Usage usage = meter.stop();
    Result row = new Result(id, "Kafka producer, as fast as it goes");
    if (usage != null) {
      usage.addTo(row, n);
    }
    row.load(
            String.format(
                Locale.ROOT,
                "%d records of %d B, acks=all, idempotent, linger.ms=0",
                n,
                value.length))
        .throughput(n / secs, "records/s")
        .latency(h)
        .errors(errors.get())
        .put("mb_per_s", n * (double) value.length / secs / 1e6)
        .note(
            String.format(
                Locale.ROOT,
                "%.1f MB/s; latency send()→ack with up to the whole burst queued",
                n * (double) value.length / secs / 1e6))
        .save(out);
  }

  private static void fixedRate(
      KafkaProducer<byte[], byte[]> producer,
      String bootstrap,
      String topic,
      int partitions,
      byte[] value,
      double rate,
      double warmup,
      double duration,
      String id,
      String out)
      throws Exception {
    Histogram ack = Result.histogram();
    Histogram e2e = Result.histogram();
    AtomicLong errors = new AtomicLong();
    AtomicLong consumed = new AtomicLong();
    long start = System.nanoTime() + 200_000_000L;
    long measureStart = start + (long) (warmup * 1e9);
    long end = measureStart + (long) (duration * 1e9);
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
    cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
    cp.put("enable.auto.commit", "false");
    cp.put("fetch.min.bytes", "1");
    cp.put("client.id", "ctrlplane-bench-consumer");
    long measuredExpected = 0;
    CountDownLatch ready = new CountDownLatch(1);
    AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    Thread consumerThread =
        new Thread(
            () -> {
              try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
                List<TopicPartition> tps = new java.util.ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                  tps.add(new TopicPartition(topic, p));
                }
                consumer.assign(tps);
                consumer.seekToEnd(tps);
                tps.forEach(consumer::position);
                ready.countDown();
                while (System.nanoTime() < stopAt.get()) {
                  for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    Header due = rec.headers().lastHeader("due");
                    if (due != null) {
                      long dueNanos = ByteBuffer.wrap(due.value()).getLong();
                      if (dueNanos >= measureStart) {
                        Result.record(e2e, (now - dueNanos) / 1000);
                        consumed.incrementAndGet();
                      }
                    }
                  }
                }
              }
            },
            "bench-consumer");
    consumerThread.start();
    ready.await(30, TimeUnit.SECONDS);
    double interval = 1e9 / rate;
    double next = start;
    OpenLoop.Run meterRun = new OpenLoop.Run();
    OpenLoop.meter(meterRun, measureStart, end);
    while ((long) next < end) {
      long due = (long) next;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      boolean measured = due >= measureStart;
      if (measured) {
        measuredExpected++;
      }
      ProducerRecord<byte[], byte[]> rec =
          new ProducerRecord<>(topic, ("k" + (due % 1000)).getBytes(), value);
      rec.headers().add("due", ByteBuffer.allocate(8).putLong(due).array());
      producer.send(
          rec,
          (md, e) -> {
            if (measured) {
              if (e != null) {
                errors.incrementAndGet();
              } else {
                synchronized (ack) {
                  Result.record(ack, (System.nanoTime() - due) / 1000);
                }
              }
            }
          });
      next += interval;
    }
    producer.flush();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (consumed.get() < measuredExpected - errors.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    stopAt.set(0);
    consumerThread.join();
    long lost = Math.max(0, measuredExpected - errors.get() - consumed.get());
    String load =
        String.format(
            Locale.ROOT,
            "%.0f records/s of %d B, %.0f s (+%.0f s warmup)",
            rate,
            value.length,
            duration,
            warmup);
    Result ackRow =
        new Result(id + ".ack", "Kafka producer at a fixed rate: due→ack")
            .load(load)
            .throughput(ack.getTotalCount() / duration, "records/s")
            .offered(rate)
            .latency(ack)
            .errors(errors.get());
    if (meterRun.cpu() != null) {
      meterRun.cpu().addTo(ackRow, 0); // the broker is in the stack JVM: its CPU is "server"
    }
    ackRow.save(out);
    new Result(id + ".e2e", "Kafka producer→consumer at a fixed rate: due→received")
        .load(load)
        .throughput(e2e.getTotalCount() / duration, "records/s")
        .offered(rate)
        .latency(e2e)
        .errors(errors.get() + lost)
        .save(out);
  }
}
