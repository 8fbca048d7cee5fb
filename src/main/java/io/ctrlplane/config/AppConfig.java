package io.ctrlplane.config;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Set;

/**
 * Typed, validated configuration. Built once at start; every problem is a {@link ConfigException}.
 */
public record AppConfig(
    Set<Role> roles,
    Http http,
    Postgres postgres,
    Kafka kafka,
    Runner runner,
    Relay relay,
    Webhooks webhooks,
    Dev dev,
    Security security,
    Agent agent,
    Api api,
    Kubernetes kubernetes) {

  /**
   * {@code watchKeepaliveMs}: how often an open watch stream (SSE) gets a keep-alive comment (and
   * an idle one a re-read); {@code watchPollMs}: how often a watch re-reads while a deployment is
   * in flight, besides the NOTIFY that wakes it at every step.
   */
  public record Http(String host, int port, int instances, int watchKeepaliveMs, int watchPollMs) {}

  /** The HTTP API's protections beyond authentication. */
  public record Api(RateLimit rateLimit) {}

  /**
   * Token buckets per API key and per client address ({@code perSecond} refill, {@code burst}
   * capacity; {@code enabled} false turns both off), and how many refused unauthenticated requests
   * a minute still get an audit record each (every one is counted in a metric).
   */
  public record RateLimit(
      boolean enabled,
      int perKeyPerSecond,
      int perKeyBurst,
      int perAddressPerSecond,
      int perAddressBurst,
      int unauthenticatedAuditPerMinute) {}

  public record Postgres(
      String url,
      String host,
      int port,
      String database,
      String user,
      String password,
      int poolSize) {
    /** The JDBC form of {@link #url()}, for Flyway. */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() { // never print the password
      return "Postgres[" + url + ", user=" + user + "]";
    }
  }

  public record Kafka(
      String bootstrapServers,
      String topic,
      int topicPartitions,
      int replicationFactor,
      int startupTimeoutMs) {}

  /**
   * {@code maxConcurrent}: moves (a control read, a provider action, a checkpoint) one runner
   * verticle has in flight at once; {@code maxActive}: deployments it holds alive (waiting ones
   * cost memory only) and so claims no more beyond; {@code recheckMaxMs}: the longest interval
   * between two readiness checks of a deployment waiting for its replicas; {@code statsMs}: how
   * often a runner logs its load and dispatch lag.
   */
  public record Runner(
      int instances,
      int leaseSeconds,
      int pollMs,
      int maxConcurrent,
      int maxActive,
      int recheckMaxMs,
      int statsMs) {}

  /**
   * {@code retentionHours}: published outbox rows older than this are pruned (and leave the replay
   * API). {@code deliveryTimeoutMs}: how long a batch waits on Kafka before it is retried from the
   * outbox.
   */
  public record Relay(int pollMs, int batchSize, int retentionHours, int deliveryTimeoutMs) {}

  /**
   * The webhook dispatcher: its consumer group, the bounded retry schedule (exponential from {@code
   * initialBackoffMs}, capped at {@code maxBackoffMs}, dead-lettered after {@code maxAttempts}),
   * the per-request timeout, and the group session timeout (how soon a crashed dispatcher's
   * partitions move to another one).
   */
  public record Webhooks(
      String groupId,
      int maxAttempts,
      int initialBackoffMs,
      int maxBackoffMs,
      int requestTimeoutMs,
      int sessionTimeoutMs) {}

  public record Dev(String dataDir, int postgresPort, int kafkaPort) {}

  /**
   * Authentication and secrets. {@code bootstrapApiKey}: an admin key of the default tenant taken
   * from configuration (null when unset). {@code encryptionKey}: comma-separated base64 AES-256
   * keys, the first encrypts, all decrypt (null when unset). Both are secrets: toString never
   * prints them.
   */
  public record Security(boolean authEnabled, String bootstrapApiKey, String encryptionKey) {
    /** Shorter bootstrap keys are refused: a guessable admin key is worse than none. */
    public static final int MIN_BOOTSTRAP_KEY_LENGTH = 32;

    public static Security defaults() {
      return new Security(true, null, null);
    }

    @Override
    public String toString() {
      return "Security[authEnabled="
          + authEnabled
          + ", bootstrapApiKey="
          + (bootstrapApiKey == null ? "unset" : "set")
          + ", encryptionKey="
          + (encryptionKey == null ? "unset" : "set")
          + "]";
    }
  }

  /**
   * A host agent (the process provider). {@code id} must stay the same across restarts of the agent
   * on one host, so a restarted agent recognises its replicas. Its API listens on {@code host:port}
   * (0: any free port); others reach it and its replicas at {@code advertiseHost}; routers bind
   * {@code routerHost}. Replica logs live under {@code dataDir}, at most {@code logMaxBytes} each.
   * {@code token}: when not empty, the agent API answers only requests bearing it, and every
   * process of the control plane (runners, API, agents) sends it.
   */
  public record Agent(
      String id,
      String host,
      int port,
      String advertiseHost,
      String routerHost,
      String dataDir,
      int heartbeatMs,
      int deadAfterMs,
      int logMaxBytes,
      String token,
      String dockerHost,
      String containerUlimits,
      int portRangeFrom,
      int portRangeTo) {
    @Override
    public String toString() { // never print the token
      return "Agent["
          + id
          + ", api "
          + host
          + ":"
          + port
          + ", token "
          + (token.isEmpty() ? "none" : "set")
          + "]";
    }
  }

  /**
   * The cluster the {@code kubernetes} provider talks to: one connection per process, not per
   * request. {@code kubeconfig}: a kubeconfig file, or null for fabric8's usual search ({@code
   * KUBECONFIG}, {@code ~/.kube/config}, else the pod's service account when running in a cluster).
   * {@code context}: a context of that file, or null for its current one.
   */
  public record Kubernetes(String kubeconfig, String context) {}

  public static AppConfig from(JsonObject json) {
    Reader r = new Reader(json);
    return new AppConfig(
        Role.parseList(r.string("roles", "CTRLPLANE_ROLES")),
        new Http(
            r.string("http.host", "CTRLPLANE_HTTP_HOST"),
            r.port("http.port", "CTRLPLANE_HTTP_PORT"),
            r.positive("http.instances", "CTRLPLANE_HTTP_INSTANCES"),
            r.positiveOr("http.watch_keepalive_ms", "CTRLPLANE_HTTP_WATCH_KEEPALIVE_MS", 15_000),
            r.positiveOr("http.watch_poll_ms", "CTRLPLANE_HTTP_WATCH_POLL_MS", 1000)),
        postgres(r),
        new Kafka(
            r.string("kafka.bootstrap_servers", "CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS"),
            r.string("kafka.topic", "CTRLPLANE_KAFKA_TOPIC"),
            r.positive("kafka.topic_partitions", "CTRLPLANE_KAFKA_TOPIC_PARTITIONS"),
            r.positive("kafka.replication_factor", "CTRLPLANE_KAFKA_REPLICATION_FACTOR"),
            r.positive("kafka.startup_timeout_ms", "CTRLPLANE_KAFKA_STARTUP_TIMEOUT_MS")),
        new Runner(
            r.positive("runner.instances", "CTRLPLANE_RUNNER_INSTANCES"),
            r.positive("runner.lease_seconds", "CTRLPLANE_RUNNER_LEASE_SECONDS"),
            r.positive("runner.poll_ms", "CTRLPLANE_RUNNER_POLL_MS"),
            r.positiveOr("runner.max_concurrent", "CTRLPLANE_RUNNER_MAX_CONCURRENT", 8),
            r.positiveOr("runner.max_active", "CTRLPLANE_RUNNER_MAX_ACTIVE", 10_000),
            r.positiveOr("runner.recheck_max_ms", "CTRLPLANE_RUNNER_RECHECK_MAX_MS", 10_000),
            r.positiveOr("runner.stats_ms", "CTRLPLANE_RUNNER_STATS_MS", 10_000)),
        new Relay(
            r.positive("relay.poll_ms", "CTRLPLANE_RELAY_POLL_MS"),
            r.positive("relay.batch_size", "CTRLPLANE_RELAY_BATCH_SIZE"),
            r.positiveOr("relay.retention_hours", "CTRLPLANE_RELAY_RETENTION_HOURS", 168),
            r.positiveOr(
                "relay.delivery_timeout_ms", "CTRLPLANE_RELAY_DELIVERY_TIMEOUT_MS", 15_000)),
        webhooks(r),
        new Dev(
            r.string("dev.data_dir", "CTRLPLANE_DEV_DATA_DIR"),
            r.port("dev.postgres_port", "CTRLPLANE_DEV_PG_PORT"),
            r.port("dev.kafka_port", "CTRLPLANE_DEV_KAFKA_PORT")),
        security(r),
        agent(r),
        api(r),
        new Kubernetes(
            r.optionalString("kubernetes.kubeconfig", "CTRLPLANE_KUBERNETES_KUBECONFIG"),
            r.optionalString("kubernetes.context", "CTRLPLANE_KUBERNETES_CONTEXT")));
  }

  /** Added with issue 21: every key has a default, generous enough for a busy deploy pipeline. */
  private static Api api(Reader r) {
    return new Api(
        new RateLimit(
            r.booleanOr("api.rate_limit.enabled", "CTRLPLANE_API_RATE_LIMIT_ENABLED", true),
            r.positiveOr(
                "api.rate_limit.per_key_per_second",
                "CTRLPLANE_API_RATE_LIMIT_PER_KEY_PER_SECOND",
                50),
            r.positiveOr(
                "api.rate_limit.per_key_burst", "CTRLPLANE_API_RATE_LIMIT_PER_KEY_BURST", 200),
            r.positiveOr(
                "api.rate_limit.per_address_per_second",
                "CTRLPLANE_API_RATE_LIMIT_PER_ADDRESS_PER_SECOND",
                100),
            r.positiveOr(
                "api.rate_limit.per_address_burst",
                "CTRLPLANE_API_RATE_LIMIT_PER_ADDRESS_BURST",
                400),
            r.positiveOr(
                "api.rate_limit.unauthenticated_audit_per_minute",
                "CTRLPLANE_API_RATE_LIMIT_UNAUTHENTICATED_AUDIT_PER_MINUTE",
                60)));
  }

  /**
   * Optional section: an older config file without it means auth on, no bootstrap key, no secrets.
   */
  private static Security security(Reader r) {
    boolean enabled = r.booleanOr("security.auth_enabled", "CTRLPLANE_AUTH_ENABLED", true);
    String bootstrap =
        r.optionalString("security.bootstrap_api_key", "CTRLPLANE_BOOTSTRAP_API_KEY");
    if (bootstrap != null && bootstrap.length() < Security.MIN_BOOTSTRAP_KEY_LENGTH) {
      // the message never repeats the value
      throw new ConfigException(
          "setting security.bootstrap_api_key (or CTRLPLANE_BOOTSTRAP_API_KEY) must be at least "
              + Security.MIN_BOOTSTRAP_KEY_LENGTH
              + " characters; generate one with `openssl rand -base64 32`");
    }
    String encryption = r.optionalString("security.encryption_key", "CTRLPLANE_ENCRYPTION_KEY");
    return new Security(enabled, bootstrap, encryption);
  }

  /** The agent section came after the first release: every key has a default here too. */
  private static Agent agent(Reader r) {
    int port = r.has("agent.port") ? r.port("agent.port", "CTRLPLANE_AGENT_PORT") : 7070;
    return new Agent(
        agentId(r.stringOr("agent.id", "CTRLPLANE_AGENT_ID", "auto")),
        r.stringOr("agent.host", "CTRLPLANE_AGENT_HOST", "127.0.0.1"),
        port,
        r.stringOr("agent.advertise_host", "CTRLPLANE_AGENT_ADVERTISE_HOST", "127.0.0.1"),
        r.stringOr("agent.router_host", "CTRLPLANE_AGENT_ROUTER_HOST", "127.0.0.1"),
        r.stringOr("agent.data_dir", "CTRLPLANE_AGENT_DATA_DIR", ".ctrlplane-agent"),
        r.positiveOr("agent.heartbeat_ms", "CTRLPLANE_AGENT_HEARTBEAT_MS", 1000),
        r.positiveOr("agent.dead_after_ms", "CTRLPLANE_AGENT_DEAD_AFTER_MS", 5000),
        r.positiveOr("agent.log_max_bytes", "CTRLPLANE_AGENT_LOG_MAX_BYTES", 1024 * 1024),
        token(r.optionalString("agent.token", "CTRLPLANE_AGENT_TOKEN")),
        dockerHost(r.optionalString("agent.docker_host", "CTRLPLANE_AGENT_DOCKER_HOST")),
        token(r.optionalString("agent.container_ulimits", "CTRLPLANE_AGENT_CONTAINER_ULIMITS")),
        portRange(r)[0],
        portRange(r)[1]);
  }

  /**
   * The ports the agent hands its replicas, "from-to": by default below Linux's ephemeral range
   * (32768-60999), so no outgoing connection and no bind to port 0 can take one.
   */
  private static int[] portRange(Reader r) {
    String range = r.stringOr("agent.port_range", "CTRLPLANE_AGENT_PORT_RANGE", "20000-29999");
    String[] parts = range.trim().split("-");
    try {
      int from = Integer.parseInt(parts[0].trim());
      int to = Integer.parseInt(parts[1].trim());
      if (parts.length == 2 && from >= 1024 && to <= 65535 && from <= to) {
        return new int[] {from, to};
      }
    } catch (RuntimeException e) {
      // the message below
    }
    throw new ConfigException(
        "setting agent.port_range (or CTRLPLANE_AGENT_PORT_RANGE) must be 'from-to' with"
            + " 1024 <= from <= to <= 65535, got '"
            + range
            + "'");
  }

  /** The container engine: agent.docker_host, else the ecosystem's DOCKER_HOST, else Docker's. */
  private static String dockerHost(String configured) {
    if (configured != null) {
      return configured;
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? "unix:///var/run/docker.sock" : env.trim();
  }

  private static String token(String configured) {
    return configured == null ? "" : configured;
  }

  /** "auto": one agent per host, named after it. */
  private static String agentId(String configured) {
    if (!"auto".equals(configured)) {
      return configured;
    }
    try {
      return "agent-" + java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "agent-localhost";
    }
  }

  /**
   * Settings added after the first release have defaults here as well as in conf/config.json, so a
   * configuration written for an older version (or built in code) keeps working.
   */
  private static Webhooks webhooks(Reader r) {
    return new Webhooks(
        r.stringOr("webhooks.group_id", "CTRLPLANE_WEBHOOKS_GROUP_ID", "ctrlplane-webhooks"),
        r.positiveOr("webhooks.max_attempts", "CTRLPLANE_WEBHOOKS_MAX_ATTEMPTS", 8),
        r.positiveOr("webhooks.initial_backoff_ms", "CTRLPLANE_WEBHOOKS_INITIAL_BACKOFF_MS", 1000),
        r.positiveOr("webhooks.max_backoff_ms", "CTRLPLANE_WEBHOOKS_MAX_BACKOFF_MS", 300_000),
        r.positiveOr(
            "webhooks.request_timeout_ms", "CTRLPLANE_WEBHOOKS_REQUEST_TIMEOUT_MS", 10_000),
        r.positiveOr(
            "webhooks.session_timeout_ms", "CTRLPLANE_WEBHOOKS_SESSION_TIMEOUT_MS", 10_000));
  }

  private static Postgres postgres(Reader r) {
    String url = r.string("postgres.url", "CTRLPLANE_PG_URL");
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw badPgUrl(url);
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())
        || uri.getHost() == null
        || uri.getPath() == null
        || uri.getPath().length() < 2) {
      throw badPgUrl(url);
    }
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    return new Postgres(
        url,
        uri.getHost(),
        port,
        uri.getPath().substring(1),
        r.string("postgres.user", "CTRLPLANE_PG_USER"),
        r.json.getJsonObject("postgres").getString("password", ""),
        r.positive("postgres.pool_size", "CTRLPLANE_PG_POOL_SIZE"));
  }

  private static ConfigException badPgUrl(String url) {
    return new ConfigException(
        "CTRLPLANE_PG_URL (postgres.url) '"
            + url
            + "' is not of the form postgresql://host[:port]/database");
  }

  /** Reads dotted keys and turns every missing or mistyped value into a one-line message. */
  private record Reader(JsonObject json) {
    Object raw(String key, String env) {
      String[] parts = key.split("\\.");
      Object node = json;
      for (String part : parts) {
        if (!(node instanceof JsonObject obj) || !obj.containsKey(part)) {
          throw new ConfigException("missing setting " + key + " (or " + env + ")");
        }
        node = obj.getValue(part);
      }
      return node;
    }

    String string(String key, String env) {
      Object v = raw(key, env);
      if (!(v instanceof String s) || s.isBlank()) {
        throw new ConfigException(
            "setting " + key + " (or " + env + ") must be a non-empty string");
      }
      return s;
    }

    int integer(String key, String env) {
      Object v = raw(key, env);
      if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
        return n.intValue();
      }
      throw new ConfigException(
          "setting " + key + " (or " + env + ") must be a whole number, got '" + v + "'");
    }

    int positive(String key, String env) {
      int v = integer(key, env);
      if (v < 1) {
        throw new ConfigException(
            "setting " + key + " (or " + env + ") must be at least 1, got " + v);
      }
      return v;
    }

    boolean has(String key) {
      Object node = json;
      for (String part : key.split("\\.")) {
        if (!(node instanceof JsonObject obj) || !obj.containsKey(part)) {
          return false;
        }
        node = obj.getValue(part);
      }
      return true;
    }

    String stringOr(String key, String env, String fallback) {
      return has(key) ? string(key, env) : fallback;
    }

    int positiveOr(String key, String env, int fallback) {
      return has(key) ? positive(key, env) : fallback;
    }

    /** A string that may be absent, null or blank (all meaning unset). */
    String optionalString(String key, String env) {
      if (!has(key) || raw(key, env) == null) {
        return null;
      }
      Object v = raw(key, env);
      if (!(v instanceof String s)) {
        throw new ConfigException("setting " + key + " (or " + env + ") must be a string");
      }
      return s.isBlank() ? null : s.trim();
    }

    boolean booleanOr(String key, String env, boolean fallback) {
      if (!has(key)) {
        return fallback;
      }
      Object v = raw(key, env);
      if (v instanceof Boolean b) {
        return b;
      }
      throw new ConfigException(
          "setting " + key + " (or " + env + ") must be true or false, got '" + v + "'");
    }

    int port(String key, String env) {
      int v = integer(key, env);
      if (v < 0 || v > 65535) {
        throw new ConfigException(
            "setting " + key + " (or " + env + ") must be a TCP port 0..65535, got " + v);
      }
      return v;
    }
  }
}
