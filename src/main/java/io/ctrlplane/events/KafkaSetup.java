package io.ctrlplane.events;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TopicExistsException;

/** Checks the broker is reachable and creates the events topic when it is missing. */
public final class KafkaSetup {
  private KafkaSetup() {}

  public static Map<String, String> adminConfig(AppConfig.Kafka kafka) {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("bootstrap.servers", kafka.bootstrapServers());
    cfg.put("request.timeout.ms", String.valueOf(Math.min(kafka.startupTimeoutMs(), 10_000)));
    cfg.put("default.api.timeout.ms", String.valueOf(kafka.startupTimeoutMs()));
    cfg.put("reconnect.backoff.max.ms", "1000");
    return cfg;
  }

  public static Future<Void> ensureTopic(Vertx vertx, AppConfig.Kafka kafka) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, adminConfig(kafka));
    return admin
        .describeCluster()
        .timeout(kafka.startupTimeoutMs(), TimeUnit.MILLISECONDS)
        .recover(
            e ->
                Future.failedFuture(
                    new ConfigException(
                        "cannot reach Kafka at "
                            + kafka.bootstrapServers()
                            + " within "
                            + kafka.startupTimeoutMs()
                            + " ms: check CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS")))
        .compose(cluster -> admin.listTopics())
        .compose(
            topics ->
                topics.contains(kafka.topic())
                    ? Future.<Void>succeededFuture()
                    : create(admin, kafka))
        .eventually(admin::close);
  }

  private static Future<Void> create(KafkaAdminClient admin, AppConfig.Kafka kafka) {
    NewTopic topic =
        new NewTopic(kafka.topic(), kafka.topicPartitions(), (short) kafka.replicationFactor());
    return admin
        .createTopics(List.of(topic))
        .recover(
            e ->
                e instanceof TopicExistsException || e.getCause() instanceof TopicExistsException
                    ? Future.succeededFuture() // another process created it first
                    : Future.failedFuture(
                        new ConfigException(
                            "cannot create Kafka topic "
                                + kafka.topic()
                                + " ("
                                + e.getMessage()
                                + "): check CTRLPLANE_KAFKA_TOPIC_PARTITIONS and CTRLPLANE_KAFKA_REPLICATION_FACTOR")));
  }
}
