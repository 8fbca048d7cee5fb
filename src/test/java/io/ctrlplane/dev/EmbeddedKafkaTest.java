package io.ctrlplane.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String TOPIC = "embedded-kafka-test";

  private Path dataDir;

  @BeforeEach
  void createDataDir() throws Exception {
    Path target = Files.createDirectories(Path.of("target"));
    dataDir = Files.createTempDirectory(target, "embedded-kafka-test-");
  }

  @AfterEach
  void deleteDataDir() throws Exception {
    try (Stream<Path> paths = Files.walk(dataDir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  @Test
  void recordsSurviveARestartOnTheSameDataDir() throws Exception {
    String clusterId;
    try (EmbeddedKafka kafka = timedStart("first start")) {
      assertThat(kafka.port()).isPositive();
      assertThat(kafka.bootstrapServers()).endsWith(":" + kafka.port());

      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)))
            .all()
            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        clusterId = admin.describeCluster().clusterId().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                  true,
                  ProducerConfig.ACKS_CONFIG,
                  "all"),
              new StringSerializer(),
              new StringSerializer())) {
        producer
            .send(new ProducerRecord<>(TOPIC, "release-1", "deployed"))
            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      assertThat(firstValue(kafka, "before-restart")).isEqualTo("deployed");

      assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, 0))
          .as("a second broker on a directory in use is refused before it touches the metadata log")
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use");

      kafka.close(); // explicit close, then try-with-resources closes again: must be a no-op
    }

    try (EmbeddedKafka kafka = timedStart("restart")) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertThat(admin.describeCluster().clusterId().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
            .as("the restart re-uses the formatted storage, so the cluster id is unchanged")
            .isEqualTo(clusterId);
      }
      // a new group starts from the earliest offset, so this reads the record written before the
      // restart
      assertThat(firstValue(kafka, "after-restart")).isEqualTo("deployed");
    }
  }

  private EmbeddedKafka timedStart(String what) throws Exception {
    long startNanos = System.nanoTime();
    EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0);
    System.out.printf(
        "EmbeddedKafka %s on %s took %d ms%n",
        what,
        kafka.bootstrapServers(),
        Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
    return kafka;
  }

  private static String firstValue(EmbeddedKafka kafka, String groupId) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                groupId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      Instant deadline = Instant.now().plus(TIMEOUT);
      while (Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          return record.value();
        }
      }
    }
    throw new AssertionError(
        "no record on " + TOPIC + " for group " + groupId + " within " + TIMEOUT);
  }
}
