package io.ctrlplane.dev;

import io.ctrlplane.Main;
import io.ctrlplane.command.ConfigFiles;
import io.ctrlplane.command.EnvAware;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.security.ApiKeyTokens;
import io.ctrlplane.security.Keyring;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane dev}: every role in one JVM on an embedded PostgreSQL and an embedded
 * single-node KRaft Kafka broker, both keeping their data in one directory so a restart keeps
 * instances and releases. {@code --fresh} starts from nothing. {@code CTRLPLANE_DEV_ROLES} (e.g.
 * {@code api,relay,webhooks}) plays fewer roles, with runners added as {@code serve --roles runner}
 * processes.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = "All roles in one JVM with embedded PostgreSQL and Kafka (data in dev.data_dir).")
public final class DevCommand implements Callable<Integer>, EnvAware {
  @Option(names = "--fresh", description = "Delete the dev data directory first.")
  boolean fresh;

  @Option(
      names = "--config",
      description = "Config file (default conf/config.json, or CTRLPLANE_CONFIG).")
  String configFile;

  private Map<String, String> env;
  private PrintStream out = System.out;

  @Override
  public void init(Map<String, String> env, PrintStream err) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    AppConfig base = ConfigFiles.load(configFile, env);
    Path dir = Path.of(base.dev().dataDir()).toAbsolutePath();
    if (fresh) {
      deleteTree(dir);
    }
    out.println("Ctrl Plane dev mode: data in " + dir + (fresh ? " (fresh)" : ""));
    EmbeddedDatabase db = startDatabase(dir, base.dev().postgresPort());
    EmbeddedKafka kafka;
    try {
      kafka = startKafka(dir, base.dev().kafkaPort());
    } catch (Exception e) {
      db.close();
      throw e;
    }
    Map<String, String> devEnv = new HashMap<>(env);
    // every role unless CTRLPLANE_DEV_ROLES names fewer (bench/run.sh runs its runners as separate
    // processes)
    String roles = env.get("CTRLPLANE_DEV_ROLES");
    devEnv.put(
        "CTRLPLANE_ROLES",
        roles == null || roles.isBlank() ? "api,runner,relay,webhooks,agent" : roles);
    devEnv.put("CTRLPLANE_PG_URL", db.url("ctrlplane"));
    devEnv.put("CTRLPLANE_PG_USER", EmbeddedDatabase.USER);
    devEnv.put("CTRLPLANE_PG_PASSWORD", "");
    devEnv.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    devEnv.put("CTRLPLANE_KAFKA_REPLICATION_FACTOR", "1");
    provideSecrets(base, dir, devEnv);
    AppConfig config = ConfigFiles.load(configFile, devEnv);
    out.println(
        "  PostgreSQL: "
            + db.url("ctrlplane")
            + "  (psql -h localhost -p "
            + db.port()
            + " -U postgres ctrlplane)");
    out.println(
        "  Kafka:      "
            + kafka.bootstrapServers()
            + "  topic "
            + config.kafka().topic()
            + "  (kcat -b "
            + kafka.bootstrapServers()
            + " -t "
            + config.kafka().topic()
            + " -C)");
    return Main.runUntilShutdown(config, () -> stopQuietly(kafka, db));
  }

  /**
   * Without a configured bootstrap key, dev mode makes an admin key of its own on first start and
   * reuses it afterwards; likewise the encryption key of secret_env. The admin key is printed on a
   * line of its own so it can be copied (or read from the file) into scripts.
   */
  private void provideSecrets(AppConfig base, Path dir, Map<String, String> devEnv)
      throws Exception {
    DevSecrets secrets = new DevSecrets(dir);
    if (base.security().bootstrapApiKey() == null) {
      DevSecrets.Value admin = secrets.adminKey(ApiKeyTokens::generate);
      devEnv.put("CTRLPLANE_BOOTSTRAP_API_KEY", admin.value());
      out.println(
          "  Admin API key ("
              + (admin.created() ? "created now" : "reused")
              + ", stored in "
              + admin.file()
              + "; send it as Authorization: Bearer <key>):");
      out.println(admin.value());
    } else {
      out.println(
          "  Admin API key: the one in CTRLPLANE_BOOTSTRAP_API_KEY (security.bootstrap_api_key)");
    }
    if (base.security().encryptionKey() == null) {
      DevSecrets.Value key = secrets.encryptionKey(Keyring::generateKey);
      devEnv.put("CTRLPLANE_ENCRYPTION_KEY", key.value());
      out.println(
          "  secret_env encryption key: " + key.file() + (key.created() ? " (created now)" : ""));
    }
  }

  private EmbeddedDatabase startDatabase(Path dir, int port) throws Exception {
    try {
      EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("postgres"), port);
      db.createDatabase("ctrlplane", null);
      return db;
    } catch (Exception e) {
      if (firstLine(e).contains("lock")) {
        throw new io.ctrlplane.config.ConfigException(
            "another process is using the dev data directory "
                + dir
                + ": stop it, or set CTRLPLANE_DEV_DATA_DIR to another directory");
      }
      throw new io.ctrlplane.config.ConfigException(
          "embedded PostgreSQL did not start on port "
              + port
              + " ("
              + firstLine(e)
              + "): free the port or set CTRLPLANE_DEV_PG_PORT");
    }
  }

  private EmbeddedKafka startKafka(Path dir, int port) throws Exception {
    try {
      return EmbeddedKafka.start(dir.resolve("kafka"), port);
    } catch (Exception e) {
      throw new io.ctrlplane.config.ConfigException(
          "embedded Kafka did not start on port "
              + port
              + " ("
              + firstLine(e)
              + "): free the port or set CTRLPLANE_DEV_KAFKA_PORT");
    }
  }

  private static void stopQuietly(EmbeddedKafka kafka, EmbeddedDatabase db) {
    try {
      kafka.close();
    } catch (Exception e) {
      System.err.println("embedded Kafka did not stop cleanly: " + e);
    }
    try {
      db.close();
    } catch (Exception e) {
      System.err.println("embedded PostgreSQL did not stop cleanly: " + e);
    }
  }

  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String msg = String.valueOf(root.getMessage());
    return msg.lines().findFirst().orElse(msg);
  }

  private static void deleteTree(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
