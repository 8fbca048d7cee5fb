package io.ctrlplane.events;

import io.ctrlplane.command.ConfigFiles;
import io.ctrlplane.command.EnvAware;
import io.ctrlplane.command.OutputAware;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane kafka-events} (operators): tails the deploy events topic and prints one readable
 * line per event. Reads without a consumer group (every partition assigned), so tailing never moves
 * anybody's offsets. A plain blocking consumer on the main thread: a CLI has no event loop to
 * protect.
 */
@Command(
    name = "kafka-events",
    mixinStandardHelpOptions = true,
    description =
        "Operators: tail the deploy events topic of every tenant (needs broker access): one line per event (time, instance, version, type, state, error).")
public final class KafkaEventsCommand implements Callable<Integer>, EnvAware, OutputAware {
  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers (default: CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS, then the config file).")
  String bootstrapServers;

  @Option(
      names = "--topic",
      description = "Topic (default: CTRLPLANE_KAFKA_TOPIC, then the config file).")
  String topic;

  @Option(names = "--instance", description = "Only events of this instance (id or name).")
  String instance;

  @Option(
      names = "--from-beginning",
      description = "Start with the oldest retained event instead of new ones.")
  boolean fromBeginning;

  @Option(
      names = "--skip-progress",
      description = "Leave out deploy.progressed (step-by-step) events.")
  boolean skipProgress;

  @Option(names = "--max-events", description = "Exit after printing this many events.")
  Integer maxEvents;

  @Option(
      names = "--config",
      description = "Config file (default conf/config.json, or CTRLPLANE_CONFIG).")
  String configFile;

  private Map<String, String> env = Map.of();
  private PrintStream out = System.out;
  private volatile KafkaConsumer<String, String> consumer;

  @Override
  public void init(Map<String, String> env, PrintStream err) {
    this.env = env;
  }

  @Override
  public void output(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    AppConfig.Kafka kafka = ConfigFiles.load(configFile, env).kafka();
    String servers = bootstrapServers != null ? bootstrapServers : kafka.bootstrapServers();
    String name = topic != null ? topic : kafka.topic();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> stop(done), "ctrlplane-events-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                servers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "ctrlplane-events-cli",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15_000),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer = c;
      tail(c, servers, name);
    } catch (WakeupException e) {
      // Ctrl-C: stop quietly
    } finally {
      done.countDown();
      removeHook(hook);
    }
    return 0;
  }

  private void tail(KafkaConsumer<String, String> c, String servers, String name) {
    List<TopicPartition> partitions;
    try {
      partitions =
          c.partitionsFor(name, Duration.ofSeconds(15)).stream()
              .map(p -> new TopicPartition(name, p.partition()))
              .toList();
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ConfigException(
          "cannot reach Kafka at "
              + servers
              + " within 15 s: check --bootstrap-servers or CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS");
    }
    if (partitions.isEmpty()) {
      throw new ConfigException(
          "topic "
              + name
              + " does not exist on "
              + servers
              + ": check --topic or CTRLPLANE_KAFKA_TOPIC");
    }
    c.assign(partitions);
    if (fromBeginning) {
      c.seekToBeginning(partitions);
    } else {
      c.seekToEnd(partitions);
    }
    int printed = 0;
    while (maxEvents == null || printed < maxEvents) {
      for (ConsumerRecord<String, String> record : c.poll(Duration.ofMillis(500))) {
        if (instance != null && !EventLine.isAbout(record.value(), instance)
            || skipProgress && EventLine.isProgress(record.value())) {
          continue;
        }
        String line = EventLine.format(record.value());
        out.println(
            line != null
                ? line
                : "(not a deploy event: partition "
                    + record.partition()
                    + " offset "
                    + record.offset()
                    + ")");
        if (maxEvents != null && ++printed >= maxEvents) {
          break;
        }
      }
      out.flush();
    }
  }

  private void stop(CountDownLatch done) {
    KafkaConsumer<String, String> c = consumer;
    if (c != null) {
      c.wakeup();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
