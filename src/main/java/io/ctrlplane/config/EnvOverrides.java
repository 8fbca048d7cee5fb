package io.ctrlplane.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The environment variables that override {@code conf/config.json}. One table, so the README,
 * docker-compose.yml and the code can be checked against each other.
 */
public final class EnvOverrides {

  /** An environment variable and the dotted config key it sets. */
  public record Mapping(String env, String key, Kind kind) {}

  public enum Kind {
    STRING,
    INT,
    BOOLEAN
  }

  public static final List<Mapping> MAPPINGS =
      List.of(
          new Mapping("CTRLPLANE_ROLES", "roles", Kind.STRING),
          new Mapping("CTRLPLANE_HTTP_HOST", "http.host", Kind.STRING),
          new Mapping("CTRLPLANE_HTTP_PORT", "http.port", Kind.INT),
          new Mapping("CTRLPLANE_HTTP_INSTANCES", "http.instances", Kind.INT),
          new Mapping("CTRLPLANE_HTTP_WATCH_KEEPALIVE_MS", "http.watch_keepalive_ms", Kind.INT),
          new Mapping("CTRLPLANE_HTTP_WATCH_POLL_MS", "http.watch_poll_ms", Kind.INT),
          new Mapping("CTRLPLANE_PG_URL", "postgres.url", Kind.STRING),
          new Mapping("CTRLPLANE_PG_USER", "postgres.user", Kind.STRING),
          new Mapping("CTRLPLANE_PG_PASSWORD", "postgres.password", Kind.STRING),
          new Mapping("CTRLPLANE_PG_POOL_SIZE", "postgres.pool_size", Kind.INT),
          new Mapping("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap_servers", Kind.STRING),
          new Mapping("CTRLPLANE_KAFKA_TOPIC", "kafka.topic", Kind.STRING),
          new Mapping("CTRLPLANE_KAFKA_TOPIC_PARTITIONS", "kafka.topic_partitions", Kind.INT),
          new Mapping("CTRLPLANE_KAFKA_REPLICATION_FACTOR", "kafka.replication_factor", Kind.INT),
          new Mapping("CTRLPLANE_KAFKA_STARTUP_TIMEOUT_MS", "kafka.startup_timeout_ms", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_INSTANCES", "runner.instances", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_LEASE_SECONDS", "runner.lease_seconds", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_POLL_MS", "runner.poll_ms", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_MAX_CONCURRENT", "runner.max_concurrent", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_MAX_ACTIVE", "runner.max_active", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_RECHECK_MAX_MS", "runner.recheck_max_ms", Kind.INT),
          new Mapping("CTRLPLANE_RUNNER_STATS_MS", "runner.stats_ms", Kind.INT),
          new Mapping("CTRLPLANE_RELAY_POLL_MS", "relay.poll_ms", Kind.INT),
          new Mapping("CTRLPLANE_RELAY_BATCH_SIZE", "relay.batch_size", Kind.INT),
          new Mapping("CTRLPLANE_RELAY_RETENTION_HOURS", "relay.retention_hours", Kind.INT),
          new Mapping("CTRLPLANE_RELAY_DELIVERY_TIMEOUT_MS", "relay.delivery_timeout_ms", Kind.INT),
          new Mapping("CTRLPLANE_WEBHOOKS_GROUP_ID", "webhooks.group_id", Kind.STRING),
          new Mapping("CTRLPLANE_WEBHOOKS_MAX_ATTEMPTS", "webhooks.max_attempts", Kind.INT),
          new Mapping(
              "CTRLPLANE_WEBHOOKS_INITIAL_BACKOFF_MS", "webhooks.initial_backoff_ms", Kind.INT),
          new Mapping("CTRLPLANE_WEBHOOKS_MAX_BACKOFF_MS", "webhooks.max_backoff_ms", Kind.INT),
          new Mapping(
              "CTRLPLANE_WEBHOOKS_REQUEST_TIMEOUT_MS", "webhooks.request_timeout_ms", Kind.INT),
          new Mapping(
              "CTRLPLANE_WEBHOOKS_SESSION_TIMEOUT_MS", "webhooks.session_timeout_ms", Kind.INT),
          new Mapping("CTRLPLANE_DEV_DATA_DIR", "dev.data_dir", Kind.STRING),
          new Mapping("CTRLPLANE_DEV_PG_PORT", "dev.postgres_port", Kind.INT),
          new Mapping("CTRLPLANE_DEV_KAFKA_PORT", "dev.kafka_port", Kind.INT),
          new Mapping("CTRLPLANE_API_RATE_LIMIT_ENABLED", "api.rate_limit.enabled", Kind.BOOLEAN),
          new Mapping(
              "CTRLPLANE_API_RATE_LIMIT_PER_KEY_PER_SECOND",
              "api.rate_limit.per_key_per_second",
              Kind.INT),
          new Mapping(
              "CTRLPLANE_API_RATE_LIMIT_PER_KEY_BURST", "api.rate_limit.per_key_burst", Kind.INT),
          new Mapping(
              "CTRLPLANE_API_RATE_LIMIT_PER_ADDRESS_PER_SECOND",
              "api.rate_limit.per_address_per_second",
              Kind.INT),
          new Mapping(
              "CTRLPLANE_API_RATE_LIMIT_PER_ADDRESS_BURST",
              "api.rate_limit.per_address_burst",
              Kind.INT),
          new Mapping(
              "CTRLPLANE_API_RATE_LIMIT_UNAUTHENTICATED_AUDIT_PER_MINUTE",
              "api.rate_limit.unauthenticated_audit_per_minute",
              Kind.INT),
          new Mapping("CTRLPLANE_AUTH_ENABLED", "security.auth_enabled", Kind.BOOLEAN),
          new Mapping("CTRLPLANE_BOOTSTRAP_API_KEY", "security.bootstrap_api_key", Kind.STRING),
          new Mapping("CTRLPLANE_ENCRYPTION_KEY", "security.encryption_key", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_ID", "agent.id", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_HOST", "agent.host", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_PORT", "agent.port", Kind.INT),
          new Mapping("CTRLPLANE_AGENT_ADVERTISE_HOST", "agent.advertise_host", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_ROUTER_HOST", "agent.router_host", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_DATA_DIR", "agent.data_dir", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_HEARTBEAT_MS", "agent.heartbeat_ms", Kind.INT),
          new Mapping("CTRLPLANE_AGENT_DEAD_AFTER_MS", "agent.dead_after_ms", Kind.INT),
          new Mapping("CTRLPLANE_AGENT_LOG_MAX_BYTES", "agent.log_max_bytes", Kind.INT),
          new Mapping("CTRLPLANE_AGENT_TOKEN", "agent.token", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_PORT_RANGE", "agent.port_range", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_DOCKER_HOST", "agent.docker_host", Kind.STRING),
          new Mapping("CTRLPLANE_AGENT_CONTAINER_ULIMITS", "agent.container_ulimits", Kind.STRING),
          new Mapping("CTRLPLANE_KUBERNETES_KUBECONFIG", "kubernetes.kubeconfig", Kind.STRING),
          new Mapping("CTRLPLANE_KUBERNETES_CONTEXT", "kubernetes.context", Kind.STRING));

  private EnvOverrides() {}

  /** Returns a copy of {@code base} with every set variable of {@code env} applied. */
  public static JsonObject apply(JsonObject base, Map<String, String> env) {
    JsonObject result = base.copy();
    for (Mapping m : MAPPINGS) {
      String value = env.get(m.env());
      if (value != null && !value.isBlank()) {
        put(result, m.key(), convert(m, value.trim()));
      }
    }
    return result;
  }

  private static Object convert(Mapping m, String value) {
    if (m.kind() == Kind.STRING) {
      return value;
    }
    if (m.kind() == Kind.BOOLEAN) {
      // strict: a typo such as CTRLPLANE_AUTH_ENABLED=flase must not switch authentication off (or
      // on) by accident
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value.toLowerCase(java.util.Locale.ROOT));
      }
      throw new ConfigException(m.env() + "='" + value + "' must be true or false");
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(m.env() + "='" + value + "' is not a whole number");
    }
  }

  static void put(JsonObject root, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }
}
