package io.ctrlplane.testing;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.db.Migrations;
import io.ctrlplane.dev.EmbeddedDatabase;
import io.ctrlplane.dev.EmbeddedKafka;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One real PostgreSQL and one real Kafka broker per test JVM, started on first use and stopped by a
 * shutdown hook. Embedded by default; external ones when CTRLPLANE_TEST_PG_URL (+ _USER, _PASSWORD)
 * and CTRLPLANE_TEST_KAFKA_BOOTSTRAP_SERVERS are set. Each test class gets its own database (a copy
 * of a migrated template) and its own topic, so classes never see each other's data. Test classes
 * reach it through {@link CtrlPlaneServer}, which also starts the roles and injects the client and
 * the DB helper.
 */
public final class TestStack {
  /** The admin key of the default tenant every test server accepts (security.bootstrap_api_key). */
  public static final String BOOTSTRAP_KEY = "test-bootstrap-admin-key-0123456789abcdef";

  /** The AES-256 key every test server seals secret_env with (security.encryption_key). */
  public static final String ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA=";

  private static final String TEMPLATE = "ctrlplane_template";
  private static TestStack instance;

  private final String pgHost;
  private final int pgPort;
  private final String pgUser;
  private final String pgPassword;
  private final String kafkaBootstrap;

  private TestStack(
      String pgHost, int pgPort, String pgUser, String pgPassword, String kafkaBootstrap) {
    this.pgHost = pgHost;
    this.pgPort = pgPort;
    this.pgUser = pgUser;
    this.pgPassword = pgPassword;
    this.kafkaBootstrap = kafkaBootstrap;
  }

  public static synchronized TestStack get() {
    if (instance == null) {
      try {
        instance = start();
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test PostgreSQL/Kafka: " + e, e);
      }
    }
    return instance;
  }

  private static TestStack start() throws Exception {
    Path dir =
        Path.of(System.getProperty("ctrlplane.test.dir", "target/test-stack")).toAbsolutePath();
    deleteTree(dir);
    String extPg = System.getenv("CTRLPLANE_TEST_PG_URL");
    String extKafka = System.getenv("CTRLPLANE_TEST_KAFKA_BOOTSTRAP_SERVERS");
    String host = "localhost";
    int port;
    String user;
    String password;
    if (extPg != null) {
      java.net.URI uri = java.net.URI.create(extPg);
      host = uri.getHost();
      port = uri.getPort() < 0 ? 5432 : uri.getPort();
      user = System.getenv().getOrDefault("CTRLPLANE_TEST_PG_USER", "postgres");
      password = System.getenv().getOrDefault("CTRLPLANE_TEST_PG_PASSWORD", "");
    } else {
      EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("postgres"), 0);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> quietly(db)));
      port = db.port();
      user = EmbeddedDatabase.USER;
      password = "";
    }
    String bootstrap = extKafka;
    if (bootstrap == null) {
      EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> quietly(kafka)));
      bootstrap = kafka.bootstrapServers();
    }
    TestStack stack = new TestStack(host, port, user, password, bootstrap);
    stack.recreate(TEMPLATE, null);
    Migrations.migrateBlocking(stack.config(TEMPLATE, "unused").postgres());
    return stack;
  }

  public String kafkaBootstrap() {
    return kafkaBootstrap;
  }

  /** A fresh, migrated database and a topic of its own for {@code testClass}. */
  public AppConfig configFor(Class<?> testClass) {
    return AppConfig.from(jsonFor(testClass));
  }

  /** The same as JSON, for tests that tweak a setting before building the config. */
  public JsonObject jsonFor(Class<?> testClass) {
    String name = "t_" + testClass.getSimpleName().toLowerCase(Locale.ROOT);
    try {
      recreate(name, TEMPLATE);
    } catch (Exception e) {
      throw new IllegalStateException("could not create test database " + name + ": " + e, e);
    }
    return json(name, "ctrlplane.test." + name + "." + System.nanoTime());
  }

  private AppConfig config(String database, String topic) {
    return AppConfig.from(json(database, topic));
  }

  private JsonObject json(String database, String topic) {
    return new JsonObject()
        .put("roles", "api,runner,relay")
        .put(
            "http",
            new JsonObject().put("host", "127.0.0.1").put("port", freePort()).put("instances", 1))
        .put(
            "postgres",
            new JsonObject()
                .put("url", "postgresql://" + pgHost + ":" + pgPort + "/" + database)
                .put("user", pgUser)
                .put("password", pgPassword)
                .put("pool_size", 4))
        .put(
            "kafka",
            new JsonObject()
                .put("bootstrap_servers", kafkaBootstrap)
                .put("topic", topic)
                .put("topic_partitions", 3)
                .put("replication_factor", 1)
                .put("startup_timeout_ms", 15000))
        .put(
            "runner",
            new JsonObject().put("instances", 1).put("lease_seconds", 5).put("poll_ms", 500))
        .put("relay", new JsonObject().put("poll_ms", 500).put("batch_size", 500))
        .put(
            "dev",
            new JsonObject()
                .put("data_dir", "target/unused")
                .put("postgres_port", 0)
                .put("kafka_port", 0))
        // rate limits off: tests fire requests faster than a client would (RateLimitTest turns
        // them on)
        .put("api", new JsonObject().put("rate_limit", new JsonObject().put("enabled", false)))
        // authentication stays on in tests: ApiClient sends the bootstrap key
        .put(
            "security",
            new JsonObject()
                .put("auth_enabled", true)
                .put("bootstrap_api_key", BOOTSTRAP_KEY)
                .put("encryption_key", ENCRYPTION_KEY));
  }

  private void recreate(String name, String template) throws Exception {
    String url = "jdbc:postgresql://" + pgHost + ":" + pgPort + "/postgres";
    try (Connection c = DriverManager.getConnection(url, pgUser, pgPassword);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
      s.execute(
          "CREATE DATABASE \""
              + name
              + "\""
              + (template == null ? "" : " TEMPLATE \"" + template + "\""));
    }
  }

  public static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void quietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("test stack: " + e);
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
